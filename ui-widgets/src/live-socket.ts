// Owns a widget's connection to Tessera's live feed: subscribe, reconnect with `since` after a drop
// (no gap, no duplicate), and snapshot requests answered over the same socket.
export interface LiveEvent {
  cursor: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

export interface Subscription {
  channels: string[];
  filter?: Record<string, string>;
}

type Listener = (message: Record<string, unknown>) => void;

const RETRY_MS = [500, 1000, 2000, 5000, 10000];

export class LiveSocket {
  #url: string;
  #subscription: Subscription;
  #onEvent: (event: LiveEvent) => void;
  #listeners = new Set<Listener>();
  #socket: WebSocket | null = null;
  #last: string | null = null;
  #attempt = 0;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  onStatus: (status: 'connecting' | 'live' | 'offline' | 'unauthorized') => void = () => {};

  constructor(
    endpoint: string,
    token: string,
    subscription: Subscription,
    onEvent: (event: LiveEvent) => void,
  ) {
    this.#url = `${endpoint.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/live?token=${encodeURIComponent(token)}`;
    this.#subscription = subscription;
    this.#onEvent = onEvent;
    this.#connect();
  }

  #connect() {
    this.onStatus('connecting');
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      socket.send(
        JSON.stringify({
          type: 'subscribe',
          ...this.#subscription,
          ...(this.#last ? { since: this.#last } : {}),
        }),
      );
    };
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data));
      if (data.type === 'event') {
        this.#last = data.cursor;
        this.#onEvent(data);
      } else if (data.type === 'subscribed') this.onStatus('live');
      for (const listener of this.#listeners) listener(data);
    };
    socket.onclose = (event) => {
      if (this.#closed) return;
      // A bad or expired token will not get better by retrying.
      if (event.code === 4401) return this.onStatus('unauthorized');
      this.onStatus('offline');
      this.#timer = setTimeout(
        () => this.#connect(),
        RETRY_MS[Math.min(this.#attempt++, RETRY_MS.length - 1)],
      );
    };
  }

  // Asks for a current value (a balance, a campaign's counters); the answer comes to `listen`ers.
  snapshot(request: Record<string, string>) {
    const send = () => this.#socket?.send(JSON.stringify({ type: 'snapshot', ...request }));
    if (this.#socket?.readyState === WebSocket.OPEN) send();
    else this.#socket?.addEventListener('open', send, { once: true });
  }

  listen(listener: Listener) {
    this.#listeners.add(listener);
  }

  close() {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
  }
}
