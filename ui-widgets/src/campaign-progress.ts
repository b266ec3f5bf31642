// Owns <tessera-campaign-progress campaign-id="…">: rewards issued against the maximum and budget spent
// against the budget, refreshed as the campaign's issuances happen.
import type { LiveEvent } from './live-socket.ts';
import { baseStyle, formatPoints, TesseraWidget } from './widget.ts';

interface CampaignView {
  name: string;
  maxRewards: number | null;
  budget: { amount: number } | null;
  stats: { issued: number; budgetSpent: number; budgetReserved: number };
}

export class TesseraCampaignProgress extends TesseraWidget {
  #campaign: CampaignView | null = null;

  static override get observedAttributes() {
    return [...TesseraWidget.observedAttributes, 'campaign-id'];
  }

  #id() {
    return this.getAttribute('campaign-id') ?? '';
  }

  protected subscription() {
    return { channels: ['issuances', 'campaigns'], filter: { campaignId: this.#id() } };
  }

  protected override open() {
    super.open();
    this.#refresh();
  }

  #refresh() {
    this.socket?.snapshot({ resource: 'campaign', campaignId: this.#id() });
  }

  protected render() {
    this.root.innerHTML = `<style>${baseStyle}
      .row { margin: 6px 0; font-size: 0.85rem; }
      progress { width: 100%; height: 10px; accent-color: var(--tessera-accent, #2457d6); }
    </style>
    <h2 class="name">Campaign</h2>
    <div class="row"><label for="issued">Rewards issued</label> <span class="issued-text" aria-live="polite"></span>
      <progress id="issued" class="issued" max="1" value="0"></progress></div>
    <div class="row"><label for="budget">Budget spent</label> <span class="budget-text" aria-live="polite"></span>
      <progress id="budget" class="budget" max="1" value="0"></progress></div>
    <p class="status"></p>`;
    this.#draw();
  }

  protected override onMessage(message: Record<string, unknown>) {
    if (message.type === 'snapshot' && message.resource === 'campaign') {
      this.#campaign = message.campaign as CampaignView;
      this.#draw();
    }
  }

  // Issuances change the counters: read them again rather than guess.
  protected onEvent(_event: LiveEvent) {
    this.#refresh();
  }

  #draw() {
    const c = this.#campaign;
    if (!c) return;
    const set = (selector: string, text: string) => {
      const element = this.root.querySelector(selector);
      if (element) element.textContent = text;
    };
    set('.name', c.name);
    set(
      '.issued-text',
      `${formatPoints(c.stats.issued)}${c.maxRewards ? ` of ${formatPoints(c.maxRewards)}` : ''}`,
    );
    const spent = c.stats.budgetSpent + c.stats.budgetReserved;
    set('.budget-text', `${formatPoints(spent)}${c.budget ? ` of ${formatPoints(c.budget.amount)}` : ''}`);
    const issued = this.root.querySelector('.issued') as HTMLProgressElement | null;
    const budget = this.root.querySelector('.budget') as HTMLProgressElement | null;
    if (issued)
      Object.assign(issued, { max: c.maxRewards ?? Math.max(c.stats.issued, 1), value: c.stats.issued });
    if (budget) Object.assign(budget, { max: c.budget?.amount ?? Math.max(spent, 1), value: spent });
  }
}
