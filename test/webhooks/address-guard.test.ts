// The SSRF guard's decisions under the default configuration, with DNS answers injected: nothing here
// connects anywhere.
import t from 'tap';
import { loadConfig } from '../../core/config.ts';
import {
  checkWebhookUrl,
  classifyAddress,
  guardedLookup,
  isPublicAddress,
} from '../../webhooks/address-guard.ts';

const defaults = loadConfig({});
const policy = { allowHttp: defaults.webhookAllowHttp, allowedAddresses: defaults.webhookAllowedAddresses };
const resolvingTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

t.test('public IPv4 and IPv6 addresses are accepted with the defaults', async (t) => {
  for (const address of ['8.8.8.8', '1.1.1.1', '203.0.114.1', '2606:4700:4700::1111', '2a00:1450:4001::1'])
    t.equal(classifyAddress(address, 443, policy.allowedAddresses), 'public', address);
  const named = await checkWebhookUrl('https://hooks.example.com/in', policy, {
    mayUseAllowList: true,
    resolve: resolvingTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'),
  });
  t.same(named, { internal: false }, 'a host with A and AAAA records');
  t.same(await checkWebhookUrl('https://8.8.8.8/hook', policy), { internal: false }, 'an IPv4 literal');
});

t.test('internal addresses in every spelling are refused with the defaults', async (t) => {
  const internal = [
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '64:ff9b::7f00:1',
    '2002:a00:1::1',
    '2002:7f00:1::',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  ];
  for (const address of internal)
    t.equal(classifyAddress(address, 443, policy.allowedAddresses), 'refused', address);
  for (const spelled of [
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
    'https://127.1/',
  ])
    await t.rejects(checkWebhookUrl(spelled, policy), { message: /internal address/ }, spelled);
  for (const literal of ['https://[::ffff:127.0.0.1]/', 'https://[::1]:8443/', 'https://169.254.169.254/'])
    await t.rejects(checkWebhookUrl(literal, policy), { message: /internal address/ }, literal);
  await t.rejects(
    checkWebhookUrl('https://mixed.example.com/', policy, {
      mayUseAllowList: true,
      resolve: resolvingTo('8.8.8.8', '10.1.2.3'),
    }),
    { message: /10\.1\.2\.3, an internal address/ },
    'one internal address among public ones refuses the host',
  );
  t.notOk(isPublicAddress('127.0.0.1'));
  t.notOk(isPublicAddress(undefined));
  t.ok(isPublicAddress('8.8.8.8'));
});

t.test('plain http is refused by default', async (t) => {
  await t.rejects(checkWebhookUrl('http://8.8.8.8/hook', policy), { message: 'The URL must use https' });
});

t.test('the connect-time lookup refuses what DNS turns internal', async (t) => {
  const lookup = guardedLookup(policy, 443, true);
  const error = await new Promise<Error | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
  t.match(error, { code: 'WEBHOOK_ADDRESS_REFUSED' });
});

t.test('an allow-listed address serves admin endpoints only, on its own port only', async (t) => {
  const allowing = loadConfig({ TESSERA_WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1:8443,10.0.0.0/8' });
  const open = { allowHttp: false, allowedAddresses: allowing.webhookAllowedAddresses };
  t.same(await checkWebhookUrl('https://127.0.0.1:8443/hook', open), { internal: true });
  await t.rejects(checkWebhookUrl('https://127.0.0.1:8444/hook', open), { message: /internal address/ });
  await t.rejects(checkWebhookUrl('https://127.0.0.1/hook', open), { message: /internal address/ });
  t.same(await checkWebhookUrl('https://10.9.8.7/hook', open), { internal: true }, 'any port of a range');
  await t.rejects(
    checkWebhookUrl('https://127.0.0.1:8443/hook', open, { mayUseAllowList: false }),
    { message: /internal address/ },
    'a partner endpoint never reaches an allow-listed address',
  );
});
