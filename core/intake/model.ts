// Owns the source events table as an Objection model: each event a source system sent, once per
// (source, sourceEventId), with the outcomes the intake answered.
import { TenantRow } from '../tenancy/model.ts';

export class SourceEvent extends TenantRow {
  static override tableName = 'source_events';
  static override jsonAttributes = ['data', 'outcomes'];
  declare id: string;
  declare source: string;
  declare sourceEventId: string;
  declare type: string;
  declare memberRef: string;
  // unmatched: no member with this reference, and the event did not describe one.
  declare status: 'accepted' | 'unmatched';
  declare occurredAt: Date;
  declare data: Record<string, unknown>;
  // What the intake answered, replayed when the same (source, sourceEventId) arrives again.
  declare outcomes: unknown[];
  declare inboundSourceId: string | null;
  declare receivedAt: Date;

  // Which inbound source carried the event is the tenant's own business, not the event's.
  override $formatJson(json: Record<string, unknown>) {
    const { inboundSourceId: _via, ...shown } = super.$formatJson(json);
    return shown;
  }
}
