// Owns the ledger routes: credits, reservations (confirm / release), debits, reversals, balances, transfers.
import type { Request, ResponseToolkit, ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import type { Config } from '../config.ts';
import type { Transaction } from '../db/database.ts';
import { paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { errorReply } from '../http/errors.ts';
import { mutate, type Reply } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { memberRef } from '../members/schema.ts';
import { freeForm, idParams } from '../payloads.ts';
import { type LedgerRight, requireLedgerRight } from './access.ts';
import { memberBalance } from './accounts.ts';
import { getTransfer, ledgerAccounts, listTransfers, type TransferQuery } from './queries.ts';
import { accountsAnswer, balanceAnswer, movementAnswer, transferAnswer, transferPage } from './schema.ts';
import {
  type Change,
  confirmation,
  type Movement,
  type MovementInput,
  type MovementKind,
  moveBy,
  movePoints,
  presentTransfer,
  type Resolution,
  releasing,
  resolve,
  resolveReservation,
  reverse,
} from './transfers.ts';

// Partner keys pass the role check, then their partner's ledger access decides (./access.ts).
const movers = { access: { scope: ['admin', 'integration', 'partner'] } };
const readers = { access: { scope: ['admin', 'integration', 'viewer', 'partner'] } };
// A route prerequisite: a partner key's request stops here unless its partner has the right.
const partnerNeeds = (right: LedgerRight) => ({
  method: (request: Request, h: ResponseToolkit) => {
    requireLedgerRight(scopeOf(request), right);
    return h.continue;
  },
});
const redeeming = [partnerNeeds('redeem')];
const crediting = [partnerNeeds('credit')];

export const points = Joi.number().integer().min(1).max(1_000_000_000_000);
const source = Joi.string()
  .pattern(/^[a-z][a-z0-9_-]{0,49}$/)
  .description('marketplace, loyalife, campaign, upload, admin, partner, ...');

const movement = {
  id: Joi.string()
    .guid()
    .description('your own transfer id: the same id with the same fields returns the same transfer'),
  memberRef: memberRef.required(),
  amount: points.required(),
  source: source.required(),
  reference: Joi.string().max(200).description('your order or redemption id'),
  reason: Joi.string().max(500),
  metadata: freeForm({ maxBytes: 16_384 }),
  partnerId: Joi.string().guid(),
};

function movementReply(result: Movement): Reply {
  return {
    status: result.created ? 201 : 200,
    body: { ...presentTransfer(result.transfer), balance: result.balance },
  };
}

function resolutionReply(result: Resolution): Reply {
  if (!result.ok) return errorReply(result.refusal);
  return { status: 200, body: { ...presentTransfer(result.transfer), balance: result.balance } };
}

type Work = (trx: Transaction, request: Request) => Promise<Reply>;
type Direct = (request: Request) => Promise<Reply>;

// A request with an Idempotency-Key runs in the transaction that stores its answer; one without takes
// the ledger's own choice of path (./transfers.ts), usually one statement.
function moving(work: Work, direct?: Direct) {
  return async (request: Request, h: ResponseToolkit) => {
    if (direct && !request.app.idempotency) {
      const reply = await direct(request);
      return h.response(reply.body as object).code(reply.status);
    }
    return mutate(request, h, (trx) => work(trx, request));
  };
}

function movementHandler(kind: MovementKind) {
  const input = (request: Request) => payloadOf<MovementInput & { timeoutSeconds?: number }>(request);
  return moving(
    async (trx, request) => movementReply(await moveBy(kind, trx, scopeOf(request), input(request))),
    async (request) =>
      movementReply(await movePoints(request.server.app.db, kind, scopeOf(request), input(request))),
  );
}

function resolutionHandler(changeOf: (payload: { amount?: number; reason?: string }) => Change) {
  const args = (request: Request) => ({
    id: paramsOf<{ id: string }>(request).id,
    change: changeOf(payloadOf<{ amount?: number; reason?: string } | null>(request) ?? {}),
  });
  return moving(
    async (trx, request) => {
      const { id, change } = args(request);
      return resolutionReply(await resolve(trx, scopeOf(request), id, change));
    },
    async (request) => {
      const { id, change } = args(request);
      return resolutionReply(await resolveReservation(request.server.app.db, scopeOf(request), id, change));
    },
  );
}

export function ledgerRoutes(config: Config): ServerRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/ledger/credits',
      options: {
        ...answers('createCredit', { 200: movementAnswer, 201: movementAnswer }),
        description: 'Credit points to a member (posted at once)',
        tags: ['api', 'ledger'],
        auth: movers,
        pre: crediting,
        validate: { payload: Joi.object(movement).label('Credit') },
      },
      handler: movementHandler('credit'),
    },
    {
      method: 'POST',
      path: '/v1/ledger/reservations',
      options: {
        ...answers('createReservation', { 200: movementAnswer, 201: movementAnswer }),
        description: 'Reserve points (a pending deduction) until confirmed, released or expired',
        notes: 'Not enough points → 409 insufficient_balance with the available amount in details.',
        tags: ['api', 'ledger'],
        auth: movers,
        pre: redeeming,
        validate: {
          payload: Joi.object({
            ...movement,
            timeoutSeconds: Joi.number().integer().min(1).max(config.reservationMaxSeconds).default(900),
          }).label('Reservation'),
        },
      },
      handler: movementHandler('reserve'),
    },
    {
      method: 'POST',
      path: '/v1/ledger/reservations/{id}/confirm',
      options: {
        ...answers('confirmReservation', { 200: movementAnswer }),
        description:
          'Confirm a reservation; an amount below the reserved one posts that and releases the rest',
        tags: ['api', 'ledger'],
        auth: movers,
        pre: redeeming,
        validate: {
          params: idParams,
          payload: Joi.object({ amount: points }).allow(null).label('Confirmation'),
        },
      },
      handler: resolutionHandler(({ amount }) => confirmation(amount)),
    },
    {
      method: 'POST',
      path: '/v1/ledger/reservations/{id}/release',
      options: {
        ...answers('releaseReservation', { 200: movementAnswer }),
        description: 'Release a reservation: the points go back to the member',
        tags: ['api', 'ledger'],
        auth: movers,
        pre: redeeming,
        validate: {
          params: idParams,
          payload: Joi.object({ reason: Joi.string().max(500) })
            .allow(null)
            .label('Release'),
        },
      },
      handler: resolutionHandler(({ reason }) => releasing(reason)),
    },
    {
      method: 'POST',
      path: '/v1/ledger/debits',
      options: {
        ...answers('createDebit', { 200: movementAnswer, 201: movementAnswer }),
        description: 'Deduct points in one step',
        tags: ['api', 'ledger'],
        auth: movers,
        pre: redeeming,
        validate: { payload: Joi.object(movement).label('Debit') },
      },
      handler: movementHandler('debit'),
    },
    {
      method: 'POST',
      path: '/v1/ledger/reversals',
      options: {
        ...answers('createReversal', { 200: movementAnswer, 201: movementAnswer }),
        description: 'Reverse a posted transfer with a correcting transfer, once',
        tags: ['api', 'ledger'],
        auth: movers,
        pre: redeeming,
        validate: {
          payload: Joi.object({
            transferId: Joi.string().guid().required(),
            reason: Joi.string().max(500).required(),
          }).label('Reversal'),
        },
      },
      handler: moving(async (trx, request) => {
        const { transferId, reason } = payloadOf<{ transferId: string; reason: string }>(request);
        return movementReply(await reverse(trx, scopeOf(request), transferId, reason));
      }),
    },
    {
      method: 'GET',
      path: '/v1/members/{externalRef}/balance',
      options: {
        ...answers('getMemberBalance', { 200: balanceAnswer }),
        description: "A member's points: available, pending (reserved) and posted",
        tags: ['api', 'ledger'],
        auth: readers,
        pre: redeeming,
        validate: { params: Joi.object({ externalRef: memberRef.required() }) },
      },
      handler: (request) =>
        memberBalance(
          request.server.app.db,
          scopeOf(request),
          paramsOf<{ externalRef: string }>(request).externalRef,
        ),
    },
    {
      method: 'GET',
      path: '/v1/ledger/transfers',
      options: {
        ...answers('listTransfers', { 200: transferPage }),
        description: 'The transfer log, filterable by member, source, status, reference and time',
        tags: ['api', 'ledger'],
        auth: readers,
        pre: redeeming,
        validate: {
          query: Joi.object({
            memberRef,
            source,
            status: Joi.string().valid('pending', 'posted', 'voided', 'expired'),
            reference: Joi.string().max(200),
            from: Joi.date().iso(),
            to: Joi.date().iso(),
            limit: Joi.number().integer().min(1).max(200).default(50),
            cursor: Joi.string().max(512),
          }),
        },
      },
      handler: (request) =>
        listTransfers(request.server.app.db, scopeOf(request), queryOf<TransferQuery>(request)),
    },
    {
      method: 'GET',
      path: '/v1/ledger/transfers/{id}',
      options: {
        ...answers('getTransfer', { 200: transferAnswer }),
        description: 'One transfer',
        tags: ['api', 'ledger'],
        auth: readers,
        pre: redeeming,
        validate: { params: idParams },
      },
      handler: (request) =>
        getTransfer(request.server.app.db, scopeOf(request), paramsOf<{ id: string }>(request).id),
    },
    {
      method: 'GET',
      path: '/v1/ledger/accounts',
      options: {
        ...answers('getLedgerAccounts', { 200: accountsAnswer }),
        description: "The tenant's system accounts and the totals of all accounts, from the transfer log",
        tags: ['api', 'ledger'],
        auth: { access: { scope: ['admin'] } },
      },
      handler: (request) => ledgerAccounts(request.server.app.db, scopeOf(request)),
    },
  ];
}
