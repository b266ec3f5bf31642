// Registers complaints: their routes and the complaint-sla schedule (worker processes, one at a time).
import type { Plugin } from '@hapi/hapi';
import { complaintRoutes } from './routes.ts';
import { markBreaches } from './sla.ts';

export const complaints: Plugin<void> = {
  name: 'tessera-complaints',
  register: (server) => {
    server.route(complaintRoutes);
    server.app.jobs.schedule({
      name: 'complaint-sla',
      cron: server.app.config.complaintSlaCron,
      run: markBreaches,
    });
  },
};
