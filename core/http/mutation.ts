// Owns the handler side of a mutation: one transaction commits the effect and its idempotent answer together.
import type { Request, ResponseToolkit } from '@hapi/hapi';
import type { Transaction } from '../db/database.ts';
import { markStored, storeInTransaction } from './idempotency.ts';

export interface Reply {
  status: number;
  body: unknown;
  // What a replay of this request answers, when it must differ from the first answer (a secret shown once).
  replay?: unknown;
}

export async function mutate(
  request: Request,
  h: ResponseToolkit,
  work: (trx: Transaction) => Promise<Reply>,
) {
  const reply = await request.server.app.db.transaction(async (trx) => {
    const result = await work(trx);
    await storeInTransaction(request, trx, result.status, result.replay ?? result.body);
    return result;
  });
  markStored(request);
  return reply.status === 204 ? h.response().code(204) : h.response(reply.body as object).code(reply.status);
}
