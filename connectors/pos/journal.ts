// Owns taking in an end-of-day journal sent to a POS connection (NAXML POSJournal XML or a CSV export):
// the whole file is read and checked first, and nothing is taken in unless all of it reads; then its
// transactions are taken in, 8 at a time, each in its own database transaction, with the run's
// position committed every 200, so a run that dies resumes there. Transactions already taken in (in
// real time, or by an earlier journal) count as unchanged: their sourceEventIds are the same.
import { takeIn } from '../../core/intake/service.ts';
import { ConnectorError, type FileContext } from '../framework/connector.ts';
import type { PosConfig } from './config.ts';
import { csvTransactions } from './csv-journal.ts';
import { malformed, naxmlTransactions } from './naxml.ts';
import { countTransaction, type PosTransaction, transactionSchema } from './transaction.ts';

type Context = FileContext<PosConfig, Record<string, never>>;
type Cursor = { taken: number } | null;

// Progress is committed every this many transactions, taken in this many at once.
const PAGE = 200;
const CONCURRENCY = 8;

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

type Outcome = 'created' | 'unchanged' | 'skipped';

// One transaction in a database transaction of its own, as a real-time request is: its locks are held
// briefly, so that several are taken in at once without waiting on each other for long.
async function takeTransaction(ctx: Context, tx: PosTransaction): Promise<Outcome> {
  const counted = countTransaction(tx, ctx.connection.name);
  if ('skipped' in counted) return 'skipped';
  const intake = { tenantId: ctx.connection.tenantId, actor: null };
  return ctx.db.transaction(async (trx) => {
    let created = false;
    for (const event of counted.events) {
      const taken = await takeIn(trx, intake, event);
      if (event.type === 'pos.transaction') created = taken.created;
    }
    return created ? 'created' : 'unchanged';
  });
}

// Where a run that dies resumes: past every transaction up to the first not yet taken in. Transactions
// after it that were taken in already are found so again (same sourceEventIds) and change nothing.
class Progress {
  #next = 1;
  readonly #finished = new Set<number>();
  #counts = { fetched: 0, created: 0, unchanged: 0, skipped: 0 };

  constructor(done: number) {
    this.#next = done + 1;
  }

  finish(index: number, outcome: Outcome) {
    this.#finished.add(index);
    while (this.#finished.delete(this.#next)) this.#next += 1;
    this.#counts.fetched += 1;
    this.#counts[outcome] += 1;
  }

  get pending() {
    return this.#counts.fetched;
  }

  take() {
    const counts = this.#counts;
    this.#counts = { fetched: 0, created: 0, unchanged: 0, skipped: 0 };
    return { cursor: { taken: this.#next - 1 }, counts };
  }
}

export async function takeJournal(ctx: Context) {
  const cursor = ctx.connection.cursor as Cursor;
  // A resumed run read the whole file before it took anything in: no need to check it again.
  if (!cursor) for await (const _ of transactionsOf(ctx));
  const done = cursor?.taken ?? 0;
  const progress = new Progress(done);
  const record = () => {
    const page = progress.take();
    return ctx.commitPage(async () => page);
  };
  const source = transactionsOf(ctx);
  let index = 0;
  const worker = async () => {
    for (let next = await source.next(); !next.done; next = await source.next()) {
      const at = ++index;
      if (at <= done) continue;
      progress.finish(at, await takeTransaction(ctx, next.value));
      if (progress.pending >= PAGE) await record();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (progress.pending) await record();
}
