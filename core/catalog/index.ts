// Registers the reward catalog: partners and their onboarding, offers with their terms, voucher codes.
import type { Plugin } from '@hapi/hapi';
import { onboardingRoutes } from './onboarding-routes.ts';
import { catalogRoutes } from './routes.ts';

export const catalog: Plugin<void> = {
  name: 'tessera-catalog',
  register: (server) => server.route([...catalogRoutes, ...onboardingRoutes]),
};
