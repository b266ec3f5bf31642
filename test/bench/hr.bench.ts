// `npm run bench -- hr`: a Tessera process syncs 100,000 users from a local SuccessFactors (the fake of
// the tests, server-side pages of 1,000) into members, then a delta of 1,000 changed users; the ceiling
// is a raw page-through of the same fake's same queries, in the same run, holding nothing.
import { configSchema, type SuccessFactorsConfig } from '../../connectors/successfactors/config.ts';
import { firstPageUrl } from '../../connectors/successfactors/users.ts';
import { type FakeSuccessFactors, sfUsers, startFakeSuccessFactors } from '../fakes/successfactors.ts';
import type { apiClient } from '../helpers/api.ts';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { benchServer, machine } from './load.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const CHANGED = Number(process.env.BENCH_CHANGED ?? 1_000);

type Api = ReturnType<typeof apiClient>;
type Timed = { users: number; seconds: number; perSecond: number };

const over = (users: number, seconds: number): Timed => ({ users, seconds, perSecond: users / seconds });
const timed = (users: number, started: number) => over(users, (performance.now() - started) / 1000);

const configOf = (fake: FakeSuccessFactors) => ({
  apiServer: fake.url,
  companyId: fake.companyId,
  userId: fake.apiUser,
  attributes: { department: 'department', division: 'division', hireDate: 'hireDate', grade: 'custom01' },
});

async function runToEnd(api: Api, connectionId: string) {
  const { runId } = (await api('POST', `/v1/connections/${connectionId}/sync`, {})).body;
  for (;;) {
    const run = (await api('GET', `/v1/connector-runs/${runId}`)).body;
    if (run.status === 'succeeded' || run.status === 'failed') return run;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// From the sync request to the run's end (queueing, a worker's poll of up to a second, the SAML bearer
// login, paging and the upserts), and the run alone, from its start to its end as it records them.
async function throughTessera(api: Api, connectionId: string, expect: 'created' | 'updated', users: number) {
  const started = performance.now();
  const run = await runToEnd(api, connectionId);
  if (run.status !== 'succeeded' || run.counts[expect] !== users)
    throw new Error(`the sync did not ${expect} every member: ${JSON.stringify(run)}`);
  const running = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return { request: timed(users, started), run: over(users, running) };
}

// The ceiling: the same first query, then each __next as given, over Basic, counting rows only.
async function rawPageThrough(fake: FakeSuccessFactors, since: string | null, users: number) {
  const config = configSchema.validate(configOf(fake)).value as SuccessFactorsConfig;
  const authorization = `Basic ${Buffer.from(`${fake.basic.username}@${fake.companyId}:${fake.basic.password}`).toString('base64')}`;
  const started = performance.now();
  let fetched = 0;
  for (let url: string | undefined = firstPageUrl(config, since); url; ) {
    const response = await fetch(url, { headers: { authorization } });
    const page = (await response.json()) as { d: { results: unknown[]; __next?: string } };
    fetched += page.d.results.length;
    url = page.d.__next;
  }
  if (fetched !== users) throw new Error(`the raw page-through read ${fetched} of ${users}`);
  return timed(users, started);
}

const row = (name: string, run: Timed) =>
  `| ${name} | ${run.users} | ${run.seconds.toFixed(2)} | ${run.perSecond.toFixed(0)} |`;

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
const fake = await startFakeSuccessFactors();
fake.users = sfUsers(USERS);
try {
  const { server, api } = await benchServer(database.url);
  let full: { request: Timed; run: Timed };
  let delta: { request: Timed; run: Timed };
  const since = new Date(Math.max(...fake.users.map((user) => user.lastModified))).toISOString();
  try {
    const connection = await api('POST', '/v1/connections', {
      body: {
        type: 'successfactors',
        name: 'successfactors',
        config: configOf(fake),
        credentials: { clientId: fake.clientId, privateKey: fake.privateKey },
      },
    });
    if (connection.status !== 201) throw new Error(`connection refused: ${JSON.stringify(connection.body)}`);
    process.stdout.write(`Syncing ${USERS} users...\n`);
    full = await throughTessera(api, connection.body.id, 'created', USERS);
    const later = Date.parse(since) + 60_000;
    for (let i = 0; i < CHANGED; i++) {
      const user = fake.users[(i * 97) % USERS];
      user.department = `Changed ${i}`;
      user.lastModified = later + i;
    }
    process.stdout.write(`Syncing a delta of ${CHANGED} users...\n`);
    delta = await throughTessera(api, connection.body.id, 'updated', CHANGED);
  } finally {
    await server.stop();
  }
  await rawPageThrough(fake, null, USERS);
  const rawFull = await rawPageThrough(fake, null, USERS);
  const rawDelta = await rawPageThrough(fake, since, CHANGED);
  process.stdout.write(
    [
      '\nHR benchmark: SuccessFactors users into members (OData v2, server-side pages of 1,000)',
      `machine: ${machine()}`,
      '',
      '| run | users | seconds | users/s |',
      '|---|---:|---:|---:|',
      row(
        'Tessera full sync, request to end (SAML bearer, pages + member upserts + events + audit)',
        full.request,
      ),
      row('Tessera full sync, the run alone', full.run),
      row('raw page-through of the same fake (ceiling)', rawFull),
      row('Tessera delta, request to end (lastModifiedDateTime gt …)', delta.request),
      row('Tessera delta, the run alone', delta.run),
      row('raw page-through of the same delta', rawDelta),
      '',
      `full sync: Tessera / raw page-through: ${(full.request.perSecond / rawFull.perSecond).toFixed(2)}× (run alone ${(full.run.perSecond / rawFull.perSecond).toFixed(2)}×)`,
      `delta: Tessera / raw page-through: ${(delta.request.perSecond / rawDelta.perSecond).toFixed(2)}× (run alone ${(delta.run.perSecond / rawDelta.perSecond).toFixed(2)}×)`,
      '',
    ].join('\n'),
  );
} finally {
  await fake.close();
  await database.drop();
  await postgres.stop();
}
