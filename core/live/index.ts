// Registers the live feed: the token route and the websocket endpoint on the API's listener.
import type { Plugin } from '@hapi/hapi';
import { liveRoutes } from './routes.ts';
import { attachLiveFeed } from './socket.ts';

export const live: Plugin<void> = {
  name: 'tessera-live',
  register: (server) => {
    server.route(liveRoutes);
    attachLiveFeed(server);
  },
};
