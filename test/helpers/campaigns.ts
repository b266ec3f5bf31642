// Owns what campaign tests share: an active campaign from a few fields, and posting source events.
import type { ApiResponse, TestTessera } from './tessera.ts';

let sequence = 0;

export async function activeCampaign(app: TestTessera, fields: Record<string, unknown>) {
  const created = await app.api('POST', '/v1/campaigns', {
    body: {
      name: `Campaign ${++sequence}`,
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-12-31T00:00:00Z',
      trigger: { eventType: 'pos.visit', rule: { type: 'each' } },
      reward: { type: 'points', amount: 100 },
      ...fields,
    },
  });
  if (created.status !== 201) throw new Error(`campaign not created: ${JSON.stringify(created.body)}`);
  const activated = await app.api('POST', `/v1/campaigns/${created.body.id}/activate`);
  if (activated.status !== 200) throw new Error(`campaign not activated: ${JSON.stringify(activated.body)}`);
  return activated.body as { id: string; [key: string]: unknown };
}

export function eventPoster(app: TestTessera, type = 'pos.visit') {
  let n = 0;
  return async (memberRef: string, occurredAt: string, data: Record<string, unknown> = {}, extra = {}) => {
    const response = await app.api('POST', '/v1/events', {
      body: {
        type,
        source: 'pos-test',
        sourceEventId: `e-${++n}-${Math.random().toString(36).slice(2)}`,
        memberRef,
        member: { name: memberRef },
        occurredAt,
        data,
        ...extra,
      },
    });
    if (response.status !== 201) throw new Error(`event refused: ${JSON.stringify(response.body)}`);
    return response.body as { id: string; outcomes: Array<ApiResponse['body']> };
  };
}

export const day = (n: number) => new Date(Date.UTC(2026, 8, n, 12)).toISOString();

// A partner taken live at once, for tests whose subject is not onboarding (test/partners/ takes partners
// through every stage): created through the API, its stage set in the database.
export async function livePartner(app: TestTessera, name: string, fields: Record<string, unknown> = {}) {
  const partner = await app.api('POST', '/v1/partners', { body: { name, ...fields } });
  if (partner.status !== 201) throw new Error(`partner not created: ${JSON.stringify(partner.body)}`);
  await app.db('partners').where({ id: partner.body.id }).update({ stage: 'live', wentLiveAt: new Date() });
  return { ...partner, body: { ...partner.body, stage: 'live' } };
}

// A live partner's USD gift card of 500, valid 30 days, with these codes.
export async function voucherOffer(app: TestTessera, codes: string[], partnerName = 'CoffeeCo') {
  const partner = await livePartner(app, partnerName);
  const offer = await app.api('POST', '/v1/offers', {
    body: {
      partnerId: partner.body.id,
      name: 'Coffee',
      type: 'gift_card',
      currency: 'USD',
      denominations: { fixed: [500] },
      expiryDays: 30,
      country: 'US',
    },
  });
  if (offer.status !== 201) throw new Error(`offer not created: ${JSON.stringify(offer.body)}`);
  await app.api('POST', `/v1/offers/${offer.body.id}/codes`, { body: { denomination: 500, codes } });
  return { partnerId: partner.body.id as string, offerId: offer.body.id as string };
}
