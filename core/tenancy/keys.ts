// Owns the API key format: random, recognisable by its prefix, stored only as a hash.
import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'tsk_';

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

// Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}
