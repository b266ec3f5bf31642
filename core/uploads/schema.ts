// Owns the Joi schemas of what the upload routes take and answer.
import Joi from 'joi';
import { pageOf } from '../paging.ts';
import { nullable } from '../payloads.ts';

const count = Joi.number().integer().required();

export const uploadAnswer = Joi.object({
  id: Joi.string().guid().required(),
  campaignId: nullable(Joi.string().guid()).description('the campaign of rows that name none'),
  status: Joi.string()
    .valid('receiving', 'validating', 'validated', 'approved', 'dispatching', 'dispatched', 'cancelled')
    .required(),
  format: Joi.string().valid('csv', 'json').required(),
  counts: Joi.object({ read: count, valid: count, invalid: count, dispatched: count, refused: count })
    .required()
    .label('UploadCounts'),
  summary: Joi.array()
    .items(Joi.object().unknown(true))
    .required()
    .description('per campaign: rows, cost, budgetRemaining, rewardsRemaining, stock, warnings'),
  createdAt: Joi.date().required(),
  validatedAt: nullable(Joi.date()),
  approvedAt: nullable(Joi.date()),
  dispatchedAt: nullable(Joi.date()),
}).label('Upload');

export const uploadPage = pageOf(uploadAnswer, 'UploadPage');

export const rowErrorAnswer = Joi.object({
  row: Joi.number().integer().required(),
  column: nullable(Joi.string()),
  value: nullable(Joi.string()).description('what the row held there, when that is the fault'),
  code: Joi.string().required(),
  message: Joi.string().required(),
}).label('UploadRowError');

export const rowErrorPage = pageOf(rowErrorAnswer, 'UploadRowErrorPage');

export const corrections = Joi.object({
  rows: Joi.array()
    .items(
      Joi.object({ row: Joi.number().integer().min(1), rowKey: Joi.string().max(200) })
        .or('row', 'rowKey')
        .unknown(true),
    )
    .min(1)
    .max(10_000)
    .required(),
}).label('UploadCorrections');
