// The operator CLI: tenants and API keys, straight against the database (embedded or DATABASE_URL).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import { openStore } from '../db/store.ts';
import { createLogger } from '../log.ts';
import { Tenant } from '../tenancy/model.ts';
import type { Role } from '../tenancy/scope.ts';
import { createKey, createTenant, findTenant } from '../tenancy/service.ts';

const USAGE = `Usage: npm run tessera -- <command>

  tenants create <name>                       create a tenant
  tenants list                                list tenants
  keys create --tenant <name> --role <role>   create an API key (printed once)
         [--name <label>] [--partner-id <uuid>]   roles: admin, integration, partner, viewer
`;

const ROLES: Role[] = ['admin', 'integration', 'partner', 'viewer'];

class UsageError extends Error {}

type Command = (db: Database, args: string[]) => Promise<string>;

const commands: Record<string, Command> = {
  'tenants create': async (db, [name]) => {
    if (!name) throw new UsageError('tenants create needs a name');
    const tenant = await db.transaction((trx) => createTenant(trx, name));
    return `Created tenant ${tenant.name} (${tenant.id})`;
  },
  'tenants list': async (db) => {
    const tenants = await Tenant.query(db).orderBy('createdAt');
    return tenants.map((tenant) => `${tenant.name}\t${tenant.id}`).join('\n');
  },
  'keys create': async (db, args) => {
    const { values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        'partner-id': { type: 'string' },
      },
    });
    const role = values.role as Role;
    if (!values.tenant || !ROLES.includes(role))
      throw new UsageError('keys create needs --tenant and a valid --role');
    const tenant = await findTenant(db, values.tenant);
    const input = { name: values.name ?? `${role} key (CLI)`, role, partnerId: values['partner-id'] };
    const created = await db.transaction((trx) => createKey(trx, tenant.id, input, null));
    return `Created ${role} key ${created.id} for tenant ${tenant.name}. It is shown this once:\n\n  ${created.key}\n`;
  },
};

async function main(argv: string[]): Promise<number> {
  const command = commands[argv.slice(0, 2).join(' ')];
  if (!command) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig();
  const store = await openStore(config, createLogger('warn'));
  try {
    process.stdout.write(`${await command(store.db, argv.slice(2))}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const known =
    error instanceof UsageError || error instanceof ConfigError || (error as { isBoom?: boolean }).isBoom;
  if (!known) throw error;
  process.stderr.write(`${(error as Error).message}\n${error instanceof UsageError ? USAGE : ''}`);
  process.exitCode = 2;
}
