// Owns which connector types exist: a map from `type` to its module, checked once at start. The core
// knows connection types only as strings.
import type { Connector } from './connector.ts';

const AUTH_MODES = [
  'oauth2_client_credentials',
  'oauth2_jwt_bearer',
  'oauth2_saml_bearer',
  'oauth2_refresh_token',
  'basic',
  'none',
];
const PAGING = ['locator', 'next_link', 'none'];

export class Registry {
  readonly #connectors = new Map<string, Connector>();

  add<C, K>(connector: Connector<C, K>): void {
    const { type, describe } = connector;
    if (!/^[a-z][a-z0-9-]*$/.test(type)) throw new Error(`connector type "${type}" is not a slug`);
    if (this.#connectors.has(type)) throw new Error(`connector type "${type}" is registered twice`);
    const modes = Array.isArray(describe.auth) ? describe.auth : [describe.auth];
    const unknown = modes.filter((mode) => !AUTH_MODES.includes(mode));
    if (unknown.length) throw new Error(`connector ${type}: unknown auth mode ${unknown.join(', ')}`);
    if (describe.paging && !PAGING.includes(describe.paging))
      throw new Error(`connector ${type}: unknown paging style ${describe.paging}`);
    for (const [name, value] of Object.entries(describe.limits ?? {}))
      if (!Number.isSafeInteger(value) || value < 0)
        throw new Error(`connector ${type}: limit ${name} must be a whole number ≥ 0`);
    if (describe.writeBackTypes?.length && !connector.writeBack)
      throw new Error(`connector ${type} names write-back events but has no writeBack`);
    this.#connectors.set(type, connector as unknown as Connector);
  }

  get(type: string): Connector | undefined {
    return this.#connectors.get(type);
  }

  all(): Connector[] {
    return [...this.#connectors.values()];
  }

  get types(): string[] {
    return [...this.#connectors.keys()];
  }
}
