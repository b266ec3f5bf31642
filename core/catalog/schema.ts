// Owns the Joi shapes of the catalog: partners, offers with their denominations, voucher code uploads.
import Joi from 'joi';
import { eligibility } from '../members/eligibility.ts';
import { pageOf } from '../paging.ts';
import { countryCode, nullable } from '../payloads.ts';

export const ledgerAccess = Joi.string()
  .valid('none', 'redeem', 'redeem_and_credit')
  .description(
    "what the partner's keys may do on the ledger: nothing (a redemption partner), `redeem` (balances, " +
      'reserve, confirm, release, debit, reverse: an external loyalty platform), or `redeem_and_credit`',
  );

const OFFER_TYPES = ['gift_card', 'experience', 'merchandise', 'wallet'];

export const profile = Joi.object({
  category: Joi.string().trim().min(1).max(100).description('e.g. dining, fuel, travel'),
  geographies: Joi.array().items(countryCode).min(1).max(300).unique(),
  rewardTypes: Joi.array()
    .items(Joi.string().valid(...OFFER_TYPES))
    .min(1)
    .unique(),
  audience: Joi.string().trim().min(1).max(500).description('who the offers are for'),
})
  .description('complete when it has all four')
  .label('PartnerProfile');

const sourcedBy = Joi.string()
  .valid('network', 'client')
  .description("from Tessera's partner network, or sourced by the client itself");

const partnerFields = {
  ledgerAccess,
  sourcedBy,
  profile,
  eligibility: eligibility.allow(null).description("who the partner's offers are for"),
};

export const partnerInput = Joi.object({
  name: Joi.string().trim().min(1).max(200).required(),
  ...partnerFields,
  ledgerAccess: ledgerAccess.default('none'),
  sourcedBy: sourcedBy.default('network'),
}).label('PartnerInput');

export const partnerChange = Joi.object({ name: Joi.string().trim().min(1).max(200), ...partnerFields })
  .min(1)
  .label('PartnerChange');

export const STAGES = ['profiling', 'offer_setup', 'eligibility', 'uat', 'live', 'suspended'] as const;

export const stageMove = Joi.object({
  stage: Joi.string()
    .valid(...STAGES)
    .required(),
}).label('PartnerStageMove');

const amount = Joi.number().integer().min(1).max(100_000_000);

const pointsPerUnit = Joi.number()
  .greater(0)
  .max(1_000_000)
  .precision(4)
  .description('points per unit of the denomination: the marketplace price (none: not in the marketplace)');

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
  type: Joi.string()
    .valid(...OFFER_TYPES)
    .required(),
  currency: Joi.string()
    .pattern(/^[A-Z]{3}$/)
    .required(),
  denominations: denominations.required(),
  expiryDays: Joi.number().integer().min(1).max(3650),
  country: countryCode,
  eligibility: eligibility.allow(null).description("who the offer is for, with the partner's rules"),
}).label('OfferInput');

export const offerChange = Joi.object({
  name: Joi.string().trim().min(1).max(200),
  denominations,
  expiryDays: Joi.number().integer().min(1).max(3650).allow(null),
  country: countryCode.allow(null),
  eligibility: eligibility.allow(null),
  pointsPerUnit: pointsPerUnit.allow(null),
})
  .min(1)
  .label('OfferChange');

export const termsInput = Joi.object({ text: Joi.string().trim().min(1).max(20_000).required() }).label(
  'OfferTermsInput',
);

export const termsAnswer = Joi.object({
  id: Joi.string().guid().required(),
  offerId: Joi.string().guid().required(),
  version: Joi.number().integer().required(),
  text: Joi.string().required(),
  createdAt: Joi.date().required(),
}).label('OfferTerms');

export const MAX_CODES = 50_000;

export const codeUpload = Joi.object({
  denomination: amount.required(),
  codes: Joi.array().items(Joi.string().trim().min(4).max(200)).min(1).max(MAX_CODES).required(),
}).label('VoucherCodeUpload');

export const partnerAnswer = Joi.object({
  id: Joi.string().guid().required(),
  name: Joi.string().required(),
  ledgerAccess: ledgerAccess.required(),
  sourcedBy: sourcedBy.required(),
  stage: Joi.string()
    .valid(...STAGES)
    .required(),
  profile: Joi.object().unknown(true).required(),
  eligibility: nullable(Joi.object().unknown(true)),
  wentLiveAt: nullable(Joi.date()),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
}).label('Partner');

export const stageAnswer = partnerAnswer
  .keys({
    apiKey: Joi.object({
      id: Joi.string().guid().required(),
      key: Joi.string().allow(null).required(),
      name: Joi.string().required(),
      role: Joi.string().valid('partner').required(),
    })
      .unknown(true)
      .description("the partner's first API key, shown once, when it first goes live")
      .label('PartnerFirstKey'),
  })
  .label('PartnerStage');

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
  eligibility: nullable(Joi.object().unknown(true)),
  pointsPerUnit: nullable(Joi.number()),
  createdAt: Joi.date().required(),
};

export const offerAnswer = Joi.object(offerFields).label('Offer');
export const offerWithStock = Joi.object({ ...offerFields, stock: stock.required() }).label('OfferWithStock');
export const offerPage = pageOf(offerAnswer, 'OfferPage');
export const codesLoaded = Joi.object({
  loaded: Joi.number().integer().required(),
  stock: stock.required(),
}).label('VoucherCodesLoaded');
