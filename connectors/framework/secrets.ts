// Owns sealing connection credentials with AES-256-GCM under TESSERA_SECRET_KEY, and where that key comes
// from when it is not set: with the embedded database, a key generated once into TESSERA_DATA_DIR; with
// DATABASE_URL there is none (every process must share one key, so it must be set).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../core/config.ts';
import { domainError } from '../../core/errors.ts';

const VERSION = 'v1';

export type SecretKey = Buffer | undefined;

export async function resolveSecretKey(config: Config): Promise<SecretKey> {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) return undefined;
  const file = path.join(path.resolve(config.dataDir), 'secret.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await mkdir(path.dirname(file), { recursive: true });
  // Written whole to a file of its own, then linked into place: two processes starting at once cannot
  // both win, and neither ever reads a key half written. The loser reads the winner's key.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(draft, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } finally {
    await unlink(draft);
  }
}

function requireKey(key: SecretKey): Buffer {
  if (!key)
    throw domainError(
      409,
      'secret_key_missing',
      'Set TESSERA_SECRET_KEY (32 bytes, base64) on every process before saving credentials',
    );
  return key;
}

export function seal(key: SecretKey, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', requireKey(key), iv);
  const text = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), text].map((part) => part.toString('base64url')).join('.');
}

export function open<T>(key: SecretKey, sealed: string): T {
  const [version, iv, tag, text] = sealed.split('.');
  if (version !== VERSION) throw new Error(`credentials sealed as ${version}, not ${VERSION}`);
  const decipher = createDecipheriv('aes-256-gcm', requireKey(key), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const clear = Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]);
  return JSON.parse(clear.toString('utf8')) as T;
}
