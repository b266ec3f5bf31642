// A real local SMTP server (smtp-server) for email tests: it logs in `mailer`/`secret` (535 otherwise),
// answers 452 (mailbox full, try later) for full@… and 550 (no such user) for gone@… recipients, or the
// codes a test queues, and keeps what it receives.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type Received = { to: string[]; raw: string };

// `onReceive` hears each recipient as its message arrives (benchmarks time them).
export async function startSmtpServer(
  t: { teardown: (close: () => Promise<void>) => void },
  onReceive?: (to: string) => void,
) {
  const received: Received[] = [];
  // The reply codes the next recipients get, one each (452: try later; 550: no such user).
  const failNext: number[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    onAuth: (auth, _session, callback) =>
      auth.username === 'mailer' && auth.password === 'secret'
        ? callback(null, { user: auth.username })
        : callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 })),
    onRcptTo: (address, _session, callback) => {
      const code = failNext.shift();
      if (code) return callback(Object.assign(new Error(`Refused (${code})`), { responseCode: code }));
      if (address.address.startsWith('full@'))
        return callback(Object.assign(new Error('Mailbox full, try later'), { responseCode: 452 }));
      if (address.address.startsWith('gone@'))
        return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) onReceive?.(r.address);
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received, failNext };
}
