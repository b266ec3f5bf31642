// Owns the handler side of a route whose body streams in (a file, an upload): its bytes counted against
// a limit and hashed as they pass, and its Idempotency-Key claimed once the hash is known. A replay
// undoes what reading the body wrote (the handler's transaction rolls back) and answers the first reply.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Request, ResponseToolkit } from '@hapi/hapi';
import { domainError } from '../errors.ts';
import { claimStreamed, markStored } from './idempotency.ts';

// Thrown out of the handler's transaction to roll it back; answered as the stored reply.
class Replayed {
  readonly answer: { status: number; body: unknown };
  constructor(answer: { status: number; body: unknown }) {
    this.answer = answer;
  }
}

export interface HashedBody {
  chunks: AsyncGenerator<Buffer>;
  bytes: () => number;
  sha256: () => string;
}

// The body's chunks as they arrive; past `maxBytes` reading fails with 413 `payload_too_large`.
export const hashedBody = (request: Request, maxBytes: number): HashedBody =>
  hashedStream(request.payload as Readable, maxBytes);

// The same for a part of the body (a multipart form's file).
export function hashedStream(stream: Readable, maxBytes: number): HashedBody {
  const hash = createHash('sha256');
  let bytes = 0;
  async function* chunks() {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      if (bytes > maxBytes)
        throw domainError(413, 'payload_too_large', `The body may hold at most ${maxBytes} bytes`, [
          { maxBytes },
        ]);
      hash.update(buffer);
      yield buffer;
    }
  }
  return { chunks: chunks(), bytes: () => bytes, sha256: () => hash.digest('hex') };
}

// Called inside the handler's transaction once the body is read: claims the key, or rolls back and
// answers the stored reply.
export async function claimOrReplay(request: Request, bodySha256: string): Promise<void> {
  const replay = await claimStreamed(request, bodySha256);
  if (replay) throw new Replayed(replay);
}

export async function answerStreamed(
  request: Request,
  h: ResponseToolkit,
  work: () => Promise<{ status: number; body: unknown }>,
) {
  try {
    const { status, body } = await work();
    markStored(request);
    return h.response(body as object).code(status);
  } catch (error) {
    if (!(error instanceof Replayed)) throw error;
    const { status, body } = error.answer;
    return h
      .response(body ?? undefined)
      .code(status)
      .header('Idempotent-Replayed', 'true');
  }
}
