// Owns CSV files: reading them as they stream in (UTF-8 with or without a BOM, CRLF or LF, `,` or `;` (or
// tab) detected from the header line, quoted fields holding commas and newlines; a row that cannot be
// read is reported as that row's error and the rest go on; a file whose header cannot be read fails
// whole), and writing exports that spreadsheets cannot run as formulas.
import { Readable } from 'node:stream';
import { type CsvError, type Info, parse } from 'csv-parse';

// Columns are matched case-insensitively: the header as written, trimmed and lower-cased.
export type CsvRow =
  | { row: number; line: number; fields: Record<string, string> }
  | { row: number; line: number; error: { code: string; message: string } };

export class CsvFileError extends Error {
  override name = 'CsvFileError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const DELIMITERS = [',', ';', '\t'] as const;
// The header line is looked for in this much of the file's start.
const HEADER_SCAN_BYTES = 64 * 1024;

// The delimiter that occurs most often outside quotes in the header line; a comma when none does.
export function detectDelimiter(start: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of start) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) as number) + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > (counts.get(best) as number)) best = delimiter;
  return best;
}

const headerEnded = (text: string) => /[\r\n]/.test(text.replace(/"[^"]*"/g, ''));

// Reads chunks until the header line is complete, to detect the delimiter before csv-parse starts.
async function readHead(iterator: AsyncIterator<Buffer | string>) {
  const head: Buffer[] = [];
  let text = '';
  while (!headerEnded(text) && text.length < HEADER_SCAN_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.from(next.value);
    head.push(chunk);
    text += chunk.toString('latin1');
  }
  return { head, delimiter: detectDelimiter(text.replace(/^\u00ef\u00bb\u00bf/, '')) };
}

async function* replay(head: Buffer[], iterator: AsyncIterator<Buffer | string>): AsyncGenerator<Buffer> {
  yield* head;
  for (let next = await iterator.next(); !next.done; next = await iterator.next())
    yield Buffer.from(next.value);
}

function headerOf(record: string[]): string[] {
  const names = record.map((name) => name.trim().toLowerCase());
  if (names.some((name) => name === ''))
    throw new CsvFileError('csv_header_invalid', 'Every column in the header line needs a name');
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new CsvFileError('csv_header_invalid', `The column ${repeated} appears twice`);
  return names;
}

const rowErrorCode = (error: CsvError) =>
  error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ? 'column_count' : 'malformed_row';

// A failure csv-parse cannot skip past (a quote never closed) fails the file, naming where.
function asFileError(error: unknown): unknown {
  const code = (error as CsvError).code;
  if (error instanceof CsvFileError || typeof code !== 'string' || !code.startsWith('CSV_')) return error;
  return new CsvFileError('csv_malformed', `Line ${(error as CsvError).lines}: ${(error as Error).message}`);
}

// Rows after the header, numbered from 1, each with the line it ends on. `required` columns missing
// from the header fail the file before any row is read.
export async function* readCsv(
  source: AsyncIterable<Buffer | string>,
  options: { required?: string[] } = {},
): AsyncGenerator<CsvRow> {
  const iterator = source[Symbol.asyncIterator]();
  const { head, delimiter } = await readHead(iterator);
  const parser = parse({
    bom: true,
    delimiter,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
  });
  const input = Readable.from(replay(head, iterator));
  const skipped: CsvError[] = [];
  parser.on('skip', (error: CsvError) => skipped.push(error));
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let header: string[] | null = null;
  let row = 0;
  // csv-parse reports a skipped row as it parses, ahead of the rows it has yet to hand over: skipped
  // rows are put back in line order.
  const drain = function* (before = Number.POSITIVE_INFINITY): Generator<CsvRow> {
    while (skipped.length && Number(skipped[0].lines) < before) {
      const error = skipped.shift() as CsvError;
      row += 1;
      yield {
        row,
        line: Number(error.lines ?? 0),
        error: { code: rowErrorCode(error), message: error.message },
      };
    }
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      if (!header) {
        header = headerOf(record);
        const missing = (options.required ?? []).filter((name) => !header?.includes(name.toLowerCase()));
        if (missing.length)
          throw new CsvFileError('csv_columns_missing', `The header has no column ${missing.join(', ')}`);
        continue;
      }
      yield* drain(info.lines);
      row += 1;
      yield {
        row,
        line: info.lines,
        fields: Object.fromEntries((header as string[]).map((name, index) => [name, record[index]])),
      };
    }
  } catch (error) {
    throw asFileError(error);
  } finally {
    input.destroy();
  }
  if (!header) throw new CsvFileError('csv_header_invalid', 'The file has no header line');
  yield* drain();
}

// Cells a spreadsheet would run as a formula (or that start with a control character) are written with a
// leading apostrophe, so that an export opened in Excel shows them as text.
const FORMULA_START = /^[=+\-@\t\r]/;

export function safeCsvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

// One line of an export (CRLF, as RFC 4180 has it), formula-safe.
export const safeCsvLine = (values: Array<string | number | null | undefined>) =>
  `${values.map(safeCsvCell).join(',')}\r\n`;
