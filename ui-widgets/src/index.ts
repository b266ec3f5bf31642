// The widgets' one module: importing it defines every Tessera element.
import { TesseraBalance } from './balance.ts';
import { TesseraCampaignProgress } from './campaign-progress.ts';
import { TesseraLiveFeed } from './live-feed.ts';
import { TesseraRedemptionChart } from './redemption-chart.ts';

const elements: Array<[string, CustomElementConstructor]> = [
  ['tessera-live-feed', TesseraLiveFeed],
  ['tessera-balance', TesseraBalance],
  ['tessera-campaign-progress', TesseraCampaignProgress],
  ['tessera-redemption-chart', TesseraRedemptionChart],
];
for (const [name, element] of elements) if (!customElements.get(name)) customElements.define(name, element);
