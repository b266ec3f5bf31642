// Owns reading a POS's CSV export: one row per transaction line, a transaction's rows together, columns
// named by the connection's `csvColumns`; read with core/files/csv.ts. A row that cannot be read fails
// the journal, naming it.
import { type CsvRow, readCsv } from '../../core/files/csv.ts';
import { ConnectorError } from '../framework/connector.ts';
import type { CsvField, PosConfig } from './config.ts';
import type { PosLine, PosTransaction } from './transaction.ts';

const REQUIRED: CsvField[] = [
  'storeId',
  'transactionId',
  'businessDate',
  'occurredAt',
  'type',
  'kind',
  'amount',
];

type Fields = Record<string, string>;

function lineOf(get: (field: CsvField) => string | undefined, config: PosConfig): PosLine {
  const base = {
    quantity: get('quantity') ?? '1',
    amount: get('amount') as string,
    ...(get('status') === 'cancel' && { status: 'cancel' as const }),
  };
  if (get('kind') === 'fuel')
    return {
      ...base,
      kind: 'fuel',
      gradeId: get('gradeId') as string,
      ...(get('pumpId') && { pumpId: get('pumpId') }),
      uom: (get('uom') as 'L' | 'USG' | undefined) ?? config.fuelUnit,
      ...(get('unitPrice') && { unitPrice: get('unitPrice') }),
    };
  return { ...base, kind: get('kind') as 'merchandise', sku: get('sku') as string };
}

function transactionOf(get: (field: CsvField) => string | undefined, config: PosConfig): PosTransaction {
  const memberId = get('memberId');
  return {
    storeId: get('storeId') as string,
    terminalId: get('terminalId') ?? '-',
    transactionId: get('transactionId') as string,
    businessDate: get('businessDate') as string,
    occurredAt: get('occurredAt') as string,
    type: get('type') as PosTransaction['type'],
    ...(memberId && { loyalty: { memberId } }),
    currency: get('currency') ?? config.currency,
    lines: [],
  };
}

export async function* csvTransactions(
  chunks: AsyncIterable<Buffer>,
  config: PosConfig,
): AsyncGenerator<{ tx: PosTransaction; line: number }> {
  const columns = config.csvColumns;
  type Reading = { tx: PosTransaction; line: number; key: string };
  let current = null as Reading | null;
  const required = REQUIRED.map((field) => columns[field]);
  for await (const row of readCsv(chunks, { required }) as AsyncIterable<CsvRow>) {
    if ('error' in row)
      throw new ConnectorError(
        'journal_malformed',
        `Row ${row.row} (line ${row.line}): ${row.error.message}`,
      );
    const fields: Fields = row.fields;
    const get = (field: CsvField) => fields[columns[field]] || undefined;
    const key = `${get('storeId')}:${get('businessDate')}:${get('transactionId')}`;
    if (current?.key !== key) {
      if (current) yield current;
      current = { tx: transactionOf(get, config), line: row.line, key };
    }
    (current as Reading).tx.lines.push(lineOf(get, config));
  }
  if (current) yield current;
}
