// Owns the query parameters every list route takes; the list shape itself is core/paging.ts's.
import Joi from 'joi';

export const pageQuery = {
  limit: Joi.number().integer().min(1).max(200).default(50),
  cursor: Joi.string().max(512),
};
