// Owns what a SuccessFactors connection is configured with: the tenant's API server and company, how
// to log in (OAuth 2.0 SAML bearer, or Basic on older tenants), and which User fields become members.
import Joi from 'joi';
import { type MilestonesConfig, milestonesSchema } from '../framework/milestones.ts';

const property = Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_]{0,79}$/);
const attributeName = Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);

export interface SuccessFactorsConfig {
  apiServer: string;
  companyId: string;
  auth: 'saml_bearer' | 'basic';
  // The SuccessFactors user the SAML assertion names (its permissions are the API's).
  userId?: string;
  fields: { externalRef: string; name?: string; email?: string; phone?: string };
  attributes: Record<string, string>;
  // Further User properties to read ($select), beside the mapped ones.
  select: string[];
  milestones?: MilestonesConfig;
}

export interface SuccessFactorsCredentials {
  clientId?: string;
  privateKey?: string;
  username?: string;
  password?: string;
}

export const configSchema = Joi.object({
  apiServer: Joi.string()
    .uri({ scheme: ['https', 'http'] })
    .required()
    .description("the tenant's API server, e.g. https://api4.successfactors.com"),
  companyId: Joi.string().max(100).required(),
  auth: Joi.string().valid('saml_bearer', 'basic').default('saml_bearer'),
  userId: Joi.string().max(100).when('auth', { is: 'saml_bearer', then: Joi.required() }),
  fields: Joi.object({
    externalRef: property.default('userId'),
    name: property.default('defaultFullName'),
    email: property.default('email'),
    phone: property,
  }).default(),
  attributes: Joi.object()
    .pattern(attributeName, property)
    .default({ department: 'department', division: 'division', location: 'location', hireDate: 'hireDate' })
    .description('member attribute → User property (department, division, location, custom01..15, …)'),
  select: Joi.array().items(property).max(100).default([]),
  milestones: milestonesSchema,
});

export const credentialsSchema = Joi.object({
  clientId: Joi.string().description("the OAuth client's API key"),
  privateKey: Joi.string()
    .pattern(/-----BEGIN (RSA )?PRIVATE KEY-----/)
    .description('the private key of the certificate registered with the OAuth client'),
  username: Joi.string(),
  password: Joi.string(),
})
  .and('clientId', 'privateKey')
  .and('username', 'password')
  .or('clientId', 'username');
