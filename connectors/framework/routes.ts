// Owns the connection routes (admin only): manage connections, check them, ask for a sync, read runs;
// the file route (admin or integration) that feeds file-based connectors; and the push route where a vendor's system calls a connection.
import type { Request, ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../../core/http/context.ts';
import { mutate } from '../../core/http/mutation.ts';
import { answers } from '../../core/http/openapi.ts';
import { pageQuery } from '../../core/http/pagination.ts';
import { idParams, noBody } from '../../core/payloads.ts';
import { checkConnection } from './check.ts';
import {
  type ConnectionChange,
  type ConnectionInput,
  type Connectors,
  changeConnection,
  createConnection,
  deleteConnection,
  findConnection,
  listConnections,
  presentConnection,
} from './connections.ts';
import { fileTypes, receiveFile } from './files.ts';
import { receivePush } from './push.ts';
import { findRun, listRuns, presentRun, requestRun } from './runs.ts';
import {
  checkAnswer,
  connectionAnswer,
  connectionChange,
  connectionInput,
  connectionPage,
  fileAnswer,
  fileQuery,
  runAnswer,
  runPage,
  syncAnswer,
} from './schema.ts';

const admin = { access: { scope: ['admin'] } };
// What vendors push: SOAP (Salesforce Outbound Messages), JSON, forms, plain text.
const PUSH_TYPES = [
  'text/xml',
  'application/xml',
  'application/soap+xml',
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
];
const tags = ['api', 'connectors'];
const idOf = (request: Request) => paramsOf<{ id: string }>(request).id;

export function connectionRoutes(
  connectors: Connectors,
  pushMaxBytes: number,
  fileMaxBytes: number,
): ServerRoute[] {
  const shown = (row: Parameters<typeof presentConnection>[1]) => presentConnection(connectors, row);
  return [
    {
      method: 'POST',
      path: '/v1/connections',
      options: {
        ...answers('createConnection', { 201: connectionAnswer }),
        description: 'Connect a vendor system (Salesforce, an HR system, a POS feed)',
        notes: 'The credentials are sealed with TESSERA_SECRET_KEY and never shown again.',
        tags,
        auth: admin,
        validate: { payload: connectionInput },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => {
          const { row, inbound } = await createConnection(
            trx,
            connectors,
            actorOf(request),
            payloadOf<ConnectionInput>(request),
          );
          if (!inbound) return { status: 201, body: shown(row) };
          // The inbound source's secret is shown this once; a replay answers without it.
          const body = { ...shown(row), inbound };
          return { status: 201, body, replay: { ...body, inbound: { ...inbound, secret: null } } };
        }),
    },
    {
      method: 'GET',
      path: '/v1/connections',
      options: {
        ...answers('listConnections', { 200: connectionPage }),
        description: "The tenant's connections",
        tags,
        auth: admin,
        validate: { query: Joi.object(pageQuery) },
      },
      handler: async (request) => {
        const page = await listConnections(request.server.app.db, scopeOf(request), queryOf(request));
        return { ...page, data: page.data.map(shown) };
      },
    },
    {
      method: 'GET',
      path: '/v1/connections/{id}',
      options: {
        ...answers('getConnection', { 200: connectionAnswer }),
        description: 'One connection',
        tags,
        auth: admin,
        validate: { params: idParams },
      },
      handler: async (request) =>
        shown(await findConnection(request.server.app.db, scopeOf(request), idOf(request))),
    },
    {
      method: 'PATCH',
      path: '/v1/connections/{id}',
      options: {
        ...answers('changeConnection', { 200: connectionAnswer }),
        description: 'Change a connection; credentials given are replaced whole',
        tags,
        auth: admin,
        validate: { params: idParams, payload: connectionChange },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => {
          const change = payloadOf<ConnectionChange>(request);
          const row = await changeConnection(trx, connectors, actorOf(request), idOf(request), change);
          return { status: 200, body: shown(row) };
        }),
    },
    {
      method: 'DELETE',
      path: '/v1/connections/{id}',
      options: {
        ...answers('deleteConnection', { 204: 'Deleted, with its runs' }),
        description: 'Delete a connection and its runs',
        tags,
        auth: admin,
        validate: { params: idParams, payload: noBody },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => {
          await deleteConnection(trx, actorOf(request), idOf(request));
          return { status: 204, body: null };
        }),
    },
    {
      method: 'POST',
      path: '/v1/connections/{id}/check',
      options: {
        ...answers('checkConnection', { 200: checkAnswer }),
        description: 'Prove the connection works: its credentials, one cheap call to the vendor',
        tags,
        auth: admin,
        validate: { params: idParams, payload: noBody },
      },
      handler: async (request) => {
        const { db, config, logger } = request.server.app;
        const row = await findConnection(db, scopeOf(request), idOf(request));
        return checkConnection(connectors, row, { db, log: logger, settings: config });
      },
    },
    {
      method: 'POST',
      path: '/v1/connections/{id}/sync',
      options: {
        ...answers('syncConnection', { 202: syncAnswer }),
        description: 'Run the connection now; a run already queued or running answers its own id',
        tags,
        auth: admin,
        validate: { params: idParams, payload: noBody },
      },
      handler: (request, h) =>
        mutate(request, h, async (trx) => {
          const row = await findConnection(trx, scopeOf(request), idOf(request));
          const { run } = await requestRun(trx, request.server.app.jobs, row, 'manual');
          return { status: 202, body: { runId: run.id, status: run.status } };
        }),
    },
    {
      method: 'POST',
      path: '/v1/connections/{id}/files',
      options: {
        description: 'Send a file to a connection (an HR export, a POS journal); a run reads it',
        notes:
          'The body is the file itself (text/csv for HR files), streamed, up to TESSERA_CONNECTION_FILE_MAX_BYTES. ' +
          'Files of a connection are read one at a time, in the order they came. With complete=true the file is a full export: members this connection brought in that it does not list are deactivated. An Idempotency-Key sent again with the same file answers the first run; with another file, 422 idempotency_key_reused.',
        tags,
        auth: { access: { scope: ['admin', 'integration'] } },
        validate: { params: idParams, query: fileQuery },
        payload: {
          parse: false,
          output: 'stream',
          maxBytes: fileMaxBytes,
          allow: fileTypes(connectors),
          timeout: false,
        },
        plugins: {
          ...answers('sendConnectionFile', { 202: fileAnswer }).plugins,
          tessera: { streamedBody: true },
        },
      },
      handler: (request, h) =>
        receiveFile(request, h, connectors, idOf(request), queryOf<{ complete: boolean }>(request).complete),
    },
    {
      method: 'GET',
      path: '/v1/connections/{id}/runs',
      options: {
        ...answers('listConnectorRuns', { 200: runPage }),
        description: "The connection's runs, newest first",
        tags,
        auth: admin,
        validate: { params: idParams, query: Joi.object(pageQuery) },
      },
      handler: async (request) => {
        const { db } = request.server.app;
        await findConnection(db, scopeOf(request), idOf(request));
        return listRuns(db, scopeOf(request), idOf(request), queryOf(request));
      },
    },
    {
      method: 'GET',
      path: '/v1/connector-runs/{id}',
      options: {
        ...answers('getConnectorRun', { 200: runAnswer }),
        description: 'One run: its status, counts and first 100 errors',
        tags,
        auth: admin,
        validate: { params: idParams },
      },
      handler: async (request) =>
        presentRun(await findRun(request.server.app.db, scopeOf(request), idOf(request))),
    },
    ...(['GET', 'POST'] as const).map(
      (method): ServerRoute => ({
        method,
        path: '/webhooks/connections/{connectionId}',
        options: {
          description: 'Where a vendor system pushes to a connection (Salesforce Outbound Messages, …)',
          // Not in the API document: the vendor's system calls it in the vendor's own format (SOAP for
          // Salesforce), with no API key and no Idempotency-Key; the README describes it per vendor.
          tags: ['connectors'],
          auth: false,
          ...(method === 'POST' && {
            payload: { parse: false, output: 'data', maxBytes: pushMaxBytes, allow: PUSH_TYPES },
          }),
        },
        handler: async (request, h) => {
          const answer = await receivePush(request.server.app, connectors, {
            connectionId: paramsOf<{ connectionId: string }>(request).connectionId,
            method: request.method.toUpperCase(),
            headers: request.headers as Record<string, string>,
            query: request.query as Record<string, string>,
            search: request.url.search,
            body: (request.payload as Buffer | null) ?? Buffer.alloc(0),
          });
          return h.response(answer.body).type(answer.contentType).code(answer.status);
        },
      }),
    ),
  ];
}
