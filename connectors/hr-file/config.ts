// Owns what an HR file connection is configured with: which CSV columns become a member's reference,
// name, email, phone and attributes, which column and values mark a leaver, and its milestones.
import Joi from 'joi';
import { type MilestonesConfig, milestonesSchema } from '../framework/milestones.ts';

// Column names are matched case-insensitively.
const column = Joi.string().trim().min(1).max(200).lowercase();
const attributeName = Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);

export interface HrFileConfig {
  columns: { externalRef: string; name?: string; email?: string; phone?: string };
  attributes: Record<string, string>;
  // Rows whose `column` holds one of `inactive` are leavers; without it every row listed is active.
  status?: { column: string; inactive: string[] };
  milestones?: MilestonesConfig;
}

export const configSchema = Joi.object({
  columns: Joi.object({
    externalRef: column.required().description("the column with the person's id, e.g. employee_id"),
    name: column,
    email: column,
    phone: column,
  }).required(),
  attributes: Joi.object()
    .pattern(attributeName, column)
    .default({})
    .description(
      'member attribute → column, e.g. {"department": "Department", "hireDate": "Date of Joining"}',
    ),
  status: Joi.object({
    column: column.required(),
    inactive: Joi.array().items(Joi.string()).min(1).required(),
  }),
  milestones: milestonesSchema,
});

// Files come through Tessera's own authenticated route: nothing to store.
export const credentialsSchema = Joi.object({});
