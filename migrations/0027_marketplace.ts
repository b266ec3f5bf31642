// The marketplace: offers priced in points (pointsPerUnit of their denomination), and orders that
// reserve a member's points, take a code and confirm. A voucher code now goes to one issuance or one
// order: free means neither.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE offers ADD COLUMN points_per_unit numeric(12, 4) CHECK (points_per_unit > 0);

    CREATE TABLE marketplace_orders (
      id uuid PRIMARY KEY DEFAULT tessera_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants (id),
      member_id uuid NOT NULL REFERENCES members (id),
      member_ref text NOT NULL,
      offer_id uuid NOT NULL REFERENCES offers (id),
      partner_id uuid NOT NULL REFERENCES partners (id),
      denomination integer NOT NULL,
      points bigint NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed')),
      failure_reason text,
      reservation_id uuid,
      code_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    );
    CREATE INDEX marketplace_orders_tenant ON marketplace_orders (tenant_id, id);

    ALTER TABLE voucher_codes ADD COLUMN order_id uuid REFERENCES marketplace_orders (id),
      ADD CONSTRAINT voucher_codes_one_owner CHECK (issuance_id IS NULL OR order_id IS NULL);
    DROP INDEX voucher_codes_free;
    CREATE INDEX voucher_codes_free ON voucher_codes (offer_id, denomination, created_at)
      WHERE issuance_id IS NULL AND order_id IS NULL;
  `);
}

export async function down(): Promise<void> {
  throw new Error('Tessera migrations are forward-only');
}
