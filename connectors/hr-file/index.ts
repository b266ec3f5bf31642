// Owns the HR file connector: HR systems without an API Tessera pulls from (Darwinbox and the rest) send
// their people as CSV files to POST /v1/connections/{id}/files; a complete export deactivates leavers.
import type { Connector } from '../framework/connector.ts';
import { configSchema, credentialsSchema, type HrFileConfig } from './config.ts';
import { takeHrFile } from './people.ts';

export const hrFile: Connector<HrFileConfig, Record<string, never>> = {
  type: 'hr-file',
  describe: { title: 'HR file (CSV)', auth: 'none', paging: 'none' },
  config: configSchema,
  credentials: credentialsSchema,
  files: { types: ['text/csv'], take: takeHrFile },
};
