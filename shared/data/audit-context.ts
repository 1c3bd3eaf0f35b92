import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditEvent, AuditResources } from '../schemas/account';
import { auditPut } from './audit-repository';

/**
 * The audit event of the request in progress, waiting to join the request's first write
 * transaction: the HTTP pipeline sets it (for routes whose audit mode is `transaction`), and
 * `transactWrite` appends its Put to the first TransactWriteItems call it makes — a
 * transaction can span tables — so the event is stored exactly when the change commits, with
 * no round trip of its own. A transaction that does not commit leaves it pending, and the
 * pipeline records the failure instead.
 */
export interface PendingAudit {
  readonly event: AuditEvent;
  readonly tableName: string;
  readonly retentionDays: number;
  state: 'pending' | 'recorded';
  /** Called once the event is stored (the pipeline logs the operators' line). */
  readonly onRecorded: (event: AuditEvent) => void;
}

const storage = new AsyncLocalStorage<PendingAudit>();

export const runWithPendingAudit = <T>(pending: PendingAudit, fn: () => Promise<T>): Promise<T> =>
  storage.run(pending, fn);

/** TransactWriteItems takes at most 100 items. */
const MAX_TRANSACTION_ITEMS = 100;

type TransactItem = Record<string, unknown>;

/** Resource ids the transaction's own puts name (a create learns its new id only here). */
function resourcesOf(items: readonly TransactItem[]): AuditResources {
  const found: Record<string, string> = {};
  for (const entry of items) {
    const put = entry.Put as { Item?: Record<string, unknown> } | undefined;
    for (const name of ['room_id', 'session_id'] as const) {
      const value = put?.Item?.[name];
      if (typeof value === 'string' && found[name] === undefined) found[name] = value;
    }
  }
  return found;
}

/**
 * The transaction items with the pending audit event's Put appended, when there is one
 * waiting and room for it; `commit()` marks it stored once the transaction committed.
 */
export function withPendingAudit<I extends TransactItem>(
  items: readonly I[],
): { readonly items: readonly (I | TransactItem)[]; readonly commit: () => void } {
  const pending = storage.getStore();
  if (pending?.state !== 'pending' || items.length >= MAX_TRANSACTION_ITEMS) {
    return { items, commit: () => {} };
  }
  const event: AuditEvent = {
    ...pending.event,
    resources: { ...resourcesOf(items), ...pending.event.resources },
  };
  return {
    items: [...items, { Put: auditPut(pending.tableName, event, pending.retentionDays) }],
    commit: () => {
      pending.state = 'recorded';
      pending.onRecorded(event);
    },
  };
}
