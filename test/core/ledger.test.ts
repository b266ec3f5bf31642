import { randomUUID } from 'node:crypto';
import t from 'tap';
import { sweepExpiredReservations } from '../../core/ledger/expiry.ts';
import { apiClient, startTestTessera } from '../helpers/tessera.ts';

// The background sweep is off (it would fire once a year): these tests run it themselves, at the moment
// they mean to, and a sweep in between would expire reservations a test is about to confirm.
const app = await startTestTessera(t, {
  TESSERA_RESERVATION_MAX_SECONDS: '3600',
  TESSERA_LEDGER_SWEEP_CRON: '0 0 0 1 1 *',
});
const { api } = app;

let memberCount = 0;
async function memberWith(points: number): Promise<string> {
  const ref = `led-${++memberCount}`;
  await api('PUT', `/v1/members/${ref}`, { body: { name: ref } });
  if (points) {
    const credited = await api('POST', '/v1/ledger/credits', {
      body: { memberRef: ref, amount: points, source: 'campaign' },
    });
    if (credited.status !== 201) throw new Error(JSON.stringify(credited.body));
  }
  return ref;
}
const balance = async (ref: string) => (await api('GET', `/v1/members/${ref}/balance`)).body;

t.test('credit, reserve, confirm and release move the balance', async (t) => {
  const ref = await memberWith(0);
  t.same(await balance(ref), { available: 0, pending: 0, posted: 0, unit: 'points' });
  const credited = await api('POST', '/v1/ledger/credits', {
    body: { memberRef: ref, amount: 500, source: 'campaign', reference: 'camp-1', reason: 'Q3 target' },
  });
  t.equal(credited.status, 201);
  t.match(credited.body, {
    kind: 'credit',
    status: 'posted',
    amount: 500,
    postedAmount: 500,
    memberRef: ref,
  });
  t.same(credited.body.balance, { available: 500, pending: 0, posted: 500, unit: 'points' });

  const reserved = await api('POST', '/v1/ledger/reservations', {
    body: { memberRef: ref, amount: 200, source: 'marketplace', reference: 'order-1' },
  });
  t.equal(reserved.status, 201);
  t.equal(reserved.body.status, 'pending');
  const expiresIn = Date.parse(reserved.body.expiresAt) - Date.now();
  t.ok(expiresIn > 890_000 && expiresIn <= 900_000, 'default timeout is 900 s');
  t.same(reserved.body.balance, { available: 300, pending: 200, posted: 500, unit: 'points' });

  const confirmed = await api('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`, { body: {} });
  t.equal(confirmed.status, 200);
  t.equal(confirmed.body.status, 'posted');
  t.same(confirmed.body.balance, { available: 300, pending: 0, posted: 300, unit: 'points' });

  const second = await api('POST', '/v1/ledger/reservations', {
    body: { memberRef: ref, amount: 100, source: 'loyalife' },
  });
  const released = await api('POST', `/v1/ledger/reservations/${second.body.id}/release`, {
    body: { reason: 'issuance failed' },
  });
  t.equal(released.status, 200);
  t.match(released.body, { status: 'voided', resolutionReason: 'issuance failed' });
  t.same(await balance(ref), { available: 300, pending: 0, posted: 300, unit: 'points' });
});

t.test('a partial confirm posts that amount and releases the rest', async (t) => {
  const ref = await memberWith(100);
  const reserved = await api('POST', '/v1/ledger/reservations', {
    body: { memberRef: ref, amount: 80, source: 'marketplace' },
  });
  const confirmed = await api('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`, {
    body: { amount: 30 },
  });
  t.match(confirmed.body, { status: 'posted', amount: 80, postedAmount: 30 });
  t.same(await balance(ref), { available: 70, pending: 0, posted: 70, unit: 'points' });
  const tooMuch = await api('POST', '/v1/ledger/reservations', {
    body: { memberRef: ref, amount: 10, source: 'marketplace' },
  });
  const over = await api('POST', `/v1/ledger/reservations/${tooMuch.body.id}/confirm`, {
    body: { amount: 11 },
  });
  t.equal(over.status, 409);
  t.equal(over.body.error.code, 'amount_exceeds_reservation');
});

t.test('not enough points is 409 insufficient_balance with the available amount', async (t) => {
  const ref = await memberWith(50);
  for (const path of ['/v1/ledger/reservations', '/v1/ledger/debits']) {
    const response = await api('POST', path, { body: { memberRef: ref, amount: 51, source: 'marketplace' } });
    t.equal(response.status, 409, path);
    t.equal(response.body.error.code, 'insufficient_balance');
    t.same(response.body.error.details, [{ available: 50, requested: 51 }]);
  }
  t.same(await balance(ref), { available: 50, pending: 0, posted: 50, unit: 'points' });
  const unknown = await api('POST', '/v1/ledger/credits', {
    body: { memberRef: 'nobody-here', amount: 5, source: 'admin' },
  });
  t.equal(unknown.status, 404);
});

t.test(
  'a reservation that is no longer pending cannot be confirmed or released; the same key replays',
  async (t) => {
    const ref = await memberWith(100);
    const reserved = await api('POST', '/v1/ledger/reservations', {
      body: { memberRef: ref, amount: 40, source: 'marketplace' },
    });
    const headers = { 'idempotency-key': `confirm-${reserved.body.id}` };
    const first = await api('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`, {
      headers,
      body: {},
    });
    t.equal(first.status, 200);
    const replay = await api('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`, {
      headers,
      body: {},
    });
    t.equal(replay.status, 200);
    t.equal(replay.headers.get('idempotent-replayed'), 'true');
    t.same(replay.body, first.body);
    for (const action of ['confirm', 'release']) {
      const again = await api('POST', `/v1/ledger/reservations/${reserved.body.id}/${action}`, { body: {} });
      t.equal(again.status, 409);
      t.equal(again.body.error.code, 'reservation_not_pending');
      t.same(again.body.error.details, [{ status: 'posted' }]);
    }
    t.same(await balance(ref), { available: 60, pending: 0, posted: 60, unit: 'points' });
    const credit = await api('GET', `/v1/ledger/transfers?memberRef=${ref}&status=posted`);
    const notReservation = credit.body.data.find((transfer: { kind: string }) => transfer.kind === 'credit');
    const wrongKind = await api('POST', `/v1/ledger/reservations/${notReservation.id}/confirm`, { body: {} });
    t.equal(wrongKind.body.error.code, 'not_a_reservation');
    t.equal((await api('POST', `/v1/ledger/reservations/${randomUUID()}/confirm`, { body: {} })).status, 404);
  },
);

t.test(
  'an expired reservation cannot be confirmed, even before the sweep, and the sweep voids the rest',
  async (t) => {
    const ref = await memberWith(100);
    const early = await api('POST', '/v1/ledger/reservations', {
      body: { memberRef: ref, amount: 30, source: 'loyalife', timeoutSeconds: 1 },
    });
    const swept = await api('POST', '/v1/ledger/reservations', {
      body: { memberRef: ref, amount: 20, source: 'loyalife', timeoutSeconds: 1 },
    });
    t.same(await balance(ref), { available: 50, pending: 50, posted: 100, unit: 'points' });
    await app
      .db('ledger_transfers')
      .whereIn('id', [early.body.id, swept.body.id])
      .update({ expiresAt: app.db.raw("now() - interval '1 second'") });

    const late = await api('POST', `/v1/ledger/reservations/${early.body.id}/confirm`, { body: {} });
    t.equal(late.status, 409);
    t.same(late.body.error.details, [{ status: 'expired' }]);
    t.same(
      await balance(ref),
      { available: 80, pending: 20, posted: 100, unit: 'points' },
      'expired on the spot',
    );

    t.equal(await sweepExpiredReservations(app.db), 1);
    t.same(await balance(ref), { available: 100, pending: 0, posted: 100, unit: 'points' });
    t.equal((await api('GET', `/v1/ledger/transfers/${swept.body.id}`)).body.status, 'expired');
    const events = await api('GET', '/v1/events?types=ledger.expired&limit=1000');
    const mine = events.body.data.filter((event: { subject: string }) => event.subject === ref);
    t.same(
      mine.map((event: { data: { transferId: string } }) => event.data.transferId).sort(),
      [early.body.id, swept.body.id].sort(),
    );
    t.equal(await sweepExpiredReservations(app.db), 0, 'nothing twice');
    const tooLong = await api('POST', '/v1/ledger/reservations', {
      body: { memberRef: ref, amount: 1, source: 'loyalife', timeoutSeconds: 3601 },
    });
    t.equal(tooLong.status, 400);
  },
);

t.test('reversals correct a posted transfer once', async (t) => {
  const ref = await memberWith(100);
  const [creditTransfer] = (await api('GET', `/v1/ledger/transfers?memberRef=${ref}`)).body.data;
  const debited = await api('POST', '/v1/ledger/debits', {
    body: { memberRef: ref, amount: 30, source: 'marketplace', reference: 'o-9' },
  });
  t.same(debited.body.balance.available, 70);

  const undoDebit = await api('POST', '/v1/ledger/reversals', {
    body: { transferId: debited.body.id, reason: 'order cancelled' },
  });
  t.equal(undoDebit.status, 201);
  t.match(undoDebit.body, {
    kind: 'reversal',
    amount: 30,
    reversesId: debited.body.id,
    source: 'marketplace',
    reference: 'o-9',
  });
  t.equal(undoDebit.body.balance.available, 100);
  const twice = await api('POST', '/v1/ledger/reversals', {
    body: { transferId: debited.body.id, reason: 'again' },
  });
  t.equal(twice.status, 409);
  t.equal(twice.body.error.code, 'already_reversed');
  const ofReversal = await api('POST', '/v1/ledger/reversals', {
    body: { transferId: undoDebit.body.id, reason: 'no' },
  });
  t.equal(ofReversal.body.error.code, 'not_reversible');

  await api('POST', '/v1/ledger/debits', { body: { memberRef: ref, amount: 90, source: 'marketplace' } });
  const overdraw = await api('POST', '/v1/ledger/reversals', {
    body: { transferId: creditTransfer.id, reason: 'credited by mistake' },
  });
  t.equal(overdraw.status, 409);
  t.equal(overdraw.body.error.code, 'insufficient_balance');
  t.same(await balance(ref), { available: 10, pending: 0, posted: 10, unit: 'points' });

  const pending = await api('POST', '/v1/ledger/reservations', {
    body: { memberRef: ref, amount: 5, source: 'marketplace' },
  });
  const ofPending = await api('POST', '/v1/ledger/reversals', {
    body: { transferId: pending.body.id, reason: 'no' },
  });
  t.equal(ofPending.body.error.code, 'not_reversible');
});

t.test('client-supplied ids: same fields return the transfer, different fields are refused', async (t) => {
  const ref = await memberWith(0);
  const id = randomUUID();
  const body = { id, memberRef: ref, amount: 25, source: 'campaign', reference: 'c-7' };
  const first = await api('POST', '/v1/ledger/credits', { body });
  t.equal(first.status, 201);
  t.equal(first.body.id, id);
  const same = await api('POST', '/v1/ledger/credits', { body });
  t.equal(same.status, 200);
  t.equal(same.body.id, id);
  t.equal(same.body.balance.available, 25, 'credited once');
  const different = await api('POST', '/v1/ledger/credits', { body: { ...body, amount: 26 } });
  t.equal(different.status, 409);
  t.equal(different.body.error.code, 'transfer_exists_with_different_fields');
  const asDebit = await api('POST', '/v1/ledger/debits', { body });
  t.equal(asDebit.body.error.code, 'transfer_exists_with_different_fields');
  const concurrent = { ...body, id: randomUUID(), amount: 5 };
  const results = await Promise.all(
    Array.from({ length: 10 }, () => api('POST', '/v1/ledger/credits', { body: concurrent })),
  );
  t.same(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
  t.equal((await balance(ref)).available, 30, 'ten concurrent requests with one id credit once');
});

t.test('the transfer log filters by member, source, status, reference and time', async (t) => {
  const ref = await memberWith(60);
  await api('POST', '/v1/ledger/debits', {
    body: { memberRef: ref, amount: 10, source: 'loyalife', reference: 'LL-1' },
  });
  await api('POST', '/v1/ledger/reservations', {
    body: { memberRef: ref, amount: 5, source: 'marketplace', reference: 'MP-1' },
  });
  const mine = `/v1/ledger/transfers?memberRef=${ref}`;
  t.equal((await api('GET', mine)).body.data.length, 3);
  t.same(
    (await api('GET', `${mine}&source=loyalife`)).body.data.map((x: { reference: string }) => x.reference),
    ['LL-1'],
  );
  t.same(
    (await api('GET', `${mine}&status=pending`)).body.data.map((x: { reference: string }) => x.reference),
    ['MP-1'],
  );
  t.equal((await api('GET', '/v1/ledger/transfers?reference=MP-1')).body.data.length, 1);
  const future = new Date(Date.now() + 60_000).toISOString();
  t.equal((await api('GET', `${mine}&from=${future}`)).body.data.length, 0);
  const paged = await api('GET', `${mine}&limit=2`);
  t.ok(paged.body.nextCursor);
  t.equal((await api('GET', `${mine}&limit=2&cursor=${paged.body.nextCursor}`)).body.data.length, 1);
});

t.test(
  'every movement records its event with member, amount, source, reference, transfer and balance',
  async (t) => {
    const ref = await memberWith(100);
    const reserved = await api('POST', '/v1/ledger/reservations', {
      body: { memberRef: ref, amount: 10, source: 'marketplace', reference: 'e-1' },
    });
    await api('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`, { body: {} });
    const again = await api('POST', '/v1/ledger/reservations', {
      body: { memberRef: ref, amount: 10, source: 'marketplace' },
    });
    await api('POST', `/v1/ledger/reservations/${again.body.id}/release`, { body: {} });
    const debited = await api('POST', '/v1/ledger/debits', {
      body: { memberRef: ref, amount: 5, source: 'loyalife' },
    });
    await api('POST', '/v1/ledger/reversals', { body: { transferId: debited.body.id, reason: 'refund' } });
    const events = (await api('GET', '/v1/events?types=ledger.*&limit=1000')).body.data.filter(
      (e: { subject: string }) => e.subject === ref,
    );
    t.same(
      events.map((e: { type: string }) => e.type),
      [
        'ledger.credited',
        'ledger.reserved',
        'ledger.confirmed',
        'ledger.reserved',
        'ledger.released',
        'ledger.debited',
        'ledger.reversed',
      ],
    );
    t.match(events[1].data, {
      memberRef: ref,
      amount: 10,
      source: 'marketplace',
      reference: 'e-1',
      transferId: reserved.body.id,
      balance: { available: 90, pending: 10 },
    });
    t.same(events[6].data.balance, { available: 90, pending: 0, posted: 90, unit: 'points' });
  },
);

t.test('roles: viewers read, partners move only their own transfers', async (t) => {
  const ref = await memberWith(100);
  const viewer = await app.keyFor('viewer');
  t.equal(
    (
      await api('POST', '/v1/ledger/credits', {
        key: viewer,
        body: { memberRef: ref, amount: 1, source: 'admin' },
      })
    ).status,
    403,
  );
  t.equal((await api('GET', `/v1/members/${ref}/balance`, { key: viewer })).status, 200);

  const partnerA = randomUUID();
  const keyA = await app.keyFor('partner', { partnerId: partnerA, ledgerAccess: 'redeem' });
  const keyB = await app.keyFor('partner', { partnerId: randomUUID(), ledgerAccess: 'redeem' });
  const reserved = await api('POST', '/v1/ledger/reservations', {
    key: keyA,
    body: { memberRef: ref, amount: 10, source: 'loyalife' },
  });
  t.equal(reserved.status, 201);
  t.equal(reserved.body.partnerId, partnerA, "a partner key's transfers carry its partner id");
  t.equal(
    (await api('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`, { key: keyB, body: {} }))
      .status,
    404,
  );
  t.equal((await api('GET', `/v1/ledger/transfers/${reserved.body.id}`, { key: keyB })).status, 404);
  t.equal(
    (await api('POST', `/v1/ledger/reservations/${reserved.body.id}/confirm`, { key: keyA, body: {} }))
      .status,
    200,
  );
  const posing = await api('POST', '/v1/ledger/debits', {
    key: keyB,
    body: { memberRef: ref, amount: 1, source: 'loyalife', partnerId: partnerA },
  });
  t.equal(posing.status, 403);
  const listed = await api('GET', '/v1/ledger/transfers?limit=200', { key: keyA });
  t.same(
    listed.body.data.map((x: { id: string }) => x.id),
    [reserved.body.id],
  );
  const otherTenant = await app.keyFor('admin', { tenant: 'elsewhere' });
  t.equal((await api('GET', `/v1/ledger/transfers/${reserved.body.id}`, { key: otherTenant })).status, 404);
  t.equal((await api('GET', `/v1/members/${ref}/balance`, { key: otherTenant })).status, 404);
});

t.test('partner keys use the ledger only as far as their partner was granted', async (t) => {
  const ref = await memberWith(100);
  const created = await api('POST', '/v1/partners', { body: { name: 'Coffee house' } });
  t.equal(created.body.ledgerAccess, 'none', 'a redemption partner has no ledger access by default');
  const partnerId = created.body.id;
  const key = await app.keyFor('partner', { partnerId });
  const attempts = {
    balance: () => api('GET', `/v1/members/${ref}/balance`, { key }),
    credit: () =>
      api('POST', '/v1/ledger/credits', { key, body: { memberRef: ref, amount: 5, source: 'partner' } }),
    reserve: () =>
      api('POST', '/v1/ledger/reservations', {
        key,
        body: { memberRef: ref, amount: 5, source: 'loyalife' },
      }),
    debit: () =>
      api('POST', '/v1/ledger/debits', { key, body: { memberRef: ref, amount: 5, source: 'loyalife' } }),
  };
  const statuses = async () =>
    Object.fromEntries(
      await Promise.all(Object.entries(attempts).map(async ([name, call]) => [name, (await call()).status])),
    );
  const denied = await attempts.balance();
  t.equal(denied.status, 403);
  t.equal(denied.body.error.code, 'ledger_access_denied');
  t.same(await statuses(), { balance: 403, credit: 403, reserve: 403, debit: 403 }, 'none: nothing');

  const grant = (ledgerAccess: string) =>
    api('PATCH', `/v1/partners/${partnerId}`, { body: { ledgerAccess } });
  t.equal((await grant('redeem')).body.ledgerAccess, 'redeem');
  t.same(await statuses(), { balance: 200, credit: 403, reserve: 201, debit: 201 }, 'redeem: no credits');
  await grant('redeem_and_credit');
  t.same(await statuses(), { balance: 200, credit: 201, reserve: 201, debit: 201 }, 'and credit');
  await grant('none');
  t.same(await statuses(), { balance: 403, credit: 403, reserve: 403, debit: 403 }, 'taken back at once');
  const integration = await app.keyFor('integration');
  t.equal(
    (
      await api('POST', '/v1/ledger/credits', {
        key: integration,
        body: { memberRef: ref, amount: 1, source: 'crm' },
      })
    ).status,
    201,
    'integration keys credit',
  );
  const partnerKey = await app.keyFor('partner', { partnerId });
  t.equal(
    (await api('PATCH', `/v1/partners/${partnerId}`, { key: partnerKey, body: { ledgerAccess: 'redeem' } }))
      .status,
    403,
    'a partner cannot grant itself access',
  );
});

t.test("the seed's story: marketplace and Loyalife redeem at the same instant", async (t) => {
  const ref = await memberWith(500);
  const [marketplace, loyalife] = await Promise.all([
    api('POST', '/v1/ledger/reservations', {
      body: { memberRef: ref, amount: 200, source: 'marketplace', reference: 'MP-77' },
    }),
    api('POST', '/v1/ledger/debits', {
      body: { memberRef: ref, amount: 400, source: 'loyalife', reference: 'LL-77' },
    }),
  ]);
  const statuses = [marketplace.status, loyalife.status].sort();
  t.same(statuses, [201, 409], 'exactly one succeeds');
  const after = await balance(ref);
  t.equal(after.available, marketplace.status === 201 ? 300 : 100);
  t.ok(after.available >= 0);
  if (marketplace.status === 201) {
    // The reward could not be issued: the reservation is released and shows in the marketplace's log.
    await api('POST', `/v1/ledger/reservations/${marketplace.body.id}/release`, {
      body: { reason: 'issuance failed' },
    });
    const log = await api('GET', `/v1/ledger/transfers?memberRef=${ref}&source=marketplace`);
    t.match(log.body.data, [{ reference: 'MP-77', status: 'voided', resolutionReason: 'issuance failed' }]);
    t.equal((await balance(ref)).available, 500);
  }
});

t.test('50 concurrent reservations of 10 against 100 points: exactly 10 succeed', async (t) => {
  const ref = await memberWith(100);
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      api('POST', '/v1/ledger/reservations', {
        body: { memberRef: ref, amount: 10, source: i % 2 ? 'loyalife' : 'marketplace' },
      }),
    ),
  );
  t.equal(results.filter((r) => r.status === 201).length, 10);
  t.equal(results.filter((r) => r.status === 409 && r.body.error.code === 'insufficient_balance').length, 40);
  t.same(await balance(ref), { available: 0, pending: 100, posted: 100, unit: 'points' });
});

t.test('the database refuses an overdraft even from SQL', async (t) => {
  const ref = await memberWith(10);
  const member = await app.db('members').where({ externalRef: ref }).first();
  await t.rejects(
    app.db('ledger_accounts').where({ id: member.id }).update({ debitsPosted: 11 }),
    /ledger_accounts_no_overdraft/,
  );
});

t.test('no balance passes Number.MAX_SAFE_INTEGER: such a movement is refused whole', async (t) => {
  const big = apiClient(app.url, await app.keyFor('admin', { tenant: 'big-balances' }));
  await big('PUT', '/v1/members/whale', { body: { name: 'Whale' } });
  await big('POST', '/v1/ledger/credits', { body: { memberRef: 'whale', amount: 1, source: 'admin' } });
  // As if after ~9,000 of the largest credits allowed: five points below the limit.
  const member = await app.db('members').where({ externalRef: 'whale' }).first('id');
  await app
    .db('ledgerAccounts')
    .where({ id: member.id })
    .update({ creditsPosted: Number.MAX_SAFE_INTEGER - 5 });
  const over = await big('POST', '/v1/ledger/credits', {
    body: { memberRef: 'whale', amount: 10, source: 'admin' },
  });
  t.equal(over.status, 409);
  t.equal(over.body.error.code, 'balance_limit_exceeded');
  const keyed = await big('POST', '/v1/ledger/credits', {
    body: { memberRef: 'whale', amount: 6, source: 'admin' },
    headers: { 'idempotency-key': 'whale-1' },
  });
  t.equal(keyed.body.error?.code, 'balance_limit_exceeded', 'on the transactional path too');
  const exact = await big('POST', '/v1/ledger/credits', {
    body: { memberRef: 'whale', amount: 5, source: 'admin' },
  });
  t.equal(exact.status, 201);
  t.equal(exact.body.balance.available, Number.MAX_SAFE_INTEGER, 'exact to the last point');
  const plusOne = await big('POST', '/v1/ledger/credits', {
    body: { memberRef: 'whale', amount: 1, source: 'admin' },
  });
  t.equal(plusOne.body.error?.code, 'balance_limit_exceeded');
  const refused = await big('POST', '/v1/ledger/credits', {
    body: { memberRef: 'whale', amount: 1_000_000_000_001, source: 'admin' },
  });
  t.equal(refused.status, 400, 'one transfer is at most 10^12 points');
  const transfers = await app.db('ledgerTransfers').where({ memberRef: 'whale' });
  t.equal(transfers.length, 2, 'refused movements left no transfer');
});

t.test(
  "a client's transfer id is its tenant's own: another tenant's use of it reveals nothing",
  async (t) => {
    const id = randomUUID();
    const ref = await memberWith(0);
    const ours = await api('POST', '/v1/ledger/credits', {
      body: { id, memberRef: ref, amount: 3, source: 'admin' },
    });
    t.equal(ours.status, 201);
    const elsewhere = apiClient(app.url, await app.keyFor('admin', { tenant: 'same-ids' }));
    await elsewhere('PUT', `/v1/members/${ref}`, { body: { name: 'Theirs' } });
    const theirs = await elsewhere('POST', '/v1/ledger/credits', {
      body: { id, memberRef: ref, amount: 9, source: 'admin' },
    });
    t.equal(theirs.status, 201, 'the same id is a new transfer in another tenant, not a conflict');
    t.equal(theirs.body.id, id);
    t.equal((await elsewhere('GET', `/v1/ledger/transfers/${id}`)).body.amount, 9);
    t.equal((await api('GET', `/v1/ledger/transfers/${id}`)).body.amount, 3);
    const reversed = await elsewhere('POST', '/v1/ledger/reversals', {
      body: { transferId: id, reason: 'test' },
    });
    t.equal(reversed.status, 201);
    t.equal(
      (await api('POST', '/v1/ledger/reversals', { body: { transferId: id, reason: 'test' } })).status,
      201,
    );
  },
);
