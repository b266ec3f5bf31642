// Owns the Joi schemas of what the ledger answers: balances, transfers and the system accounts.
import Joi from 'joi';
import { pageOf } from '../paging.ts';
import { nullable } from '../payloads.ts';

export const balanceAnswer = Joi.object({
  available: Joi.number().integer().required().description('posted minus reserved: what may be spent'),
  pending: Joi.number().integer().required().description('reserved, not yet confirmed or released'),
  posted: Joi.number().integer().required(),
  unit: Joi.string().valid('points').required(),
}).label('Balance');

const transferFields = {
  id: Joi.string().guid().required(),
  kind: Joi.string().valid('credit', 'reservation', 'debit', 'reversal').required(),
  memberRef: Joi.string().required(),
  amount: Joi.number().integer().required(),
  postedAmount: nullable(Joi.number().integer()),
  status: Joi.string().valid('pending', 'posted', 'voided', 'expired').required(),
  source: Joi.string().required(),
  reference: nullable(Joi.string()),
  reason: nullable(Joi.string()),
  partnerId: nullable(Joi.string().guid()),
  metadata: Joi.object().unknown(true).required(),
  reversesId: nullable(Joi.string().guid()),
  expiresAt: nullable(Joi.date()),
  resolvedAt: nullable(Joi.date()),
  resolutionReason: nullable(Joi.string()),
  createdAt: Joi.date().required(),
};

export const transferAnswer = Joi.object(transferFields).label('Transfer');

export const movementAnswer = Joi.object({ ...transferFields, balance: balanceAnswer.required() })
  .label('TransferWithBalance')
  .description("The transfer, and the member's balance after it");

export const transferPage = pageOf(transferAnswer, 'TransferPage');

const counters = {
  debitsPending: Joi.number().integer().required(),
  debitsPosted: Joi.number().integer().required(),
  creditsPending: Joi.number().integer().required(),
  creditsPosted: Joi.number().integer().required(),
};

export const accountsAnswer = Joi.object({
  system: Joi.array()
    .items(
      Joi.object({ id: Joi.string().guid().required(), kind: Joi.string().required(), ...counters }).label(
        'SystemAccount',
      ),
    )
    .required(),
  totals: Joi.object(counters).required().label('LedgerTotals'),
  memberAccounts: Joi.number().integer().required(),
}).label('LedgerAccounts');
