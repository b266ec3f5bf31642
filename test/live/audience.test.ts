import t from 'tap';
import { Audience } from '../../core/live/audience.ts';
import type { LiveEvent, Subscription } from '../../core/live/channels.ts';

const sub = (tenantId: string, filter: Subscription['filter']): Subscription => ({
  tenantId,
  channels: ['ledger'],
  filter,
});
const event = (tenantId: string, data: Record<string, unknown>): LiveEvent => ({
  tenantId,
  position: { tx: '1', id: 1 },
  event: { id: '1', type: 'ledger.credited', createdAt: '', data },
});

t.test(
  'an event is offered to its tenant’s unfiltered connections and those filed under its values',
  async (t) => {
    const audience = new Audience<string>();
    audience.file('wall', sub('a', {}));
    audience.file('other-tenant-wall', sub('b', {}));
    audience.file('alice', sub('a', { memberRef: 'alice' }));
    audience.file('bob', sub('a', { memberRef: 'bob' }));
    audience.file('campaign', sub('a', { campaignId: 'c1' }));
    audience.file('partner', sub('a', { partnerId: 'p1', campaignId: 'c9' }));
    audience.file('alice-in-b', sub('b', { memberRef: 'alice' }));

    const offered = (live: LiveEvent) => [...audience.candidates(live)].sort();
    t.same(offered(event('a', { memberRef: 'alice' })), ['alice', 'wall']);
    t.same(offered(event('a', { memberRef: 'alice', campaignId: 'c1', partnerId: 'p1' })), [
      'alice',
      'campaign',
      'wall',
    ]);
    // Filed under its most selective filter (the campaign): the connection checks the partner itself.
    t.same(offered(event('a', { campaignId: 'c9' })), ['partner', 'wall']);
    t.same(offered(event('b', { memberRef: 'alice' })), ['alice-in-b', 'other-tenant-wall']);
    // A value that is not a string matches no filter.
    t.same(offered(event('a', { memberRef: 7 })), ['wall']);

    // A new subscription replaces the old one; a closed connection is offered nothing.
    audience.file('alice', sub('a', { memberRef: 'carol' }));
    t.same(offered(event('a', { memberRef: 'alice' })), ['wall']);
    t.same(offered(event('a', { memberRef: 'carol' })), ['alice', 'wall']);
    audience.remove('alice');
    audience.remove('wall');
    audience.remove('never-filed');
    t.same(offered(event('a', { memberRef: 'carol' })), []);
    t.equal(audience.size, 5);
  },
);
