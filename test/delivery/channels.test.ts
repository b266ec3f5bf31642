// Which channels a reward's message tries: the member's preferred one, the campaign's order (editable
// while the campaign runs), then the tenant's (in settings), skipping channels without an address and
// those the member opted out of.
import t from 'tap';
import { channelOrder } from '../../core/delivery/channels.ts';
import { activeCampaign } from '../helpers/campaigns.ts';
import { startTestTessera } from '../helpers/tessera.ts';

const member = {
  email: 'ana@example.com',
  phone: '+14155550123',
  whatsapp: null,
  preferredChannel: null,
  optOuts: [],
};

t.test('the order of channels', async (t) => {
  t.same(channelOrder(member, null, ['sms', 'email', 'whatsapp']), ['sms', 'email', 'whatsapp']);
  t.same(channelOrder({ ...member, preferredChannel: 'email' }, ['whatsapp'], ['sms', 'email']), [
    'email',
    'whatsapp',
    'sms',
  ]);
  t.same(channelOrder({ ...member, optOuts: ['sms'] }, null, ['sms', 'email', 'whatsapp']), [
    'email',
    'whatsapp',
  ]);
  t.same(channelOrder({ ...member, email: null, phone: null }, null, ['sms', 'email', 'whatsapp']), []);
  t.same(
    channelOrder({ ...member, phone: null, whatsapp: '+14155550199' }, null, ['sms', 'whatsapp']),
    ['whatsapp'],
    'WhatsApp has its own number; SMS needs the phone',
  );

  const app = await startTestTessera(t);
  t.same((await app.api('GET', '/v1/settings')).body.delivery, { channels: ['sms', 'email', 'whatsapp'] });
  const set = await app.api('PATCH', '/v1/settings', {
    body: { delivery: { channels: ['whatsapp', 'email'] } },
  });
  t.same(set.body.delivery, { channels: ['whatsapp', 'email'] });
  t.equal(
    (await app.api('PATCH', '/v1/settings', { body: { delivery: { channels: ['fax'] } } })).status,
    400,
  );
  const campaign = await activeCampaign(app, {});
  t.equal(campaign.delivery, null);
  const edited = await app.api('PATCH', `/v1/campaigns/${campaign.id}`, {
    body: { delivery: { channels: ['whatsapp', 'sms'] } },
  });
  t.equal(edited.status, 200, 'editable while the campaign runs');
  t.same(edited.body.delivery, { channels: ['whatsapp', 'sms'] });
});
