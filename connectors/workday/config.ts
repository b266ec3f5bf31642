// Owns what a Workday connection is configured with: the tenant, whether workers come from a custom
// report (Reports-as-a-Service, Basic with an integration system user) or the REST workers API (OAuth
// refresh token), and which columns or properties become members.
import Joi from 'joi';
import { type MilestonesConfig, milestonesSchema } from '../framework/milestones.ts';

// A report column alias, or a dotted path into a REST worker (primarySupervisoryOrganization.descriptor).
const path = Joi.string().pattern(/^[A-Za-z_][A-Za-z0-9_]{0,79}(\.[A-Za-z_][A-Za-z0-9_]{0,79}){0,4}$/);
const attributeName = Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);

export interface WorkdayConfig {
  baseUrl: string;
  tenant: string;
  source: 'raas' | 'rest';
  report?: { owner: string; name: string };
  fields: { externalRef: string; name?: string; email?: string; phone?: string };
  attributes: Record<string, string>;
  // Workers whose `field` holds one of `inactive` are leavers.
  status?: { field: string; inactive: string[] };
  milestones?: MilestonesConfig;
}

export interface WorkdayCredentials {
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
}

export const configSchema = Joi.object({
  baseUrl: Joi.string()
    .uri({ scheme: ['https', 'http'] })
    .required()
    .description("the tenant's services host, e.g. https://wd2-impl-services1.workday.com"),
  tenant: Joi.string()
    .pattern(/^[A-Za-z0-9_-]{1,100}$/)
    .required(),
  source: Joi.string().valid('raas', 'rest').default('raas'),
  report: Joi.object({
    owner: Joi.string()
      .pattern(/^[A-Za-z0-9_.@-]{1,100}$/)
      .required(),
    name: Joi.string()
      .pattern(/^[A-Za-z0-9_.-]{1,100}$/)
      .required(),
  }).when('source', { is: 'raas', then: Joi.required() }),
  fields: Joi.object({
    externalRef: path.required(),
    name: path,
    email: path,
    phone: path,
  }).required(),
  attributes: Joi.object().pattern(attributeName, path).default({}),
  status: Joi.object({
    field: path.required(),
    inactive: Joi.array().items(Joi.string()).min(1).required(),
  }),
  milestones: milestonesSchema,
});

export const credentialsSchema = Joi.object({
  username: Joi.string().description('the integration system user (RaaS)'),
  password: Joi.string(),
  clientId: Joi.string().description('the API client (REST)'),
  clientSecret: Joi.string(),
  refreshToken: Joi.string(),
})
  .and('username', 'password')
  .and('clientId', 'clientSecret', 'refreshToken')
  .or('username', 'clientId');
