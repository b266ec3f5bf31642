// Owns HR milestones: for each connection configured with `milestones`, the members it brought in whose
// work anniversary or birthday falls on today's date in the connection's time zone are taken in as
// `hr.anniversary` / `hr.birthday` source events. The intake's unique (source, sourceEventId) makes each
// exactly once per member per year, however often and wherever the schedule runs.
import Joi from 'joi';
import type { Database } from '../../core/db/database.ts';
import { takeIn } from '../../core/intake/service.ts';
import { Connection } from './model.ts';
import { validTimeZone } from './schedule.ts';

const attributeName = Joi.string().pattern(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);

export interface MilestonesConfig {
  timeZone: string;
  // The member attribute holding the date (YYYY-MM-DD, or an ISO timestamp).
  anniversary?: { field: string };
  birthday?: { field: string };
}

export const milestonesSchema = Joi.object({
  timeZone: Joi.string()
    .custom((value: string, helpers) =>
      validTimeZone(value)
        ? value
        : helpers.message({ custom: 'must be an IANA time zone such as Asia/Kolkata' }),
    )
    .required(),
  anniversary: Joi.object({ field: attributeName.required() }).description('e.g. {"field": "hireDate"}'),
  birthday: Joi.object({ field: attributeName.required() }).description('e.g. {"field": "dateOfBirth"}'),
})
  .or('anniversary', 'birthday')
  .description("milestone events in the people's own time zone; the date is a member attribute");

type LocalDate = { year: number; month: string; day: string };

export function localDate(now: Date, timeZone: string): LocalDate {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value as string;
  return { year: Number(part('year')), month: part('month'), day: part('day') };
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

// The MM-DD dates celebrated today: 29 February is kept on the 28th in other years.
function daysOf(today: LocalDate): string[] {
  const day = `${today.month}-${today.day}`;
  return day === '02-28' && !isLeap(today.year) ? [day, '02-29'] : [day];
}

type Kind = 'anniversary' | 'birthday';

async function membersOn(db: Database, connectionId: string, field: string, days: string[]) {
  const { rows } = await db.raw(
    `SELECT m.external_ref AS ref, m.attributes->>? AS date
       FROM connection_members cm JOIN members m ON m.id = cm.member_id
      WHERE cm.connection_id = ? AND m.status = 'active'
        AND m.attributes->>? ~ '^\\d{4}-\\d{2}-\\d{2}'
        AND substring(m.attributes->>? from 6 for 5) = ANY(?::text[])`,
    [field, connectionId, field, field, days],
  );
  return rows as Array<{ ref: string; date: string }>;
}

function eventOf(
  kind: Kind,
  connection: Connection,
  today: LocalDate,
  member: { ref: string; date: string },
) {
  const year = Number(member.date.slice(0, 4));
  const base = {
    source: connection.name,
    sourceEventId: `${kind}:${member.ref}:${today.year}`,
    memberRef: member.ref,
  };
  if (kind === 'birthday')
    return { ...base, type: 'hr.birthday', data: { birthday: member.date.slice(5, 10) } };
  const years = today.year - year;
  if (years < 1) return null;
  return { ...base, type: 'hr.anniversary', data: { years, hireDate: member.date.slice(0, 10) } };
}

async function connectionMilestones(db: Database, connection: Connection, now: Date): Promise<number> {
  const milestones = connection.config.milestones as MilestonesConfig;
  const today = localDate(now, milestones.timeZone);
  let taken = 0;
  for (const kind of ['anniversary', 'birthday'] as const) {
    const field = milestones[kind]?.field;
    if (!field) continue;
    for (const member of await membersOn(db, connection.id, field, daysOf(today))) {
      const event = eventOf(kind, connection, today, member);
      if (!event) continue;
      const { created } = await db.transaction((trx) =>
        takeIn(trx, { tenantId: connection.tenantId, actor: null }, event),
      );
      if (created) taken += 1;
    }
  }
  return taken;
}

// One pass over every active connection with milestones; answers how many events were new.
export async function takeMilestones(db: Database, now = new Date()) {
  const connections = await Connection.query(db)
    .where({ status: 'active' })
    .whereRaw("config \\? 'milestones'");
  let taken = 0;
  for (const connection of connections) taken += await connectionMilestones(db, connection, now);
  return taken ? { taken } : undefined;
}
