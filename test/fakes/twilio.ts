// A local Twilio that speaks the Messages API's wire format: `POST /2010-04-01/Accounts/{sid}/Messages.json`
// with a form body and Basic auth (account SID, auth token), answering 201 with the message's `sid` and
// status `queued`, or Twilio's error body `{code, message, more_info, status}`: 21211 for an invalid
// number, 21610 for a recipient who opted out, 20003 for bad credentials; 429 with Retry-After when told.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTwilio {
  url: string;
  accountSid: string;
  authToken: string;
  sent: Array<Record<string, string>>;
  // The next Messages requests answer these statuses.
  failNext: Array<{ status: number; retryAfter?: string }>;
  // Each accepted message's sid and the status callback it asked for.
  accepted: Array<{ sid: string; to: string; statusCallback: string | undefined }>;
  // Milliseconds each Messages request takes, and how many have arrived (counted before that wait).
  delayMs: number;
  arrived: number;
  // Posts a status callback for an accepted message, signed as Twilio signs it (or with `token`).
  report: (sid: string, status: string, options?: { errorCode?: string; token?: string }) => Promise<number>;
  // Hears each accepted message's recipient as it arrives (benchmarks time them).
  onReceive: ((to: string) => void) | null;
  close: () => Promise<void>;
}

// X-Twilio-Signature: HMAC-SHA1 over the URL and each parameter's name and value, sorted by name.
export function signTwilio(token: string, url: string, params: Record<string, string>): string {
  const signed =
    url +
    Object.keys(params)
      .sort()
      .map((name) => name + params[name])
      .join('');
  return createHmac('sha1', token).update(signed).digest('base64');
}

const error = (code: number, message: string, status: number) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const fake = {
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(16).toString('hex'),
    sent: [] as Array<Record<string, string>>,
    failNext: [] as Array<{ status: number; retryAfter?: string }>,
    accepted: [] as FakeTwilio['accepted'],
    delayMs: 0,
    arrived: 0,
    onReceive: null as FakeTwilio['onReceive'],
  };
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = (status: number, body: unknown, headers = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return answer(401, error(20003, 'Authenticate', 401));
    const base = `/2010-04-01/Accounts/${fake.accountSid}`;
    if (request.method === 'GET' && request.url === `${base}.json`)
      return answer(200, { sid: fake.accountSid, status: 'active' });
    if (request.method !== 'POST' || request.url !== `${base}/Messages.json`)
      return answer(404, error(20404, 'The requested resource was not found', 404));
    fake.arrived += 1;
    if (fake.delayMs) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    const failing = fake.failNext.shift();
    if (failing)
      return answer(failing.status, error(20429, 'Too Many Requests', failing.status), {
        ...(failing.retryAfter && { 'retry-after': failing.retryAfter }),
      });
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    if (!/^\+[1-9]\d{6,14}$/.test(form.To ?? ''))
      return answer(400, error(21211, `The 'To' number ${form.To} is not a valid phone number.`, 400));
    if (form.To.endsWith('0000'))
      return answer(400, error(21610, 'Attempt to send to unsubscribed recipient', 400));
    fake.sent.push(form);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    fake.accepted.push({ sid, to: form.To, statusCallback: form.StatusCallback });
    fake.onReceive?.(form.To);
    answer(201, {
      sid,
      status: 'queued',
      to: form.To,
      body: form.Body,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const report: FakeTwilio['report'] = async (sid, status, options = {}) => {
    const message = fake.accepted.find((m) => m.sid === sid);
    if (!message?.statusCallback) throw new Error(`no status callback for ${sid}`);
    const params: Record<string, string> = {
      AccountSid: fake.accountSid,
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      To: message.to,
      ApiVersion: '2010-04-01',
      ...(options.errorCode && { ErrorCode: options.errorCode }),
    };
    const response = await fetch(message.statusCallback, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilio(options.token ?? fake.authToken, message.statusCallback, params),
      },
      body: new URLSearchParams(params).toString(),
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
