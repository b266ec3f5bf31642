// Owns the connector tables as Objection models: connections and their runs.
import { TenantRow } from '../../core/tenancy/model.ts';

export class Connection extends TenantRow {
  static override tableName = 'connections';
  static override jsonAttributes = ['config', 'cursor'];
  declare id: string;
  declare type: string;
  // A message provider's channel (sms, email, whatsapp): one active provider per channel and tenant.
  declare channel: 'sms' | 'email' | 'whatsapp' | null;
  declare name: string;
  declare config: Record<string, unknown>;
  // Sealed (./secrets.ts); never leaves the server.
  declare credentials: string | null;
  declare credentialsUpdatedAt: Date | null;
  declare schedule: string | null;
  declare timeZone: string;
  declare status: 'active' | 'paused';
  declare cursor: unknown;
  declare writeBackCursor: string | null;
  declare nextRunAt: Date | null;
  declare createdAt: Date;
  declare updatedAt: Date;
}

export type RunTrigger = 'schedule' | 'manual' | 'file' | 'push';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface RecordError {
  record: string | null;
  code: string;
  message: string;
}

export class ConnectorRun extends TenantRow {
  static override tableName = 'connector_runs';
  static override jsonAttributes = ['errors', 'failure'];
  declare id: string;
  declare connectionId: string;
  declare trigger: RunTrigger;
  declare status: RunStatus;
  declare queuedAt: Date;
  declare startedAt: Date | null;
  declare finishedAt: Date | null;
  declare fetched: number;
  declare created: number;
  declare updated: number;
  declare unchanged: number;
  declare deactivated: number;
  declare skipped: number;
  declare failed: number;
  declare errors: RecordError[];
  declare failure: { code: string; message: string } | null;
}

export class ConnectionFile extends TenantRow {
  static override tableName = 'connection_files';
  static override jsonAttributes = ['cursor'];
  declare id: string;
  declare connectionId: string;
  declare runId: string;
  declare contentType: string;
  declare complete: boolean;
  declare bytes: number;
  declare sha256: string;
  declare cursor: unknown;
  declare createdAt: Date;
}
