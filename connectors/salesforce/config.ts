// Owns what a Salesforce connection is configured with: the org and how to log in, which Outbound
// Messages become which events, the contact sync's fields, and the write-back's object and fields.
import Joi from 'joi';

const fieldName = Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_.]{0,79}$/);
const fieldMap = Joi.object().pattern(Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), fieldName);

export interface OutboundMapping {
  eventType: string;
  memberRef: string;
  occurredAt?: string;
  data?: Record<string, string>;
}

export interface SalesforceConfig {
  loginUrl: string;
  apiVersion: string;
  auth: 'client_credentials' | 'jwt_bearer';
  username?: string;
  orgId?: string;
  outboundMessages: Record<string, OutboundMapping>;
  contacts?: {
    object: 'Contact' | 'Lead';
    fields: { externalRef: string; name?: string; email?: string; phone?: string; tier?: string };
    attributes: Record<string, string>;
  };
  writeBack?: { object: string; externalIdField: string; fields: Record<string, string> };
}

export interface SalesforceCredentials {
  clientId: string;
  clientSecret?: string;
  privateKey?: string;
}

export const configSchema = Joi.object({
  loginUrl: Joi.string()
    .uri({ scheme: ['https', 'http'] })
    .default('https://login.salesforce.com')
    .description('production, https://test.salesforce.com for a sandbox, or your My Domain URL'),
  apiVersion: Joi.string()
    .pattern(/^\d{2}\.0$/)
    .default('62.0'),
  auth: Joi.string().valid('client_credentials', 'jwt_bearer').default('client_credentials'),
  username: Joi.string().when('auth', { is: 'jwt_bearer', then: Joi.required() }),
  orgId: Joi.string().pattern(/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/),
  outboundMessages: Joi.object()
    .pattern(
      fieldName,
      Joi.object({
        eventType: Joi.string()
          .pattern(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/)
          .required(),
        memberRef: fieldName.required(),
        occurredAt: fieldName,
        data: fieldMap.default({}),
      }),
    )
    .default({}),
  contacts: Joi.object({
    object: Joi.string().valid('Contact', 'Lead').default('Contact'),
    fields: Joi.object({
      externalRef: fieldName.default('Id'),
      name: fieldName.default('Name'),
      email: fieldName.default('Email'),
      phone: fieldName.default('MobilePhone'),
      tier: fieldName,
    }).default(),
    attributes: fieldMap.default({}),
  }),
  writeBack: Joi.object({
    object: fieldName.required().description('e.g. Reward__c'),
    externalIdField: fieldName.required().description('an External ID field holding the issuance id'),
    fields: fieldMap.default({}).description('Salesforce field → issuance field (status, campaignId, …)'),
  }),
});

export const credentialsSchema = Joi.object({
  clientId: Joi.string().required(),
  clientSecret: Joi.string(),
  privateKey: Joi.string().pattern(/-----BEGIN (RSA )?PRIVATE KEY-----/),
}).or('clientSecret', 'privateKey');
