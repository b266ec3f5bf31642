// Owns the complaint routes: open one (admin or integration), read, change, comment, the one-click
// fixes and the report (admin).
import type { Request, ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { pageOf } from '../paging.ts';
import { idParams, noBody, nullable } from '../payloads.ts';
import { reissue, resendFromComplaint, reverseReward } from './fixes.ts';
import {
  addNote,
  changeComplaint,
  findComplaint,
  listComplaints,
  openComplaint,
  presentComplaint,
} from './service.ts';
import { complaintReport } from './sla.ts';

const admin = { access: { scope: ['admin'] } };
const writers = { access: { scope: ['admin', 'integration'] } };
const readers = { access: { scope: ['admin', 'integration', 'viewer'] } };
const tags = ['api', 'complaints'];
const idOf = (request: Request) => paramsOf<{ id: string }>(request).id;
const priority = Joi.string().valid('P1', 'P2', 'P3', 'P4');
const status = Joi.string().valid('open', 'in_progress', 'resolved', 'closed');

const complaintAnswer = Joi.object({
  id: Joi.string().guid().required(),
  issuanceId: nullable(Joi.string().guid()),
  deliveryId: nullable(Joi.string().guid()),
  redemptionId: nullable(Joi.string().guid()),
  category: Joi.string().required(),
  description: Joi.string().required(),
  priority: priority.required(),
  status: status.required(),
  assignee: nullable(Joi.string()),
  dueAt: Joi.date().required(),
  breached: Joi.boolean().required(),
  breachedAt: nullable(Joi.date()),
  resolvedAt: nullable(Joi.date()),
  closedAt: nullable(Joi.date()),
  notes: Joi.array().items(Joi.object().unknown(true)).required(),
  createdAt: Joi.date().required(),
  updatedAt: Joi.date().required(),
}).label('Complaint');

const reportAnswer = Joi.object().unknown(true).label('ComplaintReport');

const changed =
  (work: (request: Request) => Parameters<typeof mutate>[2]) =>
  (request: Request, h: Parameters<typeof mutate>[1]) =>
    mutate(request, h, work(request));

export const complaintRoutes: ServerRoute[] = [
  {
    method: 'POST',
    path: '/v1/complaints',
    options: {
      ...answers('openComplaint', { 201: complaintAnswer }),
      description: "Log a recipient's complaint about a reward; its due time follows the priority's SLA",
      tags,
      auth: writers,
      validate: {
        payload: Joi.object({
          issuanceId: Joi.string().guid(),
          deliveryId: Joi.string().guid().description('the reward message complained about'),
          redemptionId: Joi.string().guid().description('the redemption complained about'),
          category: Joi.string()
            .valid('code_not_working', 'not_received', 'wrong_amount', 'other')
            .required(),
          description: Joi.string().trim().min(1).max(2000).required(),
          priority: priority.default('P3'),
          assignee: Joi.string().max(200),
        })
          .xor('issuanceId', 'deliveryId', 'redemptionId')
          .label('ComplaintInput'),
      },
    },
    handler: changed((request) => async (trx) => ({
      status: 201,
      body: presentComplaint(await openComplaint(trx, actorOf(request), payloadOf(request))),
    })),
  },
  {
    method: 'GET',
    path: '/v1/complaints',
    options: {
      ...answers('listComplaints', { 200: pageOf(complaintAnswer, 'ComplaintPage') }),
      description: 'Complaints, newest first',
      tags,
      auth: readers,
      validate: {
        query: Joi.object({
          status,
          priority,
          breached: Joi.boolean(),
          assignee: Joi.string(),
          ...pageQuery,
        }),
      },
    },
    handler: (request) => listComplaints(request.server.app.db, scopeOf(request), queryOf(request)),
  },
  {
    method: 'GET',
    path: '/v1/complaints/report',
    options: {
      ...answers('complaintReport', { 200: reportAnswer }),
      description:
        'Complaints opened in a period: open, breached, resolved, median minutes to resolve, per priority',
      tags,
      auth: admin,
      validate: { query: Joi.object({ from: Joi.date().iso().required(), to: Joi.date().iso().required() }) },
    },
    handler: (request) =>
      complaintReport(request.server.app.db, scopeOf(request), queryOf<{ from: Date; to: Date }>(request)),
  },
  {
    method: 'GET',
    path: '/v1/complaints/{id}',
    options: {
      ...answers('getComplaint', { 200: complaintAnswer }),
      description: 'One complaint with its notes',
      tags,
      auth: readers,
      validate: { params: idParams },
    },
    handler: async (request) =>
      presentComplaint(await findComplaint(request.server.app.db, scopeOf(request), idOf(request))),
  },
  {
    method: 'PATCH',
    path: '/v1/complaints/{id}',
    options: {
      ...answers('changeComplaint', { 200: complaintAnswer }),
      description:
        'Move a complaint (open, in_progress, resolved, closed; reopen), assign it, change its priority',
      tags,
      auth: writers,
      validate: {
        params: idParams,
        payload: Joi.object({ status, assignee: Joi.string().max(200).allow(null), priority }).min(1),
      },
    },
    handler: changed((request) => async (trx) => ({
      status: 200,
      body: presentComplaint(await changeComplaint(trx, actorOf(request), idOf(request), payloadOf(request))),
    })),
  },
  {
    method: 'POST',
    path: '/v1/complaints/{id}/comments',
    options: {
      ...answers('commentComplaint', { 200: complaintAnswer }),
      description: 'Add a comment',
      tags,
      auth: writers,
      validate: {
        params: idParams,
        payload: Joi.object({ text: Joi.string().trim().min(1).max(2000).required() }),
      },
    },
    handler: changed((request) => async (trx) => {
      const row = await findComplaint(trx, scopeOf(request), idOf(request), true);
      const text = payloadOf<{ text: string }>(request).text;
      return {
        status: 200,
        body: presentComplaint(await addNote(trx, actorOf(request), row, { kind: 'comment', text })),
      };
    }),
  },
  {
    method: 'POST',
    path: '/v1/complaints/{id}/resend',
    options: {
      ...answers('resendFromComplaint', { 200: complaintAnswer }),
      description: "Send the reward's message again, to the member's details as they are now",
      notes:
        '409 no_delivery when the reward has no message; already_delivered, already_queued as for a resend.',
      tags,
      auth: admin,
      validate: { params: idParams, payload: noBody },
    },
    handler: changed((request) => async (trx) => ({
      status: 200,
      body: presentComplaint(await resendFromComplaint(trx, actorOf(request), idOf(request))),
    })),
  },
  {
    method: 'POST',
    path: '/v1/complaints/{id}/reissue',
    options: {
      ...answers('reissueFromComplaint', { 200: complaintAnswer }),
      description: 'Give the voucher a new code of the same offer and denomination; the old code is voided',
      tags,
      auth: admin,
      validate: { params: idParams, payload: noBody },
    },
    handler: changed((request) => async (trx) => ({
      status: 200,
      body: presentComplaint(await reissue(trx, actorOf(request), idOf(request))),
    })),
  },
  {
    method: 'POST',
    path: '/v1/complaints/{id}/reverse',
    options: {
      ...answers('reverseFromComplaint', { 200: complaintAnswer }),
      description: "Take the reward's points back through the ledger",
      tags,
      auth: admin,
      validate: { params: idParams, payload: Joi.object({ reason: Joi.string().max(500) }).allow(null) },
    },
    handler: changed((request) => async (trx) => ({
      status: 200,
      body: presentComplaint(
        await reverseReward(
          trx,
          actorOf(request),
          idOf(request),
          payloadOf<{ reason?: string } | null>(request)?.reason,
        ),
      ),
    })),
  },
];
