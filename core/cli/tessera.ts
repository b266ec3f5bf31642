// The operator CLI: tenants and API keys, straight against the database (embedded or DATABASE_URL).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import { hasEmbeddedDatabase } from '../db/embedded.ts';
import { openStore } from '../db/store.ts';
import { createLogger } from '../log.ts';
import { Tenant } from '../tenancy/model.ts';
import { ROLES, type Role } from '../tenancy/scope.ts';
import { createKey, createTenant, findTenant } from '../tenancy/service.ts';

const USAGE = `Usage: npm run tessera -- [--data-dir <dir>] <command>

  tenants create <name>                       create a tenant
  tenants list                                list tenants
  keys create --tenant <name> --role <role>   create an API key (printed once)
         [--name <label>] [--partner-id <uuid>]   roles: admin, integration, partner, viewer

The database is DATABASE_URL's, else the embedded one in --data-dir, TESSERA_DATA_DIR or ./.tessera;
the CLI never creates a new one: start the server once first.
`;

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
    const created = await db.transaction((trx) =>
      createKey(trx, { tenantId: tenant.id, actor: null }, input),
    );
    return `Created ${role} key ${created.id} for tenant ${tenant.name}. It is shown this once:\n\n  ${created.key}\n`;
  },
};

// `--data-dir <dir>` (or `--data-dir=<dir>`) before or after the command; the rest is the command's.
function takeDataDir(argv: string[]): { dataDir?: string; rest: string[] } {
  const rest: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data-dir') dataDir = argv[++i];
    else if (argv[i].startsWith('--data-dir=')) dataDir = argv[i].slice('--data-dir='.length);
    else rest.push(argv[i]);
  }
  return { dataDir, rest };
}

// Names the database the command works on, and refuses to create an empty one by mistake (a command
// run from another folder would otherwise make a fresh database there and a key for it).
function chooseDatabase(config: Config, from: string): void {
  if (config.databaseUrl) {
    process.stderr.write(`Using the database of DATABASE_URL (${new URL(config.databaseUrl).host})\n`);
    return;
  }
  const dataDir = path.resolve(config.dataDir);
  if (!hasEmbeddedDatabase(dataDir))
    throw new UsageError(
      `No Tessera database in ${dataDir} (${from}). Start the server once (npm start), or point ` +
        '--data-dir or TESSERA_DATA_DIR at the data directory it uses.',
    );
  process.stderr.write(`Using the data directory ${dataDir} (${from})\n`);
}

async function main(argv: string[]): Promise<number> {
  const { dataDir, rest } = takeDataDir(argv);
  const command = commands[rest.slice(0, 2).join(' ')];
  if (!command) {
    process.stderr.write(USAGE);
    return 2;
  }
  const env = dataDir ? { ...process.env, TESSERA_DATA_DIR: dataDir } : process.env;
  const config = loadConfig(env);
  const from = dataDir
    ? '--data-dir'
    : process.env.TESSERA_DATA_DIR
      ? 'TESSERA_DATA_DIR'
      : 'the default; --data-dir or TESSERA_DATA_DIR chooses another';
  chooseDatabase(config, from);
  const store = await openStore(config, createLogger('warn'));
  try {
    process.stdout.write(`${await command(store.db, rest.slice(2))}\n`);
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
