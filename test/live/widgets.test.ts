import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import t from 'tap';
import { openDatabase } from '../../core/db/database.ts';
import { freePort } from '../../core/db/embedded.ts';
import { moveBy } from '../../core/ledger/transfers.ts';
import { createLogger } from '../../core/log.ts';
import { startTessera } from '../../core/runtime.ts';
import { activeCampaign } from '../helpers/campaigns.ts';
import { startTestTessera, testConfig } from '../helpers/tessera.ts';

// Debian's chromium, never a downloaded browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(import.meta.dirname, '../../test-output');

t.test('the dashboard shows a credit, a reservation and a campaign issuance as they happen', async (t) => {
  const app = await startTestTessera(t);
  await app.api('PUT', '/v1/members/m-1', { body: { name: 'Asha' } });
  const campaign = await activeCampaign(app, { maxRewards: 10, budget: { amount: 1000 } });
  const token = (await app.api('POST', '/v1/live/tokens', { body: { ttlSeconds: 600 } })).body.token;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${app.url}/dashboard?token=${token}&member=m-1&campaign=${campaign.id}`);
  const feed = page.locator('tessera-live-feed');
  const balance = page.locator('tessera-balance');
  const progress = page.locator('tessera-campaign-progress');
  const chart = page.locator('tessera-redemption-chart');
  for (const widget of [feed, balance, progress, chart])
    await widget.locator('.status', { hasText: 'Live' }).waitFor();
  await balance.locator('.available', { hasText: '0' }).waitFor();

  await app.api('POST', '/v1/ledger/credits', { body: { memberRef: 'm-1', amount: 500, source: 'admin' } });
  await balance.locator('.available', { hasText: '500' }).waitFor();
  await app.api('POST', '/v1/ledger/reservations', {
    body: { memberRef: 'm-1', amount: 120, source: 'marketplace' },
  });
  await balance.locator('.available', { hasText: '380' }).waitFor();
  await balance.locator('.pending', { hasText: '120' }).waitFor();
  await chart.locator('#summary', { hasText: '1 reserved' }).waitFor();

  await app.api('POST', '/v1/events', {
    body: { type: 'pos.visit', source: 'pos', sourceEventId: 'v-1', memberRef: 'm-1', data: {} },
  });
  await progress.locator('.issued-text', { hasText: '1 of 10' }).waitFor();
  await progress.locator('.budget-text', { hasText: '100 of 1,000' }).waitFor();
  await feed.locator('li[data-type="issuance.fulfilled"]').waitFor();
  await feed.locator('li[data-type="ledger.reserved"]').waitFor();

  t.equal(await feed.locator('[role="log"]').count(), 1, 'the feed is a live region');
  t.equal(await progress.locator('label[for="issued"]').count(), 1, 'progress bars are labelled');
  await balance.locator('.available', { hasText: '480' }).waitFor();
  t.equal(await balance.locator('.available').textContent(), '480', 'the campaign reward credited too');
  t.same(errors, [], 'no errors on the page');
  await mkdir(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'dashboard.png'), fullPage: true });
});

t.test('a widget reconnects with since after its server went away, missing nothing', async (t) => {
  const port = String(await freePort());
  const first = await startTestTessera(t, { PORT: port });
  await first.api('PUT', '/v1/members/m-1', { body: { name: 'Asha' } });
  const token = (await first.api('POST', '/v1/live/tokens', { body: { ttlSeconds: 600 } })).body.token;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${first.url}/dashboard?token=${token}&member=m-1`);
  const balance = page.locator('tessera-balance');
  await balance.locator('.status', { hasText: 'Live' }).waitFor();
  await first.api('POST', '/v1/ledger/credits', { body: { memberRef: 'm-1', amount: 10, source: 'admin' } });
  await balance.locator('.available', { hasText: '10' }).waitFor();

  // The server stops; a credit commits before the next one is up on the same address.
  await first.tessera.stop();
  await balance.locator('.status', { hasText: 'Reconnecting' }).waitFor();
  const config = testConfig({
    PORT: port,
    DATABASE_URL: first.config.databaseUrl as string,
    TESSERA_ADMIN_KEY: first.adminKey,
  });
  const db = openDatabase(config.databaseUrl as string, 2);
  t.teardown(() => db.destroy());
  const tenant = await db('tenants').where({ name: 'default' }).first('id');
  await db.transaction((trx) =>
    moveBy(
      'credit',
      trx,
      { tenantId: tenant.id, keyId: 'test', role: 'admin', partnerId: null },
      { memberRef: 'm-1', amount: 5, source: 'admin' },
    ),
  );
  const second = await startTessera(config, createLogger('silent'));
  t.teardown(() => second.stop());
  await balance.locator('.available', { hasText: '15' }).waitFor();
  const credits = await page.locator('tessera-live-feed li[data-type="ledger.credited"]').count();
  t.equal(credits, 2, 'each credit once in the feed');
});

t.test('the widgets module and the dashboard form are served without a key', async (t) => {
  const app = await startTestTessera(t);
  const script = await fetch(`${app.url}/widgets/tessera-widgets.js`);
  t.equal(script.status, 200);
  t.match(script.headers.get('content-type'), /javascript/);
  const text = await script.text();
  for (const name of [
    'tessera-live-feed',
    'tessera-balance',
    'tessera-campaign-progress',
    'tessera-redemption-chart',
  ])
    t.ok(text.includes(name), name);
  const form = await (await fetch(`${app.url}/dashboard`)).text();
  t.match(form, /<input name="token"/);
});
