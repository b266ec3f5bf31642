// A local WhatsApp Cloud API that speaks its wire format: `POST /{version}/{phone-number-id}/messages`
// with a Bearer token and a template message, answering 200 `{messaging_product, contacts, messages:
// [{id: "wamid…"}]}`, or the Graph error body `{error: {message, type, code, fbtrace_id}}`: 190 for a bad
// token, 131026 for an undeliverable number, 131047 for a text outside the 24-hour window, 130429 when
// told to rate-limit.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWhatsApp {
  url: string;
  phoneNumberId: string;
  accessToken: string;
  sent: Array<Record<string, unknown>>;
  rateLimitNext: number;
  close: () => Promise<void>;
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
    answer(200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id: `wamid.${randomBytes(12).toString('base64url')}` }],
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ...fake,
    get rateLimitNext() {
      return fake.rateLimitNext;
    },
    set rateLimitNext(value: number) {
      fake.rateLimitNext = value;
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
