// Owns the delivery queue, which is the deliveries table itself: a queued delivery is due at its
// next_attempt_at. One claim statement takes a batch of due deliveries, sets their send lease and
// answers each with what its message needs (the member as they are now, the reward, its code, offer and
// partner, the campaign's channel order); a NOTIFY on commit wakes idle dispatchers.
import { type Database, type Queryable, rowsOf } from '../db/database.ts';
import type { Reward } from '../issuance/model.ts';
import type { Channel } from '../tenancy/settings.ts';

export const WAKE_CHANNEL = 'tessera_deliveries';

// Inside the transaction that made deliveries due: dispatchers listening wake once it commits.
export async function wakeDispatchers(trx: Queryable): Promise<void> {
  await trx.raw('SELECT pg_notify(?, ?)', [WAKE_CHANNEL, '']);
}

export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  issuanceId: string;
  campaignId: string;
  memberId: string;
  memberRef: string;
  partnerId: string | null;
  kind: 'points' | 'voucher';
  tried: Channel[];
  attempts: number;
  member: {
    name: string | null;
    email: string | null;
    phone: string | null;
    whatsapp: string | null;
    preferredChannel: Channel | null;
    locale: string | null;
    optOuts: Channel[];
  };
  reward: Reward;
  campaignName: string;
  campaignChannels: Channel[] | null;
  voucher: { code: string; expiresAt: Date | null; offerName: string; currency: string } | null;
  partnerName: string | null;
}

type Member = ClaimedDelivery['member'];

// The claim's row: the delivery's own columns, then the member's, the campaign's and the voucher's.
type ClaimRow = Omit<ClaimedDelivery, 'member' | 'voucher' | 'campaignChannels'> &
  Member & {
    campaignDelivery: { channels?: Channel[] } | null;
    voucherCode: string | null;
    voucherExpiresAt: Date | null;
    offerName: string | null;
    currency: string | null;
  };

function claimedOf(row: ClaimRow): ClaimedDelivery {
  const { name, email, phone, whatsapp, preferredChannel, locale, optOuts, ...rest } = row;
  const { campaignDelivery, voucherCode, voucherExpiresAt, offerName, currency, ...delivery } = rest;
  return {
    ...delivery,
    member: { name, email, phone, whatsapp, preferredChannel, locale, optOuts },
    campaignChannels: campaignDelivery?.channels ?? null,
    voucher: voucherCode
      ? {
          code: voucherCode,
          expiresAt: voucherExpiresAt,
          offerName: offerName ?? '',
          currency: currency ?? '',
        }
      : null,
  };
}

// Due deliveries, oldest first, each leased for `leaseSeconds`. Candidates are read without locks; the
// UPDATE takes each chosen row's lock and checks it again, so a delivery two dispatchers both chose is
// claimed by one of them only.
export async function claimDue(db: Database, free: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
  const result = await db.raw(
    `WITH claimed AS (
       UPDATE deliveries d SET sending_until = now() + make_interval(secs => ?)
         FROM delivery_due(?) due
        WHERE d.id = due.id AND d.status = 'queued' AND (d.sending_until IS NULL OR d.sending_until <= now())
       RETURNING d.*
     )
     SELECT c.id, c.tenant_id, c.issuance_id, c.campaign_id, c.member_id, c.member_ref, c.partner_id, c.kind,
            c.tried, c.attempts,
            m.name, m.email, m.phone, m.whatsapp, m.preferred_channel, m.locale, m.opt_outs,
            i.reward, cp.name AS campaign_name, cp.delivery AS campaign_delivery,
            v.code AS voucher_code,
            v.assigned_at + make_interval(days => o.expiry_days) AS voucher_expires_at,
            o.name AS offer_name, o.currency, p.name AS partner_name
       FROM claimed c
       JOIN members m ON m.id = c.member_id
       JOIN issuances i ON i.id = c.issuance_id
       JOIN campaigns cp ON cp.id = c.campaign_id
       LEFT JOIN voucher_codes v ON v.id = i.voucher_code_id
       LEFT JOIN offers o ON o.id = v.offer_id
       LEFT JOIN partners p ON p.id = o.partner_id`,
    [leaseSeconds, free],
  );
  return rowsOf<ClaimRow>(result).map(claimedOf);
}
