// Owns the Joi shapes of the catalog: partners, offers with their denominations, voucher code uploads.
import Joi from 'joi';
import { pageOf } from '../paging.ts';
import { countryCode, nullable } from '../payloads.ts';

export const ledgerAccess = Joi.string()
  .valid('none', 'redeem', 'redeem_and_credit')
  .description(
    "what the partner's keys may do on the ledger: nothing (a redemption partner), `redeem` (balances, " +
      'reserve, confirm, release, debit, reverse: an external loyalty platform), or `redeem_and_credit`',
  );

export const partnerInput = Joi.object({
  name: Joi.string().trim().min(1).max(200).required(),
  ledgerAccess: ledgerAccess.default('none'),
}).label('PartnerInput');

export const partnerChange = Joi.object({
  name: Joi.string().trim().min(1).max(200),
  ledgerAccess,
})
  .min(1)
  .label('PartnerChange');

const amount = Joi.number().integer().min(1).max(100_000_000);

export const denominations = Joi.alternatives()
  .try(
    Joi.object({ fixed: Joi.array().items(amount).min(1).max(100).unique().required() }),
    Joi.object({ min: amount.required(), max: amount.required(), step: amount.required() }),
  )
  .description('a fixed list `{ "fixed": [500, 1000] }`, or a range `{ "min", "max", "step" }`')
  .label('Denominations');

export const offerInput = Joi.object({
  partnerId: Joi.string().guid().required(),
  name: Joi.string().trim().min(1).max(200).required(),
  type: Joi.string().valid('gift_card', 'experience', 'merchandise', 'wallet').required(),
  currency: Joi.string()
    .pattern(/^[A-Z]{3}$/)
    .required(),
  denominations: denominations.required(),
  expiryDays: Joi.number().integer().min(1).max(3650),
  country: countryCode,
}).label('OfferInput');

export const MAX_CODES = 50_000;

export const codeUpload = Joi.object({
  denomination: amount.required(),
  codes: Joi.array().items(Joi.string().trim().min(4).max(200)).min(1).max(MAX_CODES).required(),
}).label('VoucherCodeUpload');

export const partnerAnswer = Joi.object({
  id: Joi.string().guid().required(),
  name: Joi.string().required(),
  ledgerAccess: ledgerAccess.required(),
  createdAt: Joi.date().required(),
}).label('Partner');

export const partnerPage = pageOf(partnerAnswer, 'PartnerPage');

const stock = Joi.array()
  .items(
    Joi.object({
      denomination: Joi.number().integer().required(),
      available: Joi.number().integer().required(),
      assigned: Joi.number().integer().required(),
    }).label('StockLevel'),
  )
  .description('voucher codes per denomination');

const offerFields = {
  id: Joi.string().guid().required(),
  partnerId: Joi.string().guid().required(),
  name: Joi.string().required(),
  type: Joi.string().required(),
  currency: Joi.string().required(),
  denominations: Joi.object()
    .unknown(true)
    .required()
    .description('{"fixed": [...]} or {"min", "max", "step"}'),
  expiryDays: nullable(Joi.number().integer()),
  country: nullable(Joi.string()),
  createdAt: Joi.date().required(),
};

export const offerAnswer = Joi.object(offerFields).label('Offer');
export const offerWithStock = Joi.object({ ...offerFields, stock: stock.required() }).label('OfferWithStock');
export const offerPage = pageOf(offerAnswer, 'OfferPage');
export const codesLoaded = Joi.object({
  loaded: Joi.number().integer().required(),
  stock: stock.required(),
}).label('VoucherCodesLoaded');
