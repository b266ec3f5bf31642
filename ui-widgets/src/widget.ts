// Owns what every Tessera widget shares: the endpoint and token attributes, the shadow root with the
// theme's custom properties, and the live socket opened while the element is on the page.
import { type LiveEvent, LiveSocket, type Subscription } from './live-socket.ts';

// The origin this script was served from: the default endpoint.
const scriptOrigin = new URL(import.meta.url).origin;

export const baseStyle = `
  :host {
    display: block;
    font-family: var(--tessera-font, system-ui, sans-serif);
    color: var(--tessera-fg, #1d2433);
    background: var(--tessera-bg, #ffffff);
    border: 1px solid var(--tessera-border, #d6dbe4);
    border-radius: var(--tessera-radius, 8px);
    padding: var(--tessera-padding, 12px 16px);
  }
  h2 { font-size: 0.95rem; margin: 0 0 8px; color: var(--tessera-muted, #5b6576); font-weight: 600; }
  .status { font-size: 0.75rem; color: var(--tessera-muted, #5b6576); }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

export abstract class TesseraWidget extends HTMLElement {
  protected socket: LiveSocket | null = null;
  protected root: ShadowRoot;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
  }

  static get observedAttributes() {
    return ['endpoint', 'token'];
  }

  protected abstract subscription(): Subscription;
  protected abstract render(): void;
  protected abstract onEvent(event: LiveEvent): void;
  protected onMessage(_message: Record<string, unknown>): void {}

  protected setStatus(text: string) {
    const status = this.root.querySelector('.status');
    if (status) status.textContent = text;
  }

  #restarting = false;

  // Attribute changes and connection come in bursts (an upgraded element reports every attribute, then
  // connects): they coalesce into one render and one socket.
  #restart() {
    if (this.#restarting) return;
    this.#restarting = true;
    queueMicrotask(() => {
      this.#restarting = false;
      this.socket?.close();
      this.socket = null;
      if (!this.isConnected) return;
      this.render();
      this.open();
    });
  }

  connectedCallback() {
    this.#restart();
  }

  disconnectedCallback() {
    this.#restart();
  }

  attributeChangedCallback() {
    this.#restart();
  }

  protected open() {
    const token = this.getAttribute('token');
    if (!token) return this.setStatus('No token');
    const socket = new LiveSocket(
      this.getAttribute('endpoint') ?? scriptOrigin,
      token,
      this.subscription(),
      (e) => this.onEvent(e),
    );
    socket.onStatus = (status) =>
      this.setStatus(
        { connecting: 'Connecting…', live: 'Live', offline: 'Reconnecting…', unauthorized: 'Token refused' }[
          status
        ],
      );
    socket.listen((message) => this.onMessage(message));
    this.socket = socket;
  }
}

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export const formatPoints = (n: number) => new Intl.NumberFormat().format(n);
