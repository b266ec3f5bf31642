// Owns the Joi schemas of a member's fields, reused wherever a member is sent to Tessera.
import Joi from 'joi';
import { countryCode, freeForm, nullable } from '../payloads.ts';

export const memberRef = Joi.string()
  .pattern(/^[A-Za-z0-9._:@+-]{1,200}$/)
  .description("the member's id in the source system (letters, digits and . _ : @ + -)");

export const memberStatus = Joi.string()
  .valid('active', 'inactive')
  .description('an inactive member (a leaver) keeps their history but earns no new rewards');

const e164 = Joi.string()
  .pattern(/^\+[1-9]\d{6,14}$/)
  .message('{{#label}} must be an E.164 number such as +14155550123');

// BCP 47, kept in its canonical form (pt-br is pt-BR).
export const locale = Joi.string()
  .max(35)
  .custom((value: string, helpers) => {
    try {
      return Intl.getCanonicalLocales(value)[0];
    } catch {
      return helpers.message({ custom: 'must be a BCP 47 locale such as en, pt-BR or hi-IN' });
    }
  });

export const memberFields = Joi.object({
  name: Joi.string().trim().max(200).allow(null),
  email: Joi.string().email({ tlds: false }).max(254).allow(null),
  phone: e164.allow(null),
  whatsapp: e164.allow(null),
  preferredChannel: Joi.string().valid('sms', 'email', 'whatsapp').allow(null),
  locale: locale.allow(null),
  optOuts: Joi.array()
    .items(Joi.string().valid('sms', 'email', 'whatsapp'))
    .unique()
    .description('channels the member is not messaged on; [] clears them'),
  country: countryCode.allow(null),
  tier: Joi.string().max(50).allow(null),
  segments: Joi.array().items(Joi.string().max(100)).max(100).unique(),
  attributes: freeForm({ maxBytes: 16_384 }).description('free-form attributes used by eligibility rules'),
  status: memberStatus,
}).label('MemberFields');

const uuid = Joi.string().guid();

export const memberAnswer = Joi.object({
  id: uuid.required(),
  externalRef: memberRef.required(),
  name: nullable(Joi.string()),
  email: nullable(Joi.string()),
  phone: nullable(Joi.string()),
  whatsapp: nullable(Joi.string()),
  preferredChannel: nullable(Joi.string().valid('sms', 'email', 'whatsapp')),
  locale: nullable(Joi.string()),
  optOuts: Joi.array().items(Joi.string()),
  country: nullable(Joi.string()),
  tier: nullable(Joi.string()),
  segments: Joi.array().items(Joi.string()).required(),
  attributes: Joi.object().unknown(true).required(),
  status: memberStatus.required(),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
}).label('Member');
