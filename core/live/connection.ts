// Owns one live client: its subscription, the replay from `since` and the hand-over to live events
// without gap or duplicate (every event is sent only past the last cursor sent), snapshots, and the
// buffer limit past which a client that does not read is dropped with "resume with since".
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { getCampaign, presentCampaign } from '../campaigns/service.ts';
import type { Database } from '../db/database.ts';
import { isRefusal } from '../errors.ts';
import { cursorAfter, type EventCursor, formatCursor, parseCursor } from '../events/cursor.ts';
import { presentEvent, readCommitted } from '../events/outbox.ts';
import { memberBalance } from '../ledger/accounts.ts';
import type { Role } from '../tenancy/scope.ts';
import {
  type Channel,
  type Filter,
  type LiveEvent,
  reaches,
  type Subscription,
  typesOf,
} from './channels.ts';
import { CLOSE, clientMessage } from './protocol.ts';

// An event's message is the same for every client it reaches: encoded once, sent many times.
const encoded = new WeakMap<LiveEvent, Buffer>();
function eventMessage(live: LiveEvent): Buffer {
  let message = encoded.get(live);
  if (!message) {
    const text = JSON.stringify({ type: 'event', cursor: formatCursor(live.position), event: live.event });
    message = Buffer.from(text);
    encoded.set(live, message);
  }
  return message;
}

// Where a connection files its subscription so that the process offers it only events it may reach.
export interface Filing {
  file: (connection: LiveConnection, subscription: Subscription) => void;
}

export interface Principal {
  tenantId: string;
  // The API key behind the connection (its own, or the one that issued its token).
  keyId: string;
  role: Role;
  partnerId: string | null;
  channels: Channel[];
  // What a token is limited to: every subscription and snapshot keeps to it.
  memberRef: string | null;
  campaignId: string | null;
}

const REPLAY_PAGE = 500;
// Live events held while a replay runs; past this the client is better off resuming later.
const MAX_HELD = 10_000;

type Subscribe = { type: 'subscribe'; channels: Channel[]; filter: Filter; since?: string };
type Snapshot = {
  type: 'snapshot';
  resource: 'balance' | 'campaign';
  memberRef?: string;
  campaignId?: string;
};

// A snapshot of something that does not exist is an error message; any other failure is the caller's.
function orNull(error: unknown): null {
  if (isRefusal(error, 'not_found')) return null;
  throw error;
}

export class LiveConnection {
  readonly #ws: WebSocket;
  // The TCP socket under the websocket: corked while a batch of events is written.
  readonly #socket: Duplex;
  readonly #principal: Principal;
  readonly #db: Database;
  readonly #bufferLimit: number;
  readonly #filing: Filing;
  #subscription: Subscription | null = null;
  #last: EventCursor | null = null;
  #held: LiveEvent[] | null = null;
  #generation = 0;
  #dropped = false;
  alive = true;

  constructor(
    ws: WebSocket,
    socket: Duplex,
    principal: Principal,
    { db, bufferLimit, filing }: { db: Database; bufferLimit: number; filing: Filing },
  ) {
    this.#ws = ws;
    this.#socket = socket;
    this.#filing = filing;
    this.#principal = principal;
    this.#db = db;
    this.#bufferLimit = bufferLimit;
    ws.on('message', (data) => this.receive(data.toString()));
  }

  // An exception's text (perhaps the database's) never reaches the client.
  receive(text: string) {
    this.#handle(text).catch(() => this.#error('internal_error', 'Something went wrong on our side'));
  }

  get dropped() {
    return this.#dropped;
  }

  get keyId() {
    return this.#principal.keyId;
  }

  // The key behind this connection was revoked: nothing more is sent.
  revoke() {
    if (this.#dropped) return;
    this.#dropped = true;
    this.#ws.close(CLOSE.unauthorized, 'key_revoked');
  }

  #send(message: object) {
    this.#sendText(JSON.stringify(message));
  }

  #sendText(text: string | Buffer) {
    if (this.#dropped) return;
    if (this.#overLimit()) return this.drop();
    this.#ws.send(text, { binary: false });
  }

  #overLimit() {
    return this.#ws.bufferedAmount > this.#bufferLimit;
  }

  drop() {
    if (this.#dropped) return;
    this.#dropped = true;
    this.#ws.close(CLOSE.resumeWithSince, 'resume_with_since');
  }

  #error(code: string, message: string) {
    this.#send({ type: 'error', code, message });
  }

  // Within a batch the buffer limit was checked once, before it.
  #emit(live: LiveEvent, inBatch = false) {
    if (!cursorAfter(live.position, this.#last)) return;
    this.#last = live.position;
    if (inBatch) this.#ws.send(eventMessage(live), { binary: false });
    else this.#sendText(eventMessage(live));
  }

  // From the hub, in commit order: a batch the client may reach. What was still unsent from earlier
  // batches decides whether the client keeps up; the batch itself leaves in one write.
  offer(events: LiveEvent[]) {
    const subscription = this.#subscription;
    if (!subscription || this.#dropped) return;
    const reached = events.filter((live) => reaches(subscription, live));
    if (this.#held) {
      if (this.#held.push(...reached) > MAX_HELD) this.drop();
      return;
    }
    if (reached.length === 0) return;
    if (this.#overLimit()) return this.drop();
    this.#socket.cork();
    try {
      for (const live of reached) this.#emit(live, true);
    } finally {
      this.#socket.uncork();
    }
  }

  async #handle(text: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.#error('invalid_message', 'Messages are JSON objects');
    }
    const { value, error } = clientMessage.validate(parsed);
    if (error) return this.#error('invalid_message', error.message);
    const message = value as Subscribe | Snapshot;
    if (message.type === 'subscribe') {
      const since = message.since === undefined ? null : parseCursor(message.since);
      if (since === null && message.since !== undefined)
        return this.#error('invalid_cursor', 'since is not a cursor this feed sent');
      return this.#subscribe(message, since);
    }
    return this.#snapshot(message);
  }

  // The principal's own limits (partner, member, campaign) override what a subscription asks for.
  #limits(): Filter {
    const { partnerId, memberRef, campaignId } = this.#principal;
    return {
      ...(partnerId ? { partnerId } : {}),
      ...(memberRef ? { memberRef } : {}),
      ...(campaignId ? { campaignId } : {}),
    };
  }

  #outsideLimits(requested: Filter): boolean {
    return Object.entries(this.#limits()).some(
      ([name, value]) =>
        requested[name as keyof Filter] !== undefined && requested[name as keyof Filter] !== value,
    );
  }

  async #subscribe(request: Subscribe, since: EventCursor | null) {
    const { tenantId, channels } = this.#principal;
    const refused = request.channels.filter((c) => !channels.includes(c));
    if (refused.length) return this.#error('channel_not_allowed', `Not allowed: ${refused.join(', ')}`);
    if (this.#outsideLimits(request.filter))
      return this.#error('forbidden', 'These credentials see only the events they were issued for');
    const filter = { ...request.filter, ...this.#limits() };
    const generation = ++this.#generation;
    this.#subscription = { tenantId, channels: request.channels, filter };
    this.#filing.file(this, this.#subscription);
    this.#last = since;
    this.#held = since ? [] : null;
    this.#send({ type: 'subscribed', channels: request.channels, filter, since: request.since ?? null });
    if (since) await this.#replay(generation, since);
  }

  // Everything committed after `since`, page by page; live events arriving meanwhile are held and then
  // sent past the last replayed cursor, so the hand-over has no gap and no duplicate.
  async #replay(generation: number, since: EventCursor) {
    const subscription = this.#subscription as Subscription;
    let after = since;
    for (;;) {
      const page = await readCommitted(this.#db, {
        tenantId: subscription.tenantId,
        after,
        types: typesOf(subscription.channels),
        limit: REPLAY_PAGE,
      });
      if (generation !== this.#generation || this.#dropped) return;
      for (const committed of page) {
        const live = {
          tenantId: subscription.tenantId,
          position: committed.cursor,
          event: presentEvent(committed),
        };
        if (reaches(subscription, live)) this.#emit(live);
        else this.#last = committed.cursor;
        after = committed.cursor;
      }
      if (page.length < REPLAY_PAGE) break;
    }
    const held = this.#held ?? [];
    this.#held = null;
    for (const live of held) this.#emit(live);
    this.#send({ type: 'live', cursor: this.#last && formatCursor(this.#last) });
  }

  // A snapshot needs the channel that carries its resource, and keeps to the credentials' limits.
  async #snapshot(request: Snapshot) {
    const { tenantId, role, channels } = this.#principal;
    if (role === 'partner')
      return this.#error('forbidden', 'Snapshots are for dashboards of the whole programme');
    const channel: Channel = request.resource === 'balance' ? 'ledger' : 'campaigns';
    if (!channels.includes(channel))
      return this.#error(
        'channel_not_allowed',
        `A ${request.resource} snapshot needs the ${channel} channel`,
      );
    if (this.#outsideLimits({ memberRef: request.memberRef, campaignId: request.campaignId }))
      return this.#error(
        'forbidden',
        'These credentials see only the member or campaign they were issued for',
      );
    if (request.resource === 'balance') {
      const balance = await memberBalance(this.#db, { tenantId }, request.memberRef as string).catch(orNull);
      if (!balance) return this.#error('not_found', `Member ${request.memberRef} not found`);
      return this.#send({ type: 'snapshot', resource: 'balance', memberRef: request.memberRef, balance });
    }
    const campaign = await getCampaign(this.#db, { tenantId }, request.campaignId as string).catch(orNull);
    if (!campaign) return this.#error('not_found', 'Campaign not found');
    this.#send({ type: 'snapshot', resource: 'campaign', campaign: presentCampaign(campaign) });
  }
}
