// Owns <tessera-redemption-chart>: reservations and redemptions per minute over the last minutes, as
// bars that grow as events arrive, with a text summary for screen readers.
import type { LiveEvent } from './live-socket.ts';
import { baseStyle, TesseraWidget } from './widget.ts';

const RESERVED = new Set(['ledger.reserved']);
const REDEEMED = new Set(['ledger.confirmed', 'ledger.debited', 'redemption.recorded']);

export class TesseraRedemptionChart extends TesseraWidget {
  #minutes = new Map<number, { reserved: number; redeemed: number }>();

  static override get observedAttributes() {
    return [...TesseraWidget.observedAttributes, 'minutes'];
  }

  protected subscription() {
    return { channels: ['redemptions'] };
  }

  protected render() {
    this.root.innerHTML = `<style>${baseStyle}
      svg { width: 100%; height: 120px; display: block; }
      .reserved { fill: var(--tessera-accent-2, #9bb5f2); }
      .redeemed { fill: var(--tessera-accent, #2457d6); }
      .legend { font-size: 0.75rem; color: var(--tessera-muted, #5b6576); }
    </style>
    <h2 id="title">Redemptions per minute</h2>
    <svg role="img" aria-labelledby="title summary" viewBox="0 0 300 120" preserveAspectRatio="none"></svg>
    <p id="summary" class="legend" aria-live="polite"></p>
    <p class="status"></p>`;
    this.#draw();
  }

  protected onEvent({ event }: LiveEvent) {
    const kind = RESERVED.has(event.type) ? 'reserved' : REDEEMED.has(event.type) ? 'redeemed' : null;
    if (!kind) return;
    const minute = Math.floor(Date.parse(event.createdAt) / 60_000);
    const counts = this.#minutes.get(minute) ?? { reserved: 0, redeemed: 0 };
    counts[kind]++;
    this.#minutes.set(minute, counts);
    this.#draw();
  }

  #draw() {
    const svg = this.root.querySelector('svg');
    const summary = this.root.querySelector('#summary');
    if (!svg || !summary) return;
    const span = Number(this.getAttribute('minutes') ?? 15);
    const now = Math.floor(Date.now() / 60_000);
    const minutes = Array.from({ length: span }, (_, i) => now - span + 1 + i);
    const counts = minutes.map((m) => this.#minutes.get(m) ?? { reserved: 0, redeemed: 0 });
    const top = Math.max(1, ...counts.map((c) => Math.max(c.reserved, c.redeemed)));
    const width = 300 / span;
    svg.innerHTML = counts
      .map((c, i) => {
        const h = (n: number) => (n / top) * 110;
        const x = i * width;
        return `<rect class="reserved" x="${x + 1}" y="${120 - h(c.reserved)}" width="${width / 2 - 1}" height="${h(c.reserved)}"></rect>
          <rect class="redeemed" x="${x + width / 2}" y="${120 - h(c.redeemed)}" width="${width / 2 - 1}" height="${h(c.redeemed)}"></rect>`;
      })
      .join('');
    const last = counts[counts.length - 1];
    summary.textContent = `This minute: ${last.reserved} reserved, ${last.redeemed} redeemed`;
  }
}
