// Owns the connectors' background work, declared through core/jobs: the `connector-sync` queue (one run
// per connection across processes, on worker processes), the `connector-files` queue (a connection's
// files one at a time, in order), the schedule that queues connections due, and the `hr-milestones` schedule.
import type { Server } from '@hapi/hapi';
import type { Connectors } from './connections.ts';
import { FILES_QUEUE, type FileJob } from './files.ts';
import { takeMilestones } from './milestones.ts';
import { enqueueDue, executeRun, readFilesInOrder, SYNC_QUEUE, type SyncJob } from './runs.ts';
import { nextRunAt } from './schedule.ts';

export function declareConnectorJobs(server: Server, connectors: Connectors) {
  const { db, jobs, config, logger } = server.app;
  jobs.queue(SYNC_QUEUE, {
    policy: 'stately',
    // A dead worker's job comes back when its heartbeat stops (10 s, pg-boss's least); the run it held
    // is then failed and resumed.
    heartbeatSeconds: 10,
    retryLimit: 3,
    retryDelay: 1,
  });
  jobs.worker<SyncJob>({
    queue: SYNC_QUEUE,
    handle: (job) => executeRun({ db, jobs, log: logger, connectors, settings: config }, job.runId),
    options: { localConcurrency: 2, pollingIntervalSeconds: 1 },
  });
  // One file job per connection runs at a time (pg-boss's singleton policy), and it reads the
  // connection's files in the order they came, whichever job it is: pg-boss may hand out a later file's
  // job first. The jobs of files read that way find their run finished and do nothing.
  jobs.queue(FILES_QUEUE, { policy: 'singleton', heartbeatSeconds: 10, retryLimit: 3, retryDelay: 1 });
  jobs.worker<FileJob>({
    queue: FILES_QUEUE,
    handle: (job) => readFilesInOrder({ db, jobs, log: logger, connectors, settings: config }, job.runId),
    options: { localConcurrency: 2, pollingIntervalSeconds: 1 },
  });
  jobs.schedule({
    name: 'connector-due',
    cron: config.connectorDueCron,
    run: (database) => enqueueDue(database, jobs, (c) => nextRunAt(c.schedule, c.timeZone)),
  });
  // Hourly by default, so that every time zone's midnight is covered.
  jobs.schedule({
    name: 'hr-milestones',
    cron: config.milestonesCron,
    run: (database) => takeMilestones(database),
  });
}
