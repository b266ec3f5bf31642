// Owns the operator's hand on deliveries: retry one message, recover an endpoint's failures since a
// time, and send a test event. Each makes messages pending and due now, and wakes the dispatchers.
import { recordAudit } from '../core/audit/log.ts';
import type { Transaction } from '../core/db/database.ts';
import { domainError, isRefusal, notFound } from '../core/errors.ts';
import { recordEvent } from '../core/events/outbox.ts';
import type { Actor } from '../core/tenancy/scope.ts';
import { findEndpoint } from './endpoints.ts';
import { messageBody, TEST_EVENT } from './fanout.ts';
import { WebhookMessage } from './model.ts';
import { wakeDispatchers } from './queue.ts';

type Resendable = Pick<WebhookMessage, 'id' | 'endpointId' | 'attempts'>;

function assertEnabled<T extends { enabled: boolean }>(endpoint: T): T {
  if (!endpoint.enabled)
    throw domainError(409, 'webhook_endpoint_disabled', 'The endpoint is disabled; enable it first');
  return endpoint;
}

// One more attempt for each message, now; further failures follow what is left of the schedule. A
// message waiting for a scheduled attempt is sent now instead; one being sent keeps its lease.
async function resend(trx: Transaction, messages: Resendable[]) {
  if (messages.length === 0) return;
  await WebhookMessage.query(trx)
    .whereIn(
      'id',
      messages.map((m) => m.id),
    )
    .patch({ status: 'pending', nextAttemptAt: trx.fn.now() as unknown as Date });
  await wakeDispatchers(trx);
}

export async function retryMessage(trx: Transaction, actor: Actor, id: string) {
  // An attempt in flight keeps its send lease: the message is claimed again once it is recorded.
  const message = await WebhookMessage.query(trx).findOne({ id, tenantId: actor.scope.tenantId }).forUpdate();
  if (!message) throw notFound('Webhook message');
  // Another partner's message is as unknown as a missing one.
  const endpoint = await findEndpoint(trx, actor.scope, message.endpointId).catch((error) => {
    throw isRefusal(error, 'not_found') ? notFound('Webhook message') : error;
  });
  assertEnabled(endpoint);
  await resend(trx, [message]);
  await recordAudit(trx, actor, {
    action: 'webhook_message.retried',
    entityType: 'webhook_message',
    entityId: id,
    summary: `Resend requested after ${message.attempts} attempts (${message.status})`,
  });
  return { id, status: 'pending', attempts: message.attempts };
}

// Resends every failed message of the endpoint created since `since`.
export async function recoverEndpoint(trx: Transaction, actor: Actor, id: string, since: Date) {
  assertEnabled(await findEndpoint(trx, actor.scope, id));
  const failed = await WebhookMessage.query(trx)
    .where({ endpointId: id, status: 'failed' })
    .where('createdAt', '>=', since)
    .forUpdate()
    .select('id', 'endpointId', 'attempts');
  await resend(trx, failed);
  await recordAudit(trx, actor, {
    action: 'webhook_endpoint.recovered',
    entityType: 'webhook_endpoint',
    entityId: id,
    summary: `${failed.length} failed messages since ${since.toISOString()} resent`,
  });
  return { endpointId: id, since, recovered: failed.length };
}

// A `webhook.test` event, recorded like any other and sent to this endpoint only.
export async function sendTestEvent(trx: Transaction, actor: Actor, id: string) {
  const endpoint = assertEnabled(await findEndpoint(trx, actor.scope, id));
  const data = { endpointId: id, partnerId: endpoint.partnerId, message: 'A test event from Tessera' };
  const event = await recordEvent(trx, { tenantId: endpoint.tenantId, type: TEST_EVENT, subject: id, data });
  const message = await WebhookMessage.query(trx)
    .insert({
      tenantId: endpoint.tenantId,
      endpointId: id,
      eventId: event.id,
      eventType: TEST_EVENT,
      body: messageBody({ ...event, type: TEST_EVENT, data }),
    })
    .returning(['id', 'endpointId', 'attempts']);
  await wakeDispatchers(trx);
  return { messageId: message.id, eventId: String(event.id), type: TEST_EVENT };
}
