// Owns reading a POS's real-time requests (verified by the signed inbound route): one pos.transaction.v1
// or {"transactions": [...]} of up to 500, each counted into the source events it stands for.
import Joi from 'joi';
import { domainError, validationFailed } from '../../core/errors.ts';
import type { ParsedInbound } from '../../core/intake/service.ts';
import type { Opened } from '../framework/connector.ts';
import type { PosConfig } from './config.ts';
import { countTransaction, type PosTransaction, transactionSchema } from './transaction.ts';

export const MAX_TRANSACTIONS = 500;

const batchSchema = Joi.object({
  transactions: Joi.array().items(transactionSchema).min(1).max(MAX_TRANSACTIONS).required(),
});

export function parsePosInbound(
  connection: Opened<PosConfig, Record<string, never>>,
  body: Buffer,
): ParsedInbound {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw domainError(400, 'malformed_json', 'The request body is not valid JSON');
  }
  const batch = Array.isArray((json as { transactions?: unknown } | null)?.transactions);
  const { error, value } = (batch ? batchSchema : transactionSchema).validate(json, {
    abortEarly: false,
    convert: true,
  });
  if (error) throw validationFailed(error.details, 'payload');
  const transactions: PosTransaction[] = batch ? value.transactions : [value];
  return { batch, items: transactions.map((tx) => countTransaction(tx, connection.name)) };
}
