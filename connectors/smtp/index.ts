// Owns the email channel over SMTP (nodemailer): one message to one address. A 4xx reply or a network
// failure is transient (try again later); a 5xx reply, or every recipient refused, is permanent (try the
// member's next channel).
import Joi from 'joi';
import nodemailer from 'nodemailer';
import type { OutgoingMessage, SendResult } from '../../core/delivery/channel.ts';
import {
  type ChannelContext,
  type Connector,
  ConnectorError,
  type WriteBackContext,
} from '../framework/connector.ts';
import { closeAll, pooledTransport, transportOptions } from './pool.ts';

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  from: string;
  timeoutMs: number;
}

type SmtpCredentials = { user: string; pass: string };
type Context = WriteBackContext<SmtpConfig, SmtpCredentials>;

const configSchema = Joi.object({
  host: Joi.string().hostname().required(),
  port: Joi.number().integer().min(1).max(65535).default(587),
  secure: Joi.boolean()
    .default(false)
    .description('TLS from the start (port 465); otherwise STARTTLS when offered'),
  from: Joi.string().max(320).required().description('e.g. "Acme Rewards" <rewards@acme.example>'),
  timeoutMs: Joi.number().integer().min(1000).max(120_000).default(30_000),
});

const credentialsSchema = Joi.object({ user: Joi.string().required(), pass: Joi.string().required() });

// The check's own transport: one login, then closed.
const transportOf = ({ connection }: Context) => nodemailer.createTransport(transportOptions(connection));

type SmtpError = Error & { responseCode?: number; code?: string; response?: string };

function failure(error: SmtpError): SendResult {
  const reason = (error.response ?? error.message).slice(0, 300);
  const status = error.responseCode;
  // 550, 551 and 553: no such mailbox, not local, a bad address; other 5xx refuse the message itself.
  if (status && [550, 551, 553].includes(status))
    return { ok: false, transient: false, code: 'invalid_address', reason };
  if (status && status >= 500) return { ok: false, transient: false, code: 'rejected', reason };
  return { ok: false, transient: true, code: 'provider_unavailable', reason };
}

async function send(
  ctx: ChannelContext<SmtpConfig, SmtpCredentials>,
  message: OutgoingMessage,
): Promise<SendResult> {
  const transport = pooledTransport(ctx.connection);
  try {
    const info = await transport.sendMail({
      from: ctx.connection.config.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html && { html: message.html }),
    });
    if ((info.accepted ?? []).length === 0)
      return {
        ok: false,
        transient: false,
        code: 'invalid_address',
        reason: `Every recipient was refused: ${info.response}`,
      };
    return { ok: true, providerId: info.messageId };
  } catch (error) {
    return failure(error as SmtpError);
  }
}

export const smtp: Connector<SmtpConfig, SmtpCredentials> = {
  type: 'smtp',
  describe: { title: 'SMTP (email)', auth: ['basic', 'none'], paging: 'none' },
  config: configSchema,
  credentials: credentialsSchema,
  check: async (ctx) => {
    const transport = transportOf(ctx);
    try {
      await transport.verify();
    } catch (error) {
      const { responseCode } = error as SmtpError;
      throw new ConnectorError(
        responseCode === 535 ? 'auth_failed' : 'vendor_unavailable',
        (error as Error).message.slice(0, 300),
      );
    } finally {
      transport.close();
    }
  },
  channel: { name: 'email', send, close: closeAll },
};
