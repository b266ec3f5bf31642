// Bulk incentive uploads: an upload under a campaign (or one per row), its rows staged by COPY with what
// validation found, and the issuances it dispatched (one per row: uploadId and uploadRow are unique
// together, so a dispatch that resumes after a crash never issues a row twice). Tenants get settings.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE tenants ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';

    CREATE TABLE uploads (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      -- The campaign of rows that name none.
      campaign_id uuid REFERENCES campaigns (id),
      status text NOT NULL DEFAULT 'receiving' CHECK (status IN
        ('receiving', 'validating', 'validated', 'approved', 'dispatching', 'dispatched', 'cancelled')),
      format text NOT NULL CHECK (format IN ('csv', 'json')),
      uploaded_by uuid,
      approved_by uuid,
      rows_read integer NOT NULL DEFAULT 0,
      valid integer NOT NULL DEFAULT 0,
      invalid integer NOT NULL DEFAULT 0,
      dispatched integer NOT NULL DEFAULT 0,
      refused integer NOT NULL DEFAULT 0,
      -- Per campaign: rows, cost, what remains of its budget and rewards, voucher stock; warnings.
      summary jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      validated_at timestamptz,
      approved_at timestamptz,
      dispatched_at timestamptz
    );
    CREATE INDEX uploads_tenant ON uploads (tenant_id, id);

    CREATE TABLE upload_rows (
      upload_id uuid NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
      row integer NOT NULL,
      -- As read from the file.
      row_key text,
      member_ref text,
      name text,
      email text,
      phone text,
      channel text,
      campaign text,
      points text,
      denomination text,
      note text,
      -- As validation resolved them.
      campaign_id uuid,
      member_id uuid,
      amount bigint,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'valid', 'invalid', 'dispatched', 'refused')),
      -- [{column, code, message}]
      errors jsonb NOT NULL DEFAULT '[]',
      refusal text,
      issuance_id uuid,
      PRIMARY KEY (upload_id, row)
    );
    CREATE INDEX upload_rows_to_dispatch ON upload_rows (upload_id, row) WHERE status = 'valid';

    ALTER TABLE issuances ADD COLUMN upload_id uuid, ADD COLUMN upload_row integer;
    CREATE UNIQUE INDEX issuances_upload_row ON issuances (upload_id, upload_row) WHERE upload_id IS NOT NULL;
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
