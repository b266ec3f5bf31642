// Owns <tessera-live-feed>: the latest events, newest first, filterable by channel.
import type { LiveEvent } from './live-socket.ts';
import { baseStyle, escapeHtml, TesseraWidget } from './widget.ts';

const ALL = ['ledger', 'issuances', 'redemptions', 'deliveries', 'campaigns'];

function describe({ type, data }: LiveEvent['event']): string {
  const who = data.memberRef ? ` · ${data.memberRef}` : '';
  const amount = typeof data.amount === 'number' ? ` · ${data.amount}` : '';
  return `${type}${who}${amount}`;
}

export class TesseraLiveFeed extends TesseraWidget {
  #shown: LiveEvent[] = [];

  static override get observedAttributes() {
    return [...TesseraWidget.observedAttributes, 'channels', 'limit'];
  }

  #channels() {
    const chosen = (this.getAttribute('channels') ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    return chosen.length ? chosen : ALL;
  }

  protected subscription() {
    return { channels: this.#channels() };
  }

  protected render() {
    this.root.innerHTML = `<style>${baseStyle}
      ol { list-style: none; margin: 0; padding: 0; max-height: var(--tessera-feed-height, 320px); overflow: auto; }
      li { padding: 4px 0; border-bottom: 1px solid var(--tessera-border, #eef0f4); font-size: 0.85rem; }
      time { color: var(--tessera-muted, #5b6576); margin-right: 8px; font-variant-numeric: tabular-nums; }
    </style>
    <h2 id="title">Live events</h2>
    <ol role="log" aria-live="polite" aria-labelledby="title"></ol>
    <p class="status" role="status"></p>`;
    this.#draw();
  }

  protected onEvent(live: LiveEvent) {
    const limit = Number(this.getAttribute('limit') ?? 20);
    this.#shown = [live, ...this.#shown].slice(0, limit);
    this.#draw();
  }

  #draw() {
    const list = this.root.querySelector('ol');
    if (!list) return;
    list.innerHTML = this.#shown
      .map(({ event }) => {
        const at = new Date(event.createdAt);
        return `<li data-type="${escapeHtml(event.type)}"><time datetime="${at.toISOString()}">${at.toLocaleTimeString()}</time>${escapeHtml(describe(event))}</li>`;
      })
      .join('');
  }
}
