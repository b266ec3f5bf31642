// Owns taking in an end-of-day journal sent to a POS connection (NAXML POSJournal XML or a CSV export):
// the whole file is read and checked first, and nothing is taken in unless all of it reads; then its
// transactions are taken in 200 a transaction, each page committed with the count reached, so a run
// that dies resumes there. Transactions already taken in (in real time, or by an earlier journal) count
// as unchanged: their sourceEventIds are the same.
import type { Transaction } from '../../core/db/database.ts';
import { takeIn } from '../../core/intake/service.ts';
import { ConnectorError, type FileContext } from '../framework/connector.ts';
import type { PosConfig } from './config.ts';
import { csvTransactions } from './csv-journal.ts';
import { malformed, naxmlTransactions } from './naxml.ts';
import { countTransaction, type PosTransaction, transactionSchema } from './transaction.ts';

type Context = FileContext<PosConfig, Record<string, never>>;
type Cursor = { taken: number } | null;

const PAGE = 200;

async function* transactionsOf(ctx: Context): AsyncGenerator<PosTransaction> {
  const { config } = ctx.connection;
  const read = ctx.file.contentType === 'text/csv' ? csvTransactions : naxmlTransactions;
  const xml = read === naxmlTransactions;
  for await (const { tx, line } of read(ctx.file.chunks(), config)) {
    const { error, value } = transactionSchema.validate(tx, { convert: true });
    if (error) {
      const where = xml
        ? malformed(line, 'SaleEvent', error.message).message
        : `Line ${line}: ${error.message}`;
      throw new ConnectorError('journal_malformed', where.replace('<SaleEvent>', `<${eventName(tx)}>`));
    }
    yield value as PosTransaction;
  }
}

const eventName = (tx: PosTransaction) =>
  tx.type === 'refund' ? 'RefundEvent' : tx.type === 'void' ? 'VoidEvent' : 'SaleEvent';

async function takePage(trx: Transaction, ctx: Context, page: PosTransaction[]) {
  const counts = { fetched: page.length, created: 0, unchanged: 0, skipped: 0 };
  const intake = { tenantId: ctx.connection.tenantId, actor: null };
  for (const tx of page) {
    const counted = countTransaction(tx, ctx.connection.name);
    if ('skipped' in counted) {
      counts.skipped += 1;
      continue;
    }
    let created = false;
    for (const event of counted.events) {
      const taken = await takeIn(trx, intake, event);
      if (event.type === 'pos.transaction') created = taken.created;
    }
    counts[created ? 'created' : 'unchanged'] += 1;
  }
  return counts;
}

export async function takeJournal(ctx: Context) {
  const cursor = ctx.connection.cursor as Cursor;
  // A resumed run read the whole file before its first page: no need to check it again.
  if (!cursor) for await (const _ of transactionsOf(ctx));
  const done = cursor?.taken ?? 0;
  let index = 0;
  let page: PosTransaction[] = [];
  const commit = async () => {
    const taken = index;
    const rows = page;
    page = [];
    await ctx.commitPage(async (trx) => ({ cursor: { taken }, counts: await takePage(trx, ctx, rows) }));
  };
  for await (const tx of transactionsOf(ctx)) {
    index += 1;
    if (index <= done) continue;
    page.push(tx);
    if (page.length === PAGE) await commit();
  }
  if (page.length) await commit();
}
