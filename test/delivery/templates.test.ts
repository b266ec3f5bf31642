// Message templates: saved per channel, locale and kind (created, then replaced), checked when saved
// (Mustache that does not parse, a value Tessera does not have, a WhatsApp template without its approved
// name), chosen for a member's locale with fallbacks, and rendered as HTML for email and as text for SMS.
import t from 'tap';
import { localesFor, render, templateFor } from '../../core/delivery/templates.ts';
import { startTestTessera } from '../helpers/tessera.ts';

t.test('templates are saved, checked, chosen by locale and rendered', async (t) => {
  const app = await startTestTessera(t);
  const save = (body: object) => app.api('POST', '/v1/templates', { body });
  const sms = await save({
    channel: 'sms',
    kind: 'voucher',
    body: 'Hi {{name}}, your {{partner}} code: {{code}}',
  });
  t.equal(sms.status, 201, JSON.stringify(sms.body));
  t.match(sms.body, { channel: 'sms', locale: 'en', kind: 'voucher', whatsapp: null });
  const replaced = await save({
    channel: 'sms',
    kind: 'voucher',
    body: '{{name}}: {{code}} (until {{expiry}})',
  });
  t.same([replaced.status, replaced.body.id], [200, sms.body.id]);
  t.equal(
    (await save({ channel: 'sms', kind: 'voucher', locale: 'pt-br', body: 'Olá {{name}}: {{code}}' })).body
      .locale,
    'pt-BR',
  );
  t.equal(
    (
      await save({
        channel: 'email',
        kind: 'points',
        subject: 'Your points',
        body: '<p>{{name}}: {{points}}</p>',
      })
    ).status,
    201,
  );
  const whatsapp = await save({
    channel: 'whatsapp',
    kind: 'voucher',
    whatsapp: { name: 'voucher_code', language: 'en_US' },
  });
  t.match(whatsapp.body, { whatsapp: { name: 'voucher_code', language: 'en_US' }, body: null });

  const refusals = [
    [{ channel: 'sms', kind: 'points', body: 'Hi {{#name}' }, 'template_invalid'],
    [{ channel: 'sms', kind: 'points', body: 'Hi {{password}}' }, 'template_invalid'],
    [{ channel: 'whatsapp', kind: 'points', body: 'Hi' }, 'validation_failed'],
    [{ channel: 'email', kind: 'points', body: 'no subject' }, 'validation_failed'],
    [{ channel: 'sms', kind: 'points', locale: 'not a locale!', body: 'x' }, 'validation_failed'],
  ] as const;
  for (const [body, code] of refusals) {
    const refused = await save(body);
    t.same([refused.status, refused.body.error.code], [400, code], JSON.stringify(body));
  }
  t.equal((await app.api('GET', '/v1/templates?channel=sms')).body.data.length, 2);
  t.equal((await save({ channel: 'sms', kind: 'points', body: 'x' })).status, 201);
  const viewer = await app.keyFor('viewer');
  t.equal(
    (
      await app.api('POST', '/v1/templates', {
        key: viewer,
        body: { channel: 'sms', kind: 'otp', body: '{{otp}}' },
      })
    ).status,
    403,
  );

  t.same(localesFor('pt-BR'), ['pt-BR', 'pt', 'en']);
  const tenantId = (await app.db('tenants').where({ name: 'default' }).first()).id;
  const chosen = async (locale: string | null) =>
    (await templateFor(app.db, tenantId, { channel: 'sms', kind: 'voucher', locale }))?.locale;
  t.same(
    [await chosen('pt-BR'), await chosen('pt'), await chosen('fr-FR'), await chosen(null)],
    ['pt-BR', 'en', 'en', 'en'],
  );
  t.equal(render('{{name}}: {{code}}', { name: 'Ana & Bo', code: 'X<1>' }, false), 'Ana & Bo: X<1>');
  t.equal(render('<p>{{name}}</p>', { name: 'Ana & <Bo>' }, true), '<p>Ana &amp; &lt;Bo&gt;</p>');
});
