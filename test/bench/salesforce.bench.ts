// `npm run bench -- salesforce`: a Tessera process syncs 50,000 contacts from a local Salesforce (the
// fake of the tests, paging at 2,000) into members; the ceiling is jsforce alone paging the same query
// from the same fake, in the same run. The members' upserts, batched per page, should be the cost.
import { randomBytes } from 'node:crypto';
import { Connection as SalesforceApi } from 'jsforce';
import { contactQuery } from '../../connectors/salesforce/contacts.ts';
import { openDatabase } from '../../core/db/database.ts';
import { contacts, startFakeSalesforce } from '../fakes/salesforce.ts';
import type { apiClient } from '../helpers/api.ts';
import { createTestDatabase, startTestPostgres } from '../helpers/postgres.ts';
import { benchServer, machine } from './load.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 50_000);
const CONTACT_SYNC = {
  object: 'Contact' as const,
  fields: { externalRef: 'Id', name: 'Name', email: 'Email', phone: 'MobilePhone' },
  attributes: { department: 'Department' },
};

type Api = ReturnType<typeof apiClient>;

async function waitForRun(api: Api, runId: string) {
  for (;;) {
    const run = await api('GET', `/v1/connector-runs/${runId}`);
    if (run.body.status === 'succeeded' || run.body.status === 'failed') return run.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// From the sync request to the run's end: queueing, login, paging and the members' upserts.
async function throughTessera(api: Api, fake: Awaited<ReturnType<typeof startFakeSalesforce>>) {
  const connection = await api('POST', '/v1/connections', {
    body: {
      type: 'salesforce',
      name: `crm-${randomBytes(3).toString('hex')}`,
      config: { loginUrl: fake.url, contacts: CONTACT_SYNC },
      credentials: { clientId: fake.clientId, clientSecret: fake.clientSecret },
    },
  });
  if (connection.status !== 201) throw new Error(`connection refused: ${JSON.stringify(connection.body)}`);
  const started = performance.now();
  const sync = await api('POST', `/v1/connections/${connection.body.id}/sync`, {});
  const run = await waitForRun(api, sync.body.runId);
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 'succeeded' || run.counts.created !== CONTACTS)
    throw new Error(`the sync did not create every member: ${JSON.stringify(run)}`);
  return { seconds, perSecond: CONTACTS / seconds };
}

// The ceiling: log in and page through the same SOQL with queryMore, holding nothing.
async function jsforceAlone(fake: Awaited<ReturnType<typeof startFakeSalesforce>>) {
  const started = performance.now();
  const api = new SalesforceApi({
    oauth2: { loginUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret },
    version: '62.0',
  });
  await api.authorize({ grant_type: 'client_credentials' });
  let fetched = 0;
  let page = await api.query(contactQuery(CONTACT_SYNC, null), { autoFetch: false });
  for (;;) {
    fetched += page.records.length;
    if (page.done || !page.nextRecordsUrl) break;
    page = await api.queryMore(page.nextRecordsUrl);
  }
  if (fetched !== CONTACTS) throw new Error(`jsforce fetched ${fetched} of ${CONTACTS}`);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: CONTACTS / seconds };
}

// The database's share: the same members, their events and audit entries written by bare INSERTs of
// 2,000 rows a transaction into a tenant of their own, with no lookups, no paging and no HTTP.
async function insertsAlone(databaseUrl: string) {
  const db = openDatabase(databaseUrl, 2);
  try {
    const [tenant] = await db('tenants').insert({ name: 'bench-inserts' }).returning('id');
    const all = contacts(CONTACTS);
    const started = performance.now();
    for (let offset = 0; offset < CONTACTS; offset += 2000) {
      const page = JSON.stringify(
        all.slice(offset, offset + 2000).map((c) => ({
          external_ref: c.Id,
          name: c.Name,
          email: String(c.Email).toLowerCase(),
          phone: c.MobilePhone,
          attributes: { department: c.Department },
        })),
      );
      await db.transaction(async (trx) => {
        const record = 'external_ref text, name text, email text, phone text, attributes jsonb';
        const from = `FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(${record})`;
        await trx.raw(
          `INSERT INTO members (tenant_id, external_ref, name, email, phone, attributes)
           SELECT CAST(? AS uuid), external_ref, name, email, phone, attributes ${from}`,
          [tenant.id, page],
        );
        await trx.raw(
          `INSERT INTO events (tenant_id, type, subject, data)
           SELECT CAST(? AS uuid), 'member.created', external_ref, jsonb_build_object('memberRef', external_ref) ${from}`,
          [tenant.id, page],
        );
        await trx.raw(
          `INSERT INTO audit_log (tenant_id, actor_role, action, entity_type, entity_id, summary)
           SELECT CAST(? AS uuid), 'operator', 'member.created', 'member', external_ref, 'Member created' ${from}`,
          [tenant.id, page],
        );
      });
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, perSecond: CONTACTS / seconds };
  } finally {
    await db.destroy();
  }
}

const postgres = await startTestPostgres(true);
const database = await createTestDatabase(postgres.adminUrl, postgres.template);
const fake = await startFakeSalesforce();
fake.objects.set('Contact', contacts(CONTACTS));
try {
  const { server, api } = await benchServer(database.url);
  let tessera: Awaited<ReturnType<typeof throughTessera>>;
  try {
    process.stdout.write(`Syncing ${CONTACTS} contacts...\n`);
    tessera = await throughTessera(api, fake);
  } finally {
    await server.stop();
  }
  await jsforceAlone(fake);
  const ceiling = await jsforceAlone(fake);
  const inserts = await insertsAlone(database.url);
  process.stdout.write(
    [
      '\nSalesforce benchmark: contact sync into members (SOQL + queryMore, 2,000 a page)',
      `machine: ${machine()}`,
      '',
      '| run | contacts | seconds | contacts/s |',
      '|---|---:|---:|---:|',
      `| Tessera sync (pages + member upserts + events + audit) | ${CONTACTS} | ${tessera.seconds.toFixed(2)} | ${tessera.perSecond.toFixed(0)} |`,
      `| jsforce alone paging the same fake (ceiling) | ${CONTACTS} | ${ceiling.seconds.toFixed(2)} | ${ceiling.perSecond.toFixed(0)} |`,
      `| bare INSERTs of the same members, events and audit entries | ${CONTACTS} | ${inserts.seconds.toFixed(2)} | ${inserts.perSecond.toFixed(0)} |`,
      '',
      `Tessera / jsforce alone: ${(tessera.perSecond / ceiling.perSecond).toFixed(2)}×`,
      `Tessera / bare INSERTs: ${(tessera.perSecond / inserts.perSecond).toFixed(2)}×`,
      '',
    ].join('\n'),
  );
} finally {
  await fake.close();
  await database.drop();
  await postgres.stop();
}
