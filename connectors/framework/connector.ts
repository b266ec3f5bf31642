// Owns what a connector is: its description as data (auth, paging, limits), the Joi schemas of its
// config and credentials, and the hooks the framework calls (check, pull, push, write-back).
import type { Got } from 'got';
import type Joi from 'joi';
import type { Logger } from 'pino';
import type { Database, Transaction } from '../../core/db/database.ts';
import type { OutgoingMessage, SendResult } from '../../core/delivery/channel.ts';
import type { ReportCounts, StatusReport } from '../../core/delivery/reports.ts';
import type { StoredEvent } from '../../core/events/outbox.ts';
import type { ParsedInbound } from '../../core/intake/service.ts';
import type { RecordError } from './model.ts';

export interface Description {
  // What the vendor calls it, for the README and error messages.
  title: string;
  auth:
    | 'oauth2_client_credentials'
    | 'oauth2_jwt_bearer'
    | 'oauth2_saml_bearer'
    | 'oauth2_refresh_token'
    | 'basic'
    | 'none'
    | Array<string>;
  paging?: 'locator' | 'next_link' | 'none';
  limits?: Limits;
  // Event types the write-back reads from the outbox.
  writeBackTypes?: string[];
}

// The vendor's own limits that the connector and the framework's HTTP client keep to.
export interface Limits {
  // Records the vendor takes in one write call.
  recordsPerCall?: number;
  // Attempts after the first for a refused or failed call (vendor-http.ts), and the longest
  // Retry-After waited before one.
  retries?: number;
  maxRetryAfterMs?: number;
}

// The connection a hook works for, with its credentials opened.
export interface Opened<C = Record<string, unknown>, K = Record<string, unknown>> {
  id: string;
  tenantId: string;
  name: string;
  config: C;
  credentials: K | null;
  cursor: unknown;
}

export interface Counts {
  fetched?: number;
  created?: number;
  updated?: number;
  unchanged?: number;
  // Members this run turned inactive (a leaver).
  deactivated?: number;
  // Records that count as nothing (a void, a POS transaction with no loyalty id).
  skipped?: number;
  failed?: number;
}

export interface SyncContext<C, K> {
  connection: Opened<C, K>;
  db: Database;
  log: Logger;
  // The vendor's API through the framework's timeout and retry policy.
  http: Got;
  // Runs `work` in one transaction with the new cursor and the page's counts: a run that dies resumes
  // after the last page committed.
  // A vendor that rotates a credential (a new refresh token) has it stored, sealed, in the same
  // transaction: the page and the credential that fetched it commit together or not at all.
  commitPage: (
    work: (trx: Transaction) => Promise<{
      cursor: unknown;
      counts: Counts;
      errors?: RecordError[];
      credentials?: K;
    }>,
  ) => Promise<void>;
}

// A file sent to the connection, read by the run of trigger `file` made for it. The connection's cursor
// in a file run is the file's own: where in this file a run that died resumes.
export interface FileContext<C, K> extends SyncContext<C, K> {
  file: {
    id: string;
    contentType: string;
    // A full export: what it does not list is gone from the source.
    complete: boolean;
    chunks: () => AsyncIterable<Buffer>;
  };
}

export interface InboundRequest {
  method: string;
  // The URL the vendor called, from TESSERA_PUBLIC_URL (null when it is not set): some vendors sign it.
  url: string | null;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string>;
  body: Buffer;
}

export interface InboundAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface InboundContext<C, K> {
  connection: Opened<C, K>;
  db: Database;
  log: Logger;
  http: Got;
  // Logs what the push did as a finished run of trigger `push`, inside the push's transaction.
  recordRun: (trx: Transaction, counts: Counts, errors: RecordError[]) => Promise<void>;
  // A message provider's status reports, handed to delivery.
  reports: (reports: StatusReport[]) => Promise<ReportCounts>;
  request: InboundRequest;
}

export interface WriteBackContext<C, K> {
  connection: Opened<C, K>;
  log: Logger;
  http: Got;
}

// A channel provider's send: the URL its status reports come back to, when Tessera's public URL is known.
export interface ChannelContext<C, K> extends WriteBackContext<C, K> {
  callbackUrl: string | null;
}

export interface Connector<C = Record<string, unknown>, K = Record<string, unknown>> {
  type: string;
  describe: Description;
  config: Joi.ObjectSchema;
  credentials: Joi.ObjectSchema;
  // Proves the connection works (a token, one cheap call); throws a ConnectorError when not.
  // A vendor that rotated a credential during the check (a refresh token) has it handed back to store.
  // biome-ignore lint/suspicious/noConfusingVoidType: a check that rotates nothing returns nothing
  check?: (ctx: WriteBackContext<C, K>) => Promise<void | { credentials: K }>;
  sync?: (ctx: SyncContext<C, K>) => Promise<void>;
  handleInbound?: (ctx: InboundContext<C, K>) => Promise<InboundAnswer>;
  // A connector whose vendor sends signed requests in its own format (a POS feed): creating its
  // connection registers a signed inbound source of `kind`, and `parse` reads what arrives there.
  inbound?: {
    kind: 'pos' | 'hr' | 'crm' | 'loyalty' | 'other';
    parse: (connection: Opened<C, K>, body: Buffer) => ParsedInbound;
  };
  // A channel provider (email, SMS, WhatsApp): sends one message with the connection's credentials.
  channel?: {
    name: 'sms' | 'email' | 'whatsapp';
    send: (ctx: ChannelContext<C, K>, message: OutgoingMessage) => Promise<SendResult>;
    // Ends what sends keep open between messages (pooled connections), when the server stops.
    close?: () => void;
  };
  // A connector fed by files (an HR system's export, a POS journal): the media types it reads.
  files?: { types: string[]; take: (ctx: FileContext<C, K>) => Promise<void> };
  // Writes committed events back to the vendor; the answer lists the events that failed.
  writeBack?: (ctx: WriteBackContext<C, K>, events: StoredEvent[]) => Promise<RecordError[]>;
}

// A failure of a whole run or check, with a stable code (auth_failed, vendor_unavailable, …).
export class ConnectorError extends Error {
  override name = 'ConnectorError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
