// Owns the member routes: upsert by external reference, get, list with filters, and set a PIN.
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { actorOf, paramsOf, payloadOf, queryOf, scopeOf } from '../http/context.ts';
import { mutate } from '../http/mutation.ts';
import { answers } from '../http/openapi.ts';
import { pageQuery } from '../http/pagination.ts';
import { pageOf } from '../paging.ts';
import { setPin } from './pin.ts';
import { memberAnswer, memberFields, memberRef, memberStatus } from './schema.ts';
import {
  getMember,
  listMembers,
  type MemberInput,
  type MemberQuery,
  presentMember,
  upsertMember,
} from './service.ts';

const readers = { access: { scope: ['admin', 'integration', 'viewer'] } };
const writers = { access: { scope: ['admin', 'integration'] } };
const refParams = Joi.object({ externalRef: memberRef.required() });

export const memberRoutes: ServerRoute[] = [
  {
    method: 'PUT',
    path: '/v1/members/{externalRef}',
    options: {
      ...answers('upsertMember', { 200: memberAnswer, 201: memberAnswer }),
      description: 'Create or update a member',
      notes:
        'Fields left out keep their stored values; null clears a field. 201 when created, 200 when updated.',
      tags: ['api', 'members'],
      auth: writers,
      validate: { params: refParams, payload: memberFields },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const { externalRef } = paramsOf<{ externalRef: string }>(request);
        const result = await upsertMember(
          trx,
          actorOf(request),
          externalRef,
          payloadOf<MemberInput>(request),
        );
        return { status: result.created ? 201 : 200, body: presentMember(result.member) };
      }),
  },
  {
    method: 'GET',
    path: '/v1/members/{externalRef}',
    options: {
      ...answers('getMember', { 200: memberAnswer }),
      description: 'Get a member',
      tags: ['api', 'members'],
      auth: readers,
      validate: { params: refParams },
    },
    handler: async (request) =>
      presentMember(
        await getMember(
          request.server.app.db,
          scopeOf(request),
          paramsOf<{ externalRef: string }>(request).externalRef,
        ),
      ),
  },
  {
    method: 'PUT',
    path: '/v1/members/{externalRef}/pin',
    options: {
      ...answers('setMemberPin', { 204: 'Set' }),
      description: "Set the member's redemption PIN (kept hashed, never shown)",
      tags: ['api', 'members'],
      auth: writers,
      validate: {
        params: refParams,
        payload: Joi.object({
          pin: Joi.string()
            .pattern(/^\d{4,8}$/)
            .required()
            .description('4 to 8 digits'),
        }).label('MemberPin'),
      },
    },
    handler: (request, h) =>
      mutate(request, h, async (trx) => {
        const { externalRef } = paramsOf<{ externalRef: string }>(request);
        await setPin(trx, actorOf(request), externalRef, payloadOf<{ pin: string }>(request).pin);
        return { status: 204, body: null };
      }),
  },
  {
    method: 'GET',
    path: '/v1/members',
    options: {
      ...answers('listMembers', { 200: pageOf(memberAnswer, 'MemberPage') }),
      description: 'List members',
      tags: ['api', 'members'],
      auth: readers,
      validate: {
        query: Joi.object({
          segment: Joi.string().max(100),
          tier: Joi.string().max(50),
          status: memberStatus,
          q: Joi.string().max(200).description('matches name, email or external reference'),
          ...pageQuery,
        }),
      },
    },
    handler: (request) => listMembers(request.server.app.db, scopeOf(request), queryOf<MemberQuery>(request)),
  },
];
