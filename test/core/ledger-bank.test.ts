// A Jepsen-style bank test: many clients move points at random while a proxy loses some of the database's
// answers to COMMIT; clients retry with the same Idempotency-Key, then the ledger's invariants are checked.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { derivedCounters } from '../../core/ledger/accounts.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/pg-fault-proxy.ts';
import { type ApiResponse, startTestTessera } from '../helpers/tessera.ts';

const MEMBERS = 20;
const CLIENTS = 64;
// A fixed amount of work, not a time window, so that a slow machine checks as much as a fast one.
const OPERATIONS = 1000;

// The share of COMMIT answers lost between Tessera and PostgreSQL during the run.
const LOST_COMMIT_RATE = 0.03;

let proxy: FaultProxy | undefined;
const app = await startTestTessera(t, { TESSERA_DB_POOL_MAX: '40' }, async (url) => {
  proxy = await startFaultProxy(url);
  t.teardown(() => proxy?.close());
  return proxy.url;
});
const lossy = proxy as FaultProxy;
const { api } = app;
const tenantId = (await app.db('tenants').where({ name: 'default' }).first()).id;
const refs = Array.from({ length: MEMBERS }, (_, i) => `bank-${i}`);
for (const ref of refs) await api('PUT', `/v1/members/${ref}`, { body: { name: ref } });

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
const amount = (max: number) => 1 + Math.floor(Math.random() * max);

// What the clients were told: every transfer acknowledged, and how each reservation was resolved.
const acknowledged = new Map<string, { kind: string; amount: number }>();
const resolved = new Map<string, { status: 'posted' | 'voided'; postedAmount: number }>();
const pending: string[] = [];
const reversible: string[] = [];
const unexpected: string[] = [];
let repeats = 0;
let retries = 0;

const ALLOWED_REFUSALS = new Set([
  'insufficient_balance',
  'reservation_not_pending',
  'already_reversed',
  'not_reversible',
]);

// A lost answer (5xx) or a retry that overtakes it (409 in progress) is retried with the same key, as a
// client must: the answer it finally gets is the operation's one outcome.
async function sendUntilAnswered(path: string, body: object, key: string): Promise<ApiResponse> {
  for (;;) {
    const response = await api('POST', path, { body, headers: { 'idempotency-key': key } });
    const busy = response.body?.error?.code === 'idempotency_in_progress';
    if (response.status < 500 && !busy) return response;
    retries++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Some requests are sent twice with the same key: the second must replay the first exactly.
async function send(path: string, body: object): Promise<ApiResponse> {
  const key = randomUUID();
  const first = await sendUntilAnswered(path, body, key);
  if (Math.random() < 0.2) {
    repeats++;
    const again = await api('POST', path, { body, headers: { 'idempotency-key': key } });
    if (again.status !== first.status || JSON.stringify(again.body) !== JSON.stringify(first.body)) {
      unexpected.push(`replay differs for ${path}: ${first.status} vs ${again.status}`);
    }
  }
  if (first.status >= 400 && !ALLOWED_REFUSALS.has(first.body?.error?.code)) {
    unexpected.push(`${path} → ${first.status} ${JSON.stringify(first.body)}`);
  }
  return first;
}

const operations: Array<(memberRef?: string) => Promise<void>> = [
  async (memberRef = pick(refs)) => {
    const response = await send('/v1/ledger/credits', { memberRef, amount: amount(50), source: 'campaign' });
    if (response.status === 201) {
      acknowledged.set(response.body.id, { kind: 'credit', amount: response.body.amount });
      reversible.push(response.body.id);
    }
  },
  async () => {
    const source = pick(['marketplace', 'loyalife']);
    const response = await send('/v1/ledger/reservations', {
      memberRef: pick(refs),
      amount: amount(60),
      source,
    });
    if (response.status === 201) {
      acknowledged.set(response.body.id, { kind: 'reservation', amount: response.body.amount });
      pending.push(response.body.id);
    }
  },
  async () => {
    const response = await send('/v1/ledger/debits', {
      memberRef: pick(refs),
      amount: amount(40),
      source: 'loyalife',
    });
    if (response.status === 201) {
      acknowledged.set(response.body.id, { kind: 'debit', amount: response.body.amount });
      reversible.push(response.body.id);
    }
  },
  async () => {
    const id = pending.splice(Math.floor(Math.random() * pending.length), 1)[0];
    if (!id) return;
    const partial = Math.random() < 0.4 ? { amount: 1 } : {};
    const response = await send(`/v1/ledger/reservations/${id}/confirm`, partial);
    if (response.status === 200) {
      resolved.set(id, { status: 'posted', postedAmount: response.body.postedAmount });
      reversible.push(id);
    }
  },
  async () => {
    const id = pending.splice(Math.floor(Math.random() * pending.length), 1)[0];
    if (!id) return;
    const response = await send(`/v1/ledger/reservations/${id}/release`, { reason: 'bank test' });
    if (response.status === 200) resolved.set(id, { status: 'voided', postedAmount: 0 });
  },
  async () => {
    const id = reversible.length ? pick(reversible) : undefined;
    if (!id) return;
    const response = await send('/v1/ledger/reversals', { transferId: id, reason: 'bank test' });
    if (response.status === 201)
      acknowledged.set(response.body.id, { kind: 'reversal', amount: response.body.amount });
  },
];

t.test('random concurrent movements keep every ledger invariant', async (t) => {
  // An opening credit each, so that every member has an account before the run.
  for (const ref of refs) await operations[0](ref);
  lossy.loseCommitRate(LOST_COMMIT_RATE);
  let count = 0;
  const client = async () => {
    while (count < OPERATIONS) {
      count++;
      await pick(operations)();
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  lossy.loseCommitRate(0);
  t.ok(repeats > 0, `${count} operations, ${repeats} repeated with the same key`);
  t.ok(lossy.lost() > 0, `${lossy.lost()} COMMIT answers lost, ${retries} retries`);
  t.same(unexpected, [], 'no unexpected answer, and every repeated request replayed its first answer');

  const accounts = await derivedCounters(app.db, { tenantId });
  const members = accounts.filter((account) => account.kind === 'member');
  t.equal(members.length, MEMBERS);
  for (const account of members) {
    const available = account.creditsPosted - account.debitsPosted - account.debitsPending;
    t.ok(available >= 0, `no balance below zero (${available})`);
    t.same(
      [account.storedDebitsPending, account.storedDebitsPosted, account.storedCreditsPosted],
      [account.debitsPending, account.debitsPosted, account.creditsPosted],
      "the account's counters are what its transfers add up to",
    );
  }
  const total = (key: 'debitsPending' | 'debitsPosted' | 'creditsPending' | 'creditsPosted') =>
    accounts.reduce((sum, account) => sum + Number(account[key]), 0);
  t.equal(total('debitsPosted'), total('creditsPosted'), 'posted debits equal posted credits');
  t.equal(total('debitsPending'), total('creditsPending'), 'pending debits equal pending credits');

  const transfers = await app.db('ledger_transfers').where({ tenantId });
  t.equal(transfers.length, acknowledged.size, 'the log holds exactly the acknowledged transfers');
  for (const transfer of transfers) {
    const ack = acknowledged.get(transfer.id);
    if (!ack || ack.kind !== transfer.kind || ack.amount !== transfer.amount) {
      t.fail(`transfer ${transfer.id} (${transfer.kind} ${transfer.amount}) was not acknowledged as such`);
    }
    const outcome = resolved.get(transfer.id);
    if (
      outcome &&
      (outcome.status !== transfer.status || outcome.postedAmount !== (transfer.postedAmount ?? 0))
    ) {
      t.fail(
        `reservation ${transfer.id} is ${transfer.status}/${transfer.postedAmount}, acknowledged ${outcome.status}`,
      );
    }
  }
  const reversals = transfers
    .filter((transfer) => transfer.kind === 'reversal')
    .map((transfer) => transfer.reversesId);
  t.equal(new Set(reversals).size, reversals.length, 'no transfer reversed twice');
  t.ok(reversals.length > 0 && resolved.size > 0, 'the run exercised reversals and resolutions');
});
