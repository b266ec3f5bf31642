// Registers bulk uploads: their routes, and the upload-validate and upload-dispatch queues that worker
// processes run (one job per upload at a time).
import type { Plugin } from '@hapi/hapi';
import { dispatchUpload } from './dispatch.ts';
import { DISPATCH_QUEUE, type UploadJob, VALIDATE_QUEUE } from './lifecycle.ts';
import { uploadRoutes } from './routes.ts';
import { validateUpload } from './validate.ts';

export const uploads: Plugin<void> = {
  name: 'tessera-uploads',
  register: (server) => {
    const { db, jobs, config } = server.app;
    server.route(uploadRoutes(config.uploadMaxBytes));
    const options = { policy: 'singleton' as const, heartbeatSeconds: 10, retryLimit: 3, retryDelay: 1 };
    jobs.queue(VALIDATE_QUEUE, options);
    jobs.queue(DISPATCH_QUEUE, options);
    jobs.worker<UploadJob>({
      queue: VALIDATE_QUEUE,
      handle: (job) => validateUpload(db, job.uploadId),
      options: { localConcurrency: 1, pollingIntervalSeconds: 1 },
    });
    jobs.worker<UploadJob>({
      queue: DISPATCH_QUEUE,
      handle: (job) => dispatchUpload(db, job.uploadId, config.uploadBatchRows),
      options: { localConcurrency: 1, pollingIntervalSeconds: 1 },
    });
  },
};
