// Owns the Joi schemas of what the issuance routes answer.
import Joi from 'joi';
import { pageOf } from '../paging.ts';
import { bulkResults, nullable } from '../payloads.ts';

export const issuanceAnswer = Joi.object({
  id: Joi.string().guid().required(),
  campaignId: Joi.string().guid().required(),
  memberRef: Joi.string().required(),
  origin: Joi.string()
    .valid('rule', 'api', 'upload')
    .required()
    .description('a campaign rule, sent by a caller, or a row of an upload'),
  sourceEventId: nullable(Joi.string().guid()),
  reason: nullable(Joi.string()),
  reward: Joi.object({ type: Joi.string().valid('points', 'voucher').required() })
    .unknown(true)
    .required()
    .label('IssuedReward'),
  cost: Joi.number().integer().required().description("what it takes from the campaign's budget"),
  status: Joi.string().valid('pending_approval', 'approved', 'rejected', 'fulfilled', 'failed').required(),
  failureReason: nullable(Joi.string()),
  decisionReason: nullable(Joi.string()),
  transferId: nullable(Joi.string().guid()),
  createdAt: Joi.date().required(),
  decidedAt: nullable(Joi.date()),
  fulfilledAt: nullable(Joi.date()),
  uploadId: nullable(Joi.string().guid()),
  uploadRow: nullable(Joi.number().integer()),
  voucherCode: nullable(Joi.string()).description('in full for admins, else its last 4 characters'),
  memberStatus: Joi.string()
    .valid('active', 'inactive')
    .description("the member's status now (on reads): an inactive member's held issuance is flagged"),
  delivery: nullable(
    Joi.object({
      id: Joi.string().guid().required(),
      status: Joi.string().valid('queued', 'sent', 'delivered', 'failed').required(),
      channel: nullable(Joi.string()),
    }).label('IssuanceDelivery'),
  ).description("the reward's message, once one is made (tenants with a message provider)"),
}).label('Issuance');

export const issuancePage = pageOf(issuanceAnswer, 'IssuancePage');

export const bulkApprovalAnswer = Joi.object({
  results: bulkResults('BulkApproval', { failureReason: Joi.string().allow(null) }),
}).label('BulkApproval');
