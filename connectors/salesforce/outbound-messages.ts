// Owns Salesforce Outbound Messages: the SOAP `notifications` envelope parsed (fast-xml-parser), its
// org checked against the connection's, each Notification mapped to a source event and taken in through
// core/intake with the Notification Id as its sourceEventId (a resent notification is a no-op), and the
// Ack answered only after commit. Broken XML is a Client fault (400), a foreign org 403.
import { XMLParser } from 'fast-xml-parser';
import type { Got } from 'got';
import { type SourceEventInput, takeIn } from '../../core/intake/service.ts';
import type { InboundAnswer, InboundContext } from '../framework/connector.ts';
import type { RecordError } from '../framework/model.ts';
import { connect, type SalesforceConnection, sameId } from './client.ts';
import type { OutboundMapping, SalesforceConfig, SalesforceCredentials } from './config.ts';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => name === 'Notification',
});

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const soap = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP}"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const xmlEscape = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );

function fault(status: number, code: 'Client' | 'Server', message: string): InboundAnswer {
  return {
    status,
    contentType: 'text/xml; charset=utf-8',
    body: soap(
      `<soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${xmlEscape(message)}</faultstring></soapenv:Fault>`,
    ),
  };
}

const ACK: InboundAnswer = {
  status: 200,
  contentType: 'text/xml; charset=utf-8',
  body: soap(
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>',
  ),
};

type Fields = Record<string, unknown>;

interface Notification {
  Id: string;
  sObject: Fields & { '@type'?: string };
}

// Salesforce sends every field as text: 45000.0 is a number, true a boolean, an empty or nil field null.
export function fieldValue(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'object')
    return (value as Fields)['@nil'] === 'true' ? null : ((value as Fields)['#text'] ?? null);
  const text = String(value);
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text) && Number.isFinite(Number(text))) return Number(text);
  return text;
}

function readEnvelope(body: Buffer): { orgId: string; notifications: Notification[] } | null {
  let document: Fields;
  try {
    document = parser.parse(body.toString('utf8'), true) as Fields;
  } catch {
    return null;
  }
  const envelope = document.Envelope as Fields | undefined;
  const notifications = (envelope?.Body as Fields | undefined)?.notifications as Fields | undefined;
  if (!notifications || typeof notifications.OrganizationId !== 'string') return null;
  const list = (notifications.Notification ?? []) as Notification[];
  if (list.length === 0 || list.length > 100 || list.some((n) => typeof n.Id !== 'string' || !n.sObject))
    return null;
  return { orgId: notifications.OrganizationId, notifications: list };
}

// The connection's org: from its config, else from the OAuth answer's identity URL (asked once a process).
const knownOrgs = new Map<string, string>();
async function orgOf(connection: SalesforceConnection, http: Got): Promise<string> {
  if (connection.config.orgId) return connection.config.orgId;
  const known = knownOrgs.get(connection.id);
  if (known) return known;
  const api = await connect(connection, http);
  const orgId = api.userInfo?.organizationId as string;
  knownOrgs.set(connection.id, orgId);
  return orgId;
}

function toEvent(connection: SalesforceConnection, notification: Notification, mapping: OutboundMapping) {
  const record = notification.sObject;
  const memberRef = fieldValue(record[mapping.memberRef]);
  if (typeof memberRef !== 'string' && typeof memberRef !== 'number') return null;
  const occurred = mapping.occurredAt ? fieldValue(record[mapping.occurredAt]) : null;
  const occurredAt =
    typeof occurred === 'string' && !Number.isNaN(Date.parse(occurred)) ? new Date(occurred) : undefined;
  const data = Object.fromEntries(
    Object.entries(mapping.data ?? {}).map(([name, field]) => [name, fieldValue(record[field])]),
  );
  return {
    type: mapping.eventType,
    source: connection.name,
    sourceEventId: notification.Id,
    memberRef: String(memberRef),
    occurredAt: occurredAt && occurredAt <= new Date() ? occurredAt : undefined,
    data: { ...data, recordId: fieldValue(record.Id) },
  } satisfies SourceEventInput;
}

export async function receiveOutboundMessage({
  connection,
  db,
  log,
  http,
  request,
  recordRun,
}: InboundContext<SalesforceConfig, SalesforceCredentials>): Promise<InboundAnswer> {
  const body = request.body;
  const envelope = readEnvelope(body);
  if (!envelope) return fault(400, 'Client', 'Not a Salesforce Outbound Message (notifications envelope)');
  if (!sameId(envelope.orgId, await orgOf(connection, http)))
    return fault(403, 'Client', 'The message comes from another Salesforce org than this connection’s');
  const errors: RecordError[] = [];
  const events = envelope.notifications.flatMap((notification) => {
    const type = String(notification.sObject['@type'] ?? '').replace(/^.*:/, '');
    const mapping = connection.config.outboundMessages[type];
    const event = mapping ? toEvent(connection, notification, mapping) : null;
    if (event) return [event];
    errors.push({
      record: notification.Id,
      code: mapping ? 'member_ref_missing' : 'unmapped_type',
      message: mapping
        ? `${type}.${mapping.memberRef} is empty`
        : `No mapping for ${type || 'this sObject'} in the connection's outboundMessages`,
    });
    return [];
  });
  // Notifications Tessera cannot map are acknowledged too (Salesforce would resend them for 24 hours),
  // and listed on the push's run.
  if (errors.length)
    log.warn(
      { skipped: errors.length },
      'Outbound Message notifications without a mapping or member were skipped',
    );
  await db.transaction(async (trx) => {
    let created = 0;
    for (const event of events)
      if ((await takeIn(trx, { tenantId: connection.tenantId, actor: null }, event)).created) created += 1;
    const counts = {
      fetched: envelope.notifications.length,
      created,
      unchanged: events.length - created,
      failed: errors.length,
    };
    await recordRun(trx, counts, errors);
  });
  return ACK;
}
