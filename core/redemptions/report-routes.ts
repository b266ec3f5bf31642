// Owns the reporting routes: redemption stats for dashboards, exports streamed under a profile, export
// profiles, and the stored exports (the monthly reconciliation) for download.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { idParams } from '../payloads.ts';
import {
  createProfile,
  type ExportQuery,
  exportFile,
  exportStream,
  FIELDS,
  type Field,
  listExports,
  listProfiles,
} from './exports.ts';
import { GROUPS, redemptionStats, type StatsQuery } from './stats.ts';

const tags = ['api', 'redemptions'];
const readers = { access: { scope: ['admin', 'viewer', 'partner'] } };
const admins = { access: { scope: ['admin'] } };
const day = Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/);
const TYPES = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' };

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

const statsAnswer = Joi.object({
  groupBy: Joi.string().required(),
  from: Joi.string().required(),
  to: Joi.string().required(),
  data: Joi.array()
    .items(
      Joi.object({
        key: Joi.string().allow(null),
        redemptions: Joi.number().integer(),
        successful: Joi.number().integer(),
        pending: Joi.number().integer(),
        failed: Joi.number().integer(),
        amount: Joi.number().integer(),
      }).label('RedemptionStat'),
    )
    .required(),
}).label('RedemptionStats');

const profileAnswer = Joi.object({
  name: Joi.string().required(),
  fields: Joi.array().items(Joi.string()).required(),
  builtIn: Joi.boolean(),
}).label('ExportProfile');

export const reportRoutes: ServerRoute[] = [
  {
    method: 'GET',
    path: '/v1/redemptions/stats',
    options: {
      ...answers('redemptionStats', { 200: statsAnswer }),
      description: 'Redemption counts and amounts by day, partner, offer, channel, tier or validation method',
      notes:
        'Whole UTC days, from inclusive and to exclusive (default: the last 30 days). A partner key: its own.',
      tags,
      auth: readers,
      validate: {
        query: Joi.object({
          groupBy: Joi.string()
            .valid(...Object.keys(GROUPS))
            .default('day'),
          from: day.default(() => daysAgo(30)),
          to: day.default(() => daysAgo(-1)),
          partnerId: Joi.string().guid(),
        }),
      },
    },
    handler: (request) =>
      redemptionStats(request.server.app.db, scopeOf(request), queryOf<StatsQuery>(request)),
  },
  {
    method: 'GET',
    path: '/v1/redemptions/export',
    options: {
      ...answers('exportRedemptions', { 200: 'The file: CSV with a header row, or NDJSON' }),
      description: 'Stream redemptions under an export profile, as CSV or NDJSON',
      notes:
        'Only the profile’s fields are in the file. A partner key gets only its own rows, whatever the profile. ' +
        'CSV is formula-safe (a cell starting with = + - @ is written with a leading apostrophe).',
      tags,
      auth: readers,
      validate: {
        query: Joi.object({
          profile: Joi.string().max(100).required(),
          format: Joi.string().valid('csv', 'ndjson').default('csv'),
          from: Joi.date().iso(),
          to: Joi.date().iso(),
          partnerId: Joi.string().guid(),
        }),
      },
    },
    handler: async (request, h) => {
      const query = queryOf<ExportQuery>(request);
      const stream = await exportStream(request.server.app.db, scopeOf(request), query);
      return h
        .response(stream)
        .type(TYPES[query.format])
        .header('content-disposition', `attachment; filename="redemptions-${query.profile}.${query.format}"`);
    },
  },
  {
    method: 'POST',
    path: '/v1/export-profiles',
    options: {
      ...answers('createExportProfile', { 201: profileAnswer }),
      description: 'Create an export profile: the fields its files may hold',
      tags,
      auth: admins,
      validate: {
        payload: Joi.object({
          name: Joi.string()
            .pattern(/^[a-z0-9_-]{1,50}$/)
            .required(),
          fields: Joi.array()
            .items(Joi.string().valid(...Object.keys(FIELDS)))
            .min(1)
            .unique()
            .required(),
        }).label('ExportProfileInput'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const row = await createProfile(
          trx,
          actorOf(request),
          payloadOf<{ name: string; fields: Field[] }>(request),
        );
        return { status: 201, body: { name: row.name, fields: row.fields, builtIn: false } };
      }),
  },
  {
    method: 'GET',
    path: '/v1/export-profiles',
    options: {
      ...answers('listExportProfiles', {
        200: Joi.object({ data: Joi.array().items(profileAnswer).required() }).label('ExportProfiles'),
      }),
      description: 'The built-in export profiles and the tenant’s own',
      tags,
      auth: readers,
    },
    handler: (request) => listProfiles(request.server.app.db, scopeOf(request)),
  },
  {
    method: 'GET',
    path: '/v1/exports',
    options: {
      ...answers('listExports', {
        200: Joi.object({ data: Joi.array().items(Joi.object().unknown(true)).required() }).label('Exports'),
      }),
      description: 'Stored exports: the monthly reconciliations',
      tags,
      auth: admins,
    },
    handler: (request) => listExports(request.server.app.db, scopeOf(request)),
  },
  {
    method: 'GET',
    path: '/v1/exports/{id}/file',
    options: {
      ...answers('downloadExport', { 200: 'The stored file' }),
      description: "Download a stored export's file",
      tags,
      auth: admins,
      validate: { params: idParams },
    },
    handler: async (request, h) => {
      const file = await exportFile(
        request.server.app.db,
        scopeOf(request),
        paramsOf<{ id: string }>(request).id,
      );
      return h.response(file.stream).type(TYPES[file.format]);
    },
  },
];
