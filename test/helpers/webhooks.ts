// Owns what webhook tests share: a fast test configuration, a Tessera with a real receiver, and
// polling an endpoint's messages until their outcome has committed.
import { type Answer, type Received, startReceiver } from '../fakes/webhook-receiver.ts';
import { startTestTessera, type TestTessera } from './tessera.ts';

export const fastWebhooks = {
  TESSERA_WEBHOOK_ALLOW_HTTP: 'true',
  TESSERA_WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
  TESSERA_WEBHOOK_FANOUT_INTERVAL_MS: '50',
  TESSERA_WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms',
};

export async function withReceiver(
  t: { teardown: (fn: () => unknown) => void },
  answer?: (received: Received, index: number) => Answer,
  env: Record<string, string> = {},
) {
  const receiver = await startReceiver(answer);
  t.teardown(() => receiver.close());
  const app = await startTestTessera(t, { ...fastWebhooks, ...env });
  return { receiver, app };
}

export interface MessageView {
  id: string;
  status: string;
  attempts: Array<{ attempt: number; statusCode: number | null; responseBody: string | null }>;
  nextAttemptAt: string | null;
  payload: { id: string; type: string; data: Record<string, unknown> };
}

// The receiver sees a delivery before Tessera commits its outcome: poll until `count` messages show it.
export async function messagesWith(
  app: TestTessera,
  endpointId: string,
  status: string,
  count = 1,
): Promise<MessageView[]> {
  let data: MessageView[] = [];
  for (let i = 0; i < 150 && data.length < count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    data = (await app.api('GET', `/v1/webhook-endpoints/${endpointId}/messages?status=${status}`)).body.data;
  }
  return data;
}
