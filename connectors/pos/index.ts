// Owns the POS connector: transactions in real time through the connection's signed inbound source, and
// end-of-day journals (NAXML POSJournal, CSV) through its files; both count each transaction once.
import type { Connector } from '../framework/connector.ts';
import { configSchema, credentialsSchema, type PosConfig } from './config.ts';
import { parsePosInbound } from './inbound.ts';
import { takeJournal } from './journal.ts';

export const pos: Connector<PosConfig, Record<string, never>> = {
  type: 'pos',
  describe: { title: 'POS feed', auth: 'none', paging: 'none' },
  config: configSchema,
  credentials: credentialsSchema,
  inbound: { kind: 'pos', parse: parsePosInbound },
  files: { types: ['application/xml', 'text/xml', 'text/csv'], take: takeJournal },
};
