// Owns reading NAXML POSJournal 3.4 journals as they stream (saxes, by local names, so the plain form and
// Verifone's `nax:`-prefixed one read alike): SaleEvent, RefundEvent and VoidEvent become
// pos.transaction.v1, with their TransactionLine status kept so that cancelled lines never count.
// A journal that is not well-formed, or an event that is incomplete, fails naming the line and element.
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ConnectorError } from '../framework/connector.ts';
import { isDecimal } from './amounts.ts';
import type { PosConfig } from './config.ts';
import { localToUtc } from './local-time.ts';
import type { PosLine, PosTransaction } from './transaction.ts';

const EVENTS: Record<string, PosTransaction['type']> = {
  SaleEvent: 'sale',
  RefundEvent: 'refund',
  VoidEvent: 'void',
};
const DECIMALS = new Set([
  'SalesQuantity',
  'SalesAmount',
  'RegularSellPrice',
  'ActualSalesPrice',
  'TenderAmount',
]);

interface Draft {
  type: PosTransaction['type'];
  line: number;
  fields: Record<string, string>;
  lines: PosLine[];
  tenders: Array<{ code: string; amount: string }>;
}

type LineDraft = {
  status: 'normal' | 'cancel';
  kind?: 'fuel' | 'merchandise';
  fields: Record<string, string>;
};

export function malformed(line: number, element: string, message: string): ConnectorError {
  return new ConnectorError('journal_malformed', `Line ${line}, <${element}>: ${message}`);
}

function lineOf(draft: LineDraft, config: PosConfig): PosLine | null {
  const { fields, status } = draft;
  const base = { quantity: fields.SalesQuantity ?? '1', amount: fields.SalesAmount, status };
  if (draft.kind === 'fuel')
    return {
      ...base,
      kind: 'fuel',
      gradeId: fields.FuelGradeID,
      ...(fields.FuelPositionID && { pumpId: fields.FuelPositionID }),
      uom: config.fuelUnit,
      ...(fields.RegularSellPrice && { unitPrice: fields.RegularSellPrice }),
    };
  if (draft.kind === 'merchandise')
    return { ...base, kind: 'merchandise', sku: fields.POSCode ?? fields.MerchandiseCode };
  return null;
}

function when(fields: Record<string, string>, timeZone: string): string | null {
  // The end of the event is when it happened; older registers write only the receipt's or start's time.
  for (const [date, time] of [
    ['EventEndDate', 'EventEndTime'],
    ['ReceiptDate', 'ReceiptTime'],
    ['EventStartDate', 'EventStartTime'],
  ])
    if (fields[date]) return localToUtc(fields[date], fields[time] ?? '00:00:00', timeZone);
  return fields.BusinessDate ? localToUtc(fields.BusinessDate, '00:00:00', timeZone) : null;
}

// The event as a transaction; what the transaction schema refuses is reported at the event's line.
function transactionOf(draft: Draft, storeId: string | undefined, config: PosConfig): PosTransaction {
  const { fields } = draft;
  const memberId = config.loyaltyElements.map((name) => fields[name]).find(Boolean);
  return {
    storeId: storeId as string,
    terminalId: fields.RegisterID ?? fields.TillID,
    transactionId: fields.TransactionID,
    businessDate: fields.BusinessDate,
    occurredAt: when(fields, config.timeZone) as string,
    type: draft.type,
    ...(memberId && { loyalty: { memberId } }),
    currency: config.currency,
    lines: draft.lines,
    tenders: draft.tenders,
  };
}

class JournalReader {
  readonly done: Array<{ tx: PosTransaction; line: number }> = [];
  readonly #config: PosConfig;
  readonly #parser = new SaxesParser({ xmlns: true, position: true });
  readonly #open: string[] = [];
  #text = '';
  #storeId: string | undefined;
  #event: Draft | null = null;
  #line: LineDraft | null = null;
  #tender: Record<string, string> | null = null;

  constructor(config: PosConfig) {
    this.#config = config;
    this.#parser.on('opentag', (tag) => this.#opened(tag));
    this.#parser.on('text', (text) => {
      this.#text += text;
    });
    this.#parser.on('closetag', (tag) => this.#closed(tag.local));
  }

  write(text: string) {
    this.#guard(() => this.#parser.write(text));
  }

  close() {
    this.#guard(() => this.#parser.close());
  }

  #guard(work: () => void) {
    try {
      work();
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      const element = this.#open.at(-1) ?? 'document';
      throw malformed(this.#parser.line, element, (error as Error).message.replace(/^[^:]*:\d+:\d+: /, ''));
    }
  }

  #opened(tag: SaxesTagNS) {
    const name = tag.local;
    this.#open.push(name);
    this.#text = '';
    if (EVENTS[name])
      this.#event = { type: EVENTS[name], line: this.#parser.line, fields: {}, lines: [], tenders: [] };
    else if (!this.#event) return;
    else if (name === 'TransactionLine') {
      const status = tag.attributes.status?.value === 'cancel' ? 'cancel' : 'normal';
      this.#line = { status, fields: {} };
    } else if (this.#line && name === 'FuelLine') this.#line.kind = 'fuel';
    else if (this.#line && (name === 'ItemLine' || name === 'MerchandiseCodeLine'))
      this.#line.kind = 'merchandise';
    else if (this.#line && name === 'TenderInfo') this.#tender = {};
  }

  #closed(name: string) {
    this.#open.pop();
    const text = this.#text.trim();
    this.#text = '';
    if (name === 'StoreLocationID' && !this.#event) this.#storeId = text;
    if (!this.#event) return;
    if (DECIMALS.has(name) && text !== '' && !isDecimal(text))
      throw malformed(this.#parser.line, name, `"${text}" is not a decimal number`);
    if (EVENTS[name]) this.#finishEvent();
    else if (name === 'TransactionLine') this.#finishLine();
    else if (name === 'TenderInfo' && this.#tender) {
      if (this.#line?.status !== 'cancel' && this.#tender.TenderAmount)
        this.#event.tenders.push({
          code: this.#tender.TenderCode ?? 'other',
          amount: this.#tender.TenderAmount,
        });
      this.#tender = null;
    } else if (this.#tender) this.#tender[name] = text;
    else if (this.#line) this.#line.fields[name] ??= text;
    else this.#event.fields[name] ??= text;
  }

  #finishLine() {
    const line = this.#line && lineOf(this.#line, this.#config);
    if (line) (this.#event as Draft).lines.push(line);
    this.#line = null;
  }

  #finishEvent() {
    const draft = this.#event as Draft;
    this.#event = null;
    this.done.push({ tx: transactionOf(draft, this.#storeId, this.#config), line: draft.line });
  }
}

const encodingOf = (start: Buffer) =>
  /encoding\s*=\s*["'](iso-8859-1|latin-?1|windows-1252)["']/i.test(start.subarray(0, 200).toString('latin1'))
    ? 'latin1'
    : 'utf-8';

// Each event of the journal, in order, as soon as it has been read.
export async function* naxmlTransactions(
  chunks: AsyncIterable<Buffer>,
  config: PosConfig,
): AsyncGenerator<{ tx: PosTransaction; line: number }> {
  const reader = new JournalReader(config);
  let decoder: TextDecoder | null = null;
  for await (const chunk of chunks) {
    decoder ??= new TextDecoder(encodingOf(chunk));
    reader.write(decoder.decode(chunk, { stream: true }));
    yield* reader.done.splice(0);
  }
  reader.write(decoder?.decode() ?? '');
  reader.close();
  yield* reader.done.splice(0);
}
