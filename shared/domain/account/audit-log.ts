import * as z from 'zod';
import type { AuditEvent } from '../../schemas/account';
import { cursorOwner, decodeCursor, encodeCursor, invalidCursor } from '../cursor';
import type { AccountDeps } from './ports';

const auditCursorSchema = z.strictObject({
  v: z.literal(1),
  list: z.literal('audit'),
  owner: z.string(),
  after: z.strictObject({ sort_key: z.string().min(1).max(512) }),
});

/** A page of the caller's own audit events, newest first (the partition is the caller's: no one else's can appear). */
export async function listAuditEvents(
  deps: Pick<AccountDeps, 'audit'>,
  userId: string,
  query: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<{ events: AuditEvent[]; next_cursor: string | null }> {
  const owner = cursorOwner(userId);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(auditCursorSchema, query.cursor);
  if (cursor && cursor.owner !== owner) throw invalidCursor();
  const page = await deps.audit.list(userId, { limit: query.limit, after: cursor?.after });
  return {
    events: [...page.events],
    next_cursor: page.next ? encodeCursor({ v: 1, list: 'audit', owner, after: page.next }) : null,
  };
}
