// Owns the SMS channel through Twilio's Messages API: `POST /2010-04-01/Accounts/{sid}/Messages.json`
// with a form body and Basic auth (account SID and auth token). A 429, a 5xx or a network failure is
// transient; an error Twilio names as the number's (21211 invalid, 21614 not mobile, 21610 opted out) or
// any other 4xx is permanent.
import Joi from 'joi';
import type { FailureReason, OutgoingMessage, SendResult } from '../../core/delivery/channel.ts';
import { networkFailure } from '../framework/channel-sender.ts';
import {
  type ChannelContext,
  type Connector,
  ConnectorError,
  type WriteBackContext,
} from '../framework/connector.ts';
import { receiveStatus } from './status.ts';

export interface TwilioConfig {
  baseUrl: string;
  accountSid: string;
  from?: string;
  messagingServiceSid?: string;
  statusCallbackUrl?: string;
}

type TwilioCredentials = { authToken: string };
type Context = WriteBackContext<TwilioConfig, TwilioCredentials>;

const configSchema = Joi.object({
  baseUrl: Joi.string()
    .uri({ scheme: ['https', 'http'] })
    .default('https://api.twilio.com'),
  accountSid: Joi.string()
    .pattern(/^AC[0-9a-fA-F]{32}$/)
    .required(),
  from: Joi.string().pattern(/^\+[1-9]\d{6,14}$/),
  messagingServiceSid: Joi.string().pattern(/^MG[0-9a-fA-F]{32}$/),
  statusCallbackUrl: Joi.string().uri({ scheme: ['https', 'http'] }),
}).xor('from', 'messagingServiceSid');

const credentialsSchema = Joi.object({ authToken: Joi.string().required() });

// Errors about the recipient: sending again cannot help.
const PERMANENT = new Map<number, FailureReason>([
  [21211, 'invalid_address'],
  [21614, 'not_mobile'],
  [21610, 'opted_out'],
]);

const authorization = ({ connection }: Context) =>
  `Basic ${Buffer.from(`${connection.config.accountSid}:${connection.credentials?.authToken}`).toString('base64')}`;

const url = ({ connection }: Context, path: string) =>
  new URL(
    `/2010-04-01/Accounts/${connection.config.accountSid}${path}`,
    connection.config.baseUrl,
  ).toString();

function failure(status: number, body: { code?: number; message?: string }, retryAfter?: string): SendResult {
  const reason = `${status}${body.code ? ` ${body.code}` : ''}: ${body.message ?? 'no message'}`.slice(
    0,
    300,
  );
  const permanent = body.code === undefined ? undefined : PERMANENT.get(body.code);
  if (permanent) return { ok: false, transient: false, code: permanent, reason };
  const retryAfterMs = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  if (status === 429)
    return { ok: false, transient: true, code: 'throttled', reason, ...(retryAfterMs && { retryAfterMs }) };
  if (status >= 500) return { ok: false, transient: true, code: 'provider_unavailable', reason };
  return { ok: false, transient: false, code: 'rejected', reason };
}

async function send(
  ctx: ChannelContext<TwilioConfig, TwilioCredentials>,
  message: OutgoingMessage,
): Promise<SendResult> {
  const { config } = ctx.connection;
  const form = new URLSearchParams({ To: message.to, Body: message.text });
  if (config.from) form.set('From', config.from);
  if (config.messagingServiceSid) form.set('MessagingServiceSid', config.messagingServiceSid);
  // Status reports come back to the connection's own URL unless the config names another.
  const callback = config.statusCallbackUrl ?? ctx.callbackUrl;
  if (callback) form.set('StatusCallback', callback);
  try {
    const response = await ctx.http.post(url(ctx, '/Messages.json'), {
      body: form.toString(),
      headers: { authorization: authorization(ctx), 'content-type': 'application/x-www-form-urlencoded' },
      responseType: 'json',
    });
    const body = (response.body ?? {}) as { sid?: string; code?: number; message?: string };
    if (response.statusCode === 201 && body.sid) return { ok: true, providerId: body.sid };
    return failure(response.statusCode, body, response.headers['retry-after'] as string | undefined);
  } catch (error) {
    return networkFailure(error);
  }
}

export const twilio: Connector<TwilioConfig, TwilioCredentials> = {
  type: 'twilio',
  // No retries in the HTTP client: a transient failure goes back to the delivery queue, which retries
  // on its own schedule and honours Retry-After without holding a send slot.
  describe: { title: 'Twilio (SMS)', auth: 'basic', paging: 'none', limits: { retries: 0 } },
  config: configSchema,
  credentials: credentialsSchema,
  // The account itself: a cheap authenticated read.
  check: async (ctx) => {
    const response = await ctx.http.get(url(ctx, '.json'), {
      headers: { authorization: authorization(ctx) },
    });
    if (response.statusCode === 401)
      throw new ConnectorError('auth_failed', 'Twilio refused the account SID and auth token');
    if (response.statusCode >= 400)
      throw new ConnectorError('vendor_unavailable', `Twilio answered ${response.statusCode}`);
  },
  channel: { name: 'sms', send },
  handleInbound: receiveStatus,
};
