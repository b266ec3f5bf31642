// Owns the Joi schema of an audit entry as the audit route answers it.
import Joi from 'joi';
import { pageOf } from '../paging.ts';
import { nullable } from '../payloads.ts';

export const auditEntry = Joi.object({
  id: Joi.string().required(),
  actorKeyId: nullable(Joi.string().guid()),
  actorRole: nullable(Joi.string()),
  action: Joi.string().required(),
  entityType: Joi.string().required(),
  entityId: Joi.string().required(),
  requestId: nullable(Joi.string()),
  summary: nullable(Joi.string()),
  createdAt: Joi.date().required(),
}).label('AuditEntry');

export const auditPage = pageOf(auditEntry, 'AuditPage');
