// Owns <tessera-balance member-ref="…">: a member's live balance, available and pending.
import type { LiveEvent } from './live-socket.ts';
import { baseStyle, escapeHtml, formatPoints, TesseraWidget } from './widget.ts';

interface Balance {
  available: number;
  pending: number;
}

export class TesseraBalance extends TesseraWidget {
  #balance: Balance | null = null;

  static override get observedAttributes() {
    return [...TesseraWidget.observedAttributes, 'member-ref'];
  }

  #member() {
    return this.getAttribute('member-ref') ?? '';
  }

  protected subscription() {
    return { channels: ['ledger'], filter: { memberRef: this.#member() } };
  }

  protected override open() {
    super.open();
    this.socket?.snapshot({ resource: 'balance', memberRef: this.#member() });
  }

  protected render() {
    this.root.innerHTML = `<style>${baseStyle}
      dl { display: flex; gap: 24px; margin: 0; }
      dt { font-size: 0.75rem; color: var(--tessera-muted, #5b6576); }
      dd { margin: 0; font-size: 1.6rem; font-weight: 700; color: var(--tessera-accent, #2457d6); font-variant-numeric: tabular-nums; }
    </style>
    <h2 id="title">Balance of ${escapeHtml(this.#member())}</h2>
    <dl role="status" aria-live="polite" aria-labelledby="title">
      <div><dt>Available</dt><dd class="available">–</dd></div>
      <div><dt>Pending</dt><dd class="pending">–</dd></div>
    </dl>
    <p class="status"></p>`;
    this.#draw();
  }

  protected override onMessage(message: Record<string, unknown>) {
    if (message.type === 'snapshot' && message.resource === 'balance') {
      this.#balance = message.balance as Balance;
      this.#draw();
    }
  }

  protected onEvent({ event }: LiveEvent) {
    const balance = event.data.balance as Balance | undefined;
    if (!balance) return;
    this.#balance = balance;
    this.#draw();
  }

  #draw() {
    if (!this.#balance) return;
    const available = this.root.querySelector('.available');
    const pending = this.root.querySelector('.pending');
    if (available) available.textContent = formatPoints(this.#balance.available);
    if (pending) pending.textContent = formatPoints(this.#balance.pending);
  }
}
