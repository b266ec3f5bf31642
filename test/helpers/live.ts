// Owns a real websocket client of the live feed for tests: collects every message and waits for them.
import WebSocket from 'ws';
import type { ApiResponse } from './api.ts';

// What the server sends, as tests read it: any field may be asserted on.
type Message = ApiResponse['body'];

export interface LiveClient {
  ws: WebSocket;
  messages: Message[];
  events: () => Array<{ cursor: string; event: { type: string; data: Message } }>;
  send: (message: object) => void;
  waitFor: (
    check: (messages: LiveClient['messages']) => boolean,
    what: string,
    timeoutMs?: number,
  ) => Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function connectLive(
  baseUrl: string,
  auth: { key?: string; token?: string },
): Promise<LiveClient> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/v1/live${auth.token ? `?token=${auth.token}` : ''}`;
  const ws = new WebSocket(url, { headers: auth.key ? { authorization: `Bearer ${auth.key}` } : {} });
  const messages: LiveClient['messages'] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    events: () => messages.filter((m) => m.type === 'event') as ReturnType<LiveClient['events']>,
    send: (message) => ws.send(JSON.stringify(message)),
    waitFor: async (check, what, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!check(messages)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages).slice(0, 500)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    closed,
  };
}
