// Owns the WhatsApp channel through the Cloud API: `POST /{version}/{phone-number-id}/messages` with a
// Bearer token, always an approved template (a business-initiated text outside 24 hours fails with
// 131047). Rate limits (130429, 131056, 80007), 429, 5xx and network failures are transient; an
// undeliverable number (131026), 131047 and other 4xx are permanent.
import Joi from 'joi';
import type { FailureReason, OutgoingMessage, SendResult } from '../../core/delivery/channel.ts';
import { networkFailure } from '../framework/channel-sender.ts';
import {
  type ChannelContext,
  type Connector,
  ConnectorError,
  type WriteBackContext,
} from '../framework/connector.ts';
import { PERMANENT, receiveStatus, TRANSIENT } from './status.ts';

export interface WhatsAppConfig {
  baseUrl: string;
  apiVersion: string;
  phoneNumberId: string;
  verifyToken?: string;
}

type WhatsAppCredentials = { accessToken: string; appSecret?: string };
type Context = WriteBackContext<WhatsAppConfig, WhatsAppCredentials>;

const configSchema = Joi.object({
  baseUrl: Joi.string()
    .uri({ scheme: ['https', 'http'] })
    .default('https://graph.facebook.com'),
  apiVersion: Joi.string()
    .pattern(/^v\d+\.\d+$/)
    .default('v21.0'),
  phoneNumberId: Joi.string()
    .pattern(/^\d{5,20}$/)
    .required(),
  verifyToken: Joi.string()
    .min(8)
    .max(200)
    .description("what Meta's webhook handshake must present as hub.verify_token"),
});

const credentialsSchema = Joi.object({
  accessToken: Joi.string().required(),
  appSecret: Joi.string().description("the Meta app's secret, which signs status webhooks"),
});

type GraphError = { error?: { code?: number; message?: string } };

const endpoint = ({ connection }: Context, path = '') =>
  new URL(
    `/${connection.config.apiVersion}/${connection.config.phoneNumberId}${path}`,
    connection.config.baseUrl,
  ).toString();

const headers = ({ connection }: Context) => ({
  authorization: `Bearer ${connection.credentials?.accessToken}`,
});

function failure(status: number, body: GraphError): SendResult {
  const code = body.error?.code;
  const reason = `${status}${code ? ` ${code}` : ''}: ${body.error?.message ?? 'no message'}`.slice(0, 300);
  if (code !== undefined && PERMANENT.has(code))
    return { ok: false, transient: false, code: PERMANENT.get(code) as FailureReason, reason };
  if (status === 429 || (code !== undefined && TRANSIENT.has(code)))
    return { ok: false, transient: true, code: 'throttled', reason };
  if (status >= 500) return { ok: false, transient: true, code: 'provider_unavailable', reason };
  return { ok: false, transient: false, code: 'rejected', reason };
}

async function send(
  ctx: ChannelContext<WhatsAppConfig, WhatsAppCredentials>,
  message: OutgoingMessage,
): Promise<SendResult> {
  const template = message.whatsapp;
  if (!template)
    return { ok: false, transient: false, code: 'rejected', reason: 'WhatsApp needs an approved template' };
  const body = {
    messaging_product: 'whatsapp',
    to: message.to.replace(/^\+/, ''),
    type: 'template',
    template: {
      name: template.name,
      language: { code: template.language },
      components: [{ type: 'body', parameters: template.parameters.map((text) => ({ type: 'text', text })) }],
    },
  };
  try {
    const response = await ctx.http.post(endpoint(ctx, '/messages'), {
      json: body,
      headers: headers(ctx),
      responseType: 'json',
    });
    const answer = (response.body ?? {}) as GraphError & { messages?: Array<{ id: string }> };
    const id = answer.messages?.[0]?.id;
    if (response.statusCode === 200 && id) return { ok: true, providerId: id };
    return failure(response.statusCode, answer);
  } catch (error) {
    return networkFailure(error);
  }
}

export const whatsapp: Connector<WhatsAppConfig, WhatsAppCredentials> = {
  type: 'whatsapp',
  // Retries belong to the delivery queue, as for SMS.
  describe: { title: 'WhatsApp Cloud API', auth: 'none', paging: 'none', limits: { retries: 0 } },
  config: configSchema,
  credentials: credentialsSchema,
  // The phone number itself: a cheap authenticated read.
  check: async (ctx) => {
    const response = await ctx.http.get(endpoint(ctx), { headers: headers(ctx) });
    if (response.statusCode === 401)
      throw new ConnectorError('auth_failed', 'WhatsApp refused the access token');
    if (response.statusCode >= 400)
      throw new ConnectorError('vendor_unavailable', `WhatsApp answered ${response.statusCode}`);
  },
  channel: { name: 'whatsapp', send },
  handleInbound: receiveStatus,
};
