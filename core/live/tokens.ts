// Owns live tokens: short-lived, read-only credentials for browsers, signed with a key kept in the
// database so that every server process accepts every other's tokens.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { Channel } from './channels.ts';
import { LiveSigningKey } from './model.ts';

export interface LiveGrant {
  tenantId: string;
  // The API key that issued the token: revoking it ends the token too.
  keyId: string;
  partnerId: string | null;
  channels: Channel[];
  // Filters every subscription and snapshot of the token must keep to (one member, one campaign).
  memberRef: string | null;
  campaignId: string | null;
  expiresAt: number;
}

let cached: { db: Database; secret: Buffer } | undefined;

async function signingKey(db: Database): Promise<Buffer> {
  if (cached?.db === db) return cached.secret;
  await LiveSigningKey.query(db)
    .insert({ id: 1, secret: randomBytes(32).toString('base64') })
    .onConflict('id')
    .ignore();
  const row = (await LiveSigningKey.query(db).findById(1)) as LiveSigningKey;
  cached = { db, secret: Buffer.from(row.secret, 'base64') };
  return cached.secret;
}

const sign = (secret: Buffer, body: string) => createHmac('sha256', secret).update(body).digest();

export async function issueToken(db: Database, grant: LiveGrant): Promise<string> {
  const claims = {
    t: grant.tenantId,
    k: grant.keyId,
    p: grant.partnerId,
    c: grant.channels,
    m: grant.memberRef,
    g: grant.campaignId,
    e: grant.expiresAt,
  };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `tlt_${body}.${sign(await signingKey(db), body).toString('base64url')}`;
}

export type TokenCheck =
  | { ok: true; grant: LiveGrant }
  | { ok: false; reason: 'token_invalid' | 'token_expired' };

export async function checkToken(db: Database, token: string): Promise<TokenCheck> {
  const match = /^tlt_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!match) return { ok: false, reason: 'token_invalid' };
  const expected = sign(await signingKey(db), match[1]);
  const given = Buffer.from(match[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'token_invalid' };
  const claims = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8'));
  if (claims.e * 1000 <= Date.now()) return { ok: false, reason: 'token_expired' };
  // A token from before tokens named their issuing key cannot be revoked with it: refused.
  if (typeof claims.k !== 'string') return { ok: false, reason: 'token_invalid' };
  return {
    ok: true,
    grant: {
      tenantId: claims.t,
      keyId: claims.k,
      partnerId: claims.p,
      channels: claims.c,
      memberRef: claims.m ?? null,
      campaignId: claims.g ?? null,
      expiresAt: claims.e,
    },
  };
}
