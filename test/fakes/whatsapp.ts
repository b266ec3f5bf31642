// A local WhatsApp Cloud API that speaks its wire format: `POST /{version}/{phone-number-id}/messages`
// with a Bearer token and a template message, answering 200 `{messaging_product, contacts, messages:
// [{id: "wamid…"}]}`, or the Graph error body `{error: {message, type, code, fbtrace_id}}`: 190 for a bad
// token, 131026 for an undeliverable number, 131047 for a text outside the 24-hour window, 130429 when
// told to rate-limit.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWhatsApp {
  url: string;
  phoneNumberId: string;
  accessToken: string;
  sent: Array<Record<string, unknown>>;
  rateLimitNext: number;
  // Each accepted message's id and recipient.
  accepted: Array<{ id: string; to: string }>;
  // Runs before a message's answer is sent (a status webhook that beats the answer there).
  beforeAnswer: ((id: string) => Promise<void>) | null;
  // Posts a status notification to `webhookUrl`, signed with `appSecret` (or `secret`), as Meta does.
  report: (
    webhookUrl: string,
    appSecret: string,
    statuses: Array<{ id: string; status: string; errorCode?: number }>,
    secret?: string,
  ) => Promise<number>;
  // Hears each accepted message's recipient as it arrives (benchmarks time them).
  onReceive: ((to: string) => void) | null;
  close: () => Promise<void>;
}

export const signMeta = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

// A notification of the WhatsApp Business Account webhook with these statuses.
export function statusNotification(
  phoneNumberId: string,
  statuses: Array<{ id: string; status: string; errorCode?: number }>,
) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              statuses: statuses.map(({ id, status, errorCode }) => ({
                id,
                status,
                timestamp: String(Math.floor(Date.now() / 1000)),
                recipient_id: '14155550123',
                ...(errorCode && {
                  errors: [
                    {
                      code: errorCode,
                      title: 'Message failed',
                      message: 'Message failed',
                      error_data: { details: 'failed' },
                    },
                  ],
                }),
              })),
            },
          },
        ],
      },
    ],
  };
}

const graphError = (code: number, message: string) => ({
  error: { message, type: 'OAuthException', code, fbtrace_id: randomBytes(6).toString('hex') },
});

export async function startFakeWhatsApp(): Promise<FakeWhatsApp> {
  const fake = {
    phoneNumberId: '106540352242922',
    accessToken: `EAA${randomBytes(12).toString('hex')}`,
    sent: [] as Array<Record<string, unknown>>,
    rateLimitNext: 0,
    accepted: [] as Array<{ id: string; to: string }>,
    beforeAnswer: null as FakeWhatsApp['beforeAnswer'],
    onReceive: null as FakeWhatsApp['onReceive'],
  };
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${fake.accessToken}`)
      return answer(401, graphError(190, 'Invalid OAuth access token.'));
    const base = `/v21.0/${fake.phoneNumberId}`;
    if (request.method === 'GET' && request.url === base) return answer(200, { id: fake.phoneNumberId });
    if (request.method !== 'POST' || request.url !== `${base}/messages`)
      return answer(404, graphError(100, 'Unsupported request'));
    if (fake.rateLimitNext > 0) {
      fake.rateLimitNext -= 1;
      return answer(400, graphError(130429, 'Rate limit hit'));
    }
    const body = JSON.parse(Buffer.concat(chunks).toString());
    if (body.type !== 'template') return answer(400, graphError(131047, 'Re-engagement message'));
    if (String(body.to).endsWith('0000')) return answer(400, graphError(131026, 'Message Undeliverable.'));
    fake.sent.push(body);
    const id = `wamid.${randomBytes(12).toString('base64url')}`;
    fake.accepted.push({ id, to: body.to });
    fake.onReceive?.(body.to);
    if (fake.beforeAnswer) await fake.beforeAnswer(id);
    answer(200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id }],
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const report: FakeWhatsApp['report'] = async (webhookUrl, appSecret, statuses, secret) => {
    const body = JSON.stringify(statusNotification(fake.phoneNumberId, statuses));
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': signMeta(secret ?? appSecret, body),
      },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  };
  // The fake itself is answered: a test's changes to its settings reach the running server.
  return Object.assign(fake, {
    report,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
