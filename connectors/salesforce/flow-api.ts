// Owns the API document Salesforce External Services registers so that a Flow can call Tessera without
// code: the five operations a Flow needs, OpenAPI 3.0, within External Services' schema limits (named
// object schemas for every answer, no oneOf/anyOf/allOf/not, no free-form objects, no GET with a body),
// and the Idempotency-Key header declared on every mutation so that a Flow can pass it.
const string = { type: 'string' };
const integer = { type: 'integer', format: 'int64' };
const dateTime = { type: 'string', format: 'date-time' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'The same key with the same request answers the first answer again; nothing happens twice',
  schema: { type: 'string', maxLength: 255 },
};
const errors = {
  400: json('Error', 'The request is not valid (validation_failed)'),
  401: json('Error', 'No valid API key'),
  404: json('Error', 'Unknown member, campaign or issuance (not_found)'),
  409: json(
    'Error',
    'Refused: campaign_not_active, outside_dates, not_eligible, member_cap_reached, campaign_cap_reached, budget_exhausted',
  ),
};
const memberRefPath = { name: 'externalRef', in: 'path', required: true, schema: string };

const schemas = {
  MemberFields: {
    type: 'object',
    properties: { name: string, email: string, phone: string, country: string, tier: string },
  },
  Member: {
    type: 'object',
    properties: {
      externalRef: string,
      name: string,
      email: string,
      phone: string,
      country: string,
      tier: string,
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  SendRewardRequest: {
    type: 'object',
    required: ['campaignId', 'memberRef'],
    properties: {
      campaignId: string,
      memberRef: { type: 'string', description: 'the Contact Id, or the reference your members carry' },
      member: ref('MemberFields'),
      reason: string,
      requestId: {
        type: 'string',
        description: 'used as the Idempotency-Key when none is sent, e.g. the Opportunity Id and the step',
      },
    },
  },
  Reward: {
    type: 'object',
    properties: { type: string, amount: integer, offerId: string, denomination: integer },
  },
  Issuance: {
    type: 'object',
    properties: {
      id: string,
      campaignId: string,
      memberRef: string,
      origin: string,
      reason: string,
      reward: ref('Reward'),
      cost: integer,
      status: { type: 'string', description: 'pending_approval, approved, rejected, fulfilled or failed' },
      failureReason: string,
      voucherCode: string,
      createdAt: dateTime,
      fulfilledAt: dateTime,
    },
  },
  EventData: {
    type: 'object',
    description: 'What a CRM sends with a business event; campaign rules read these fields',
    properties: {
      amount: { type: 'number' },
      currency: string,
      opportunityId: string,
      accountId: string,
      stage: string,
      closeDate: { type: 'string', format: 'date' },
      productCode: string,
      quantity: { type: 'number' },
    },
  },
  EventRequest: {
    type: 'object',
    required: ['type', 'source', 'sourceEventId', 'memberRef'],
    properties: {
      type: { type: 'string', description: 'e.g. crm.deal_closed' },
      source: { type: 'string', description: 'e.g. salesforce' },
      sourceEventId: { type: 'string', description: 'unique per source: a repeat is answered, not counted' },
      memberRef: string,
      member: ref('MemberFields'),
      occurredAt: dateTime,
      data: ref('EventData'),
    },
  },
  SourceEvent: {
    type: 'object',
    properties: {
      id: string,
      type: string,
      source: string,
      sourceEventId: string,
      memberRef: string,
      status: string,
      occurredAt: dateTime,
      receivedAt: dateTime,
    },
  },
  Balance: {
    type: 'object',
    properties: { available: integer, pending: integer, posted: integer, unit: string },
  },
  ErrorBody: { type: 'object', properties: { code: string, message: string } },
  Error: { type: 'object', properties: { error: ref('ErrorBody') } },
};

export function salesforceFlowApi(serverUrl: string, version: string) {
  return {
    openapi: '3.0.0',
    info: {
      title: 'Tessera for Salesforce Flows',
      version,
      description: 'Register as an External Service with a Named Credential that sends your Tessera API key',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    paths: {
      '/v1/issuances': {
        post: {
          operationId: 'sendReward',
          summary: 'Send a reward under a campaign’s governance',
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('SendRewardRequest') } },
          },
          responses: { 201: json('Issuance', 'The reward'), ...errors },
        },
      },
      '/v1/issuances/{id}': {
        get: {
          operationId: 'getIssuance',
          summary: 'One reward and its status',
          parameters: [{ name: 'id', in: 'path', required: true, schema: string }],
          responses: { 200: json('Issuance', 'The reward'), 401: errors[401], 404: errors[404] },
        },
      },
      '/v1/events': {
        post: {
          operationId: 'postEvent',
          summary: 'Report a business event (a deal closed) for the campaigns listening to it',
          parameters: [idempotencyKey],
          requestBody: { required: true, content: { 'application/json': { schema: ref('EventRequest') } } },
          responses: {
            200: json('SourceEvent', 'Taken in before: the first answer'),
            201: json('SourceEvent', 'Taken in'),
            400: errors[400],
            401: errors[401],
          },
        },
      },
      '/v1/members/{externalRef}': {
        put: {
          operationId: 'upsertMember',
          summary: 'Create or update a member',
          parameters: [memberRefPath, idempotencyKey],
          requestBody: { required: true, content: { 'application/json': { schema: ref('MemberFields') } } },
          responses: {
            200: json('Member', 'Updated'),
            201: json('Member', 'Created'),
            400: errors[400],
            401: errors[401],
          },
        },
      },
      '/v1/members/{externalRef}/balance': {
        get: {
          operationId: 'getMemberBalance',
          summary: 'A member’s points',
          parameters: [memberRefPath],
          responses: { 200: json('Balance', 'The balance'), 401: errors[401], 404: errors[404] },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
    },
  };
}
