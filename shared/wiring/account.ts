import { getConfig } from '../config/config';
import {
  chatTableFamily,
  createAccountDataReader,
  createAccountDeletionJobs,
  createAccountRepository,
  ownerPartitionFamily,
} from '../data/account-repository';
import { createAuditRepository } from '../data/audit-repository';
import { getDocumentClient, tableNames } from '../data/dynamo-client';
import { createMessageRepository } from '../data/message-repository';
import { createRoomRepository } from '../data/room-repository';
import type {
  AccountDeps,
  AccountMaintenanceDeps,
  AuditTrail,
  PerUserItemFamily,
} from '../domain/account/ports';
import { systemClock } from '../domain/clock';
import { createStreamCanceller, newId } from './rooms';

/**
 * Wiring of the account area ("your data"): settings, audit listing, exports, account deletion
 * and the retention and deletion jobs, built once per cold start. Depends on the rooms wiring
 * only (the stream canceller, ids).
 */
function auditTrail(): AuditTrail {
  return createAuditRepository({
    client: getDocumentClient(),
    tableName: tableNames.audit,
    retentionDays: getConfig().AUDIT_RETENTION_DAYS,
  });
}

/** Binds an adapter to its table on first use: a function only has the names of the tables it was granted. */
function lazy<T extends object>(create: () => T): T {
  let made: T | undefined;
  return new Proxy({} as T, {
    get: (_target, property) => {
      made ??= create();
      return made[property as keyof T];
    },
  });
}

export function createAccountDeps(): AccountDeps {
  const config = getConfig();
  const client = getDocumentClient();
  return {
    account: lazy(() => createAccountRepository(client, tableNames.chat)),
    audit: lazy(auditTrail),
    rooms: lazy(() => createRoomRepository(client, tableNames.chat)),
    messages: lazy(() => createMessageRepository(client, tableNames.chat)),
    data: lazy(() => createAccountDataReader(client, tableNames.chat)),
    streams: createStreamCanceller(),
    clock: systemClock,
    retention: { defaultRetentionDays: config.DEFAULT_RETENTION_DAYS },
    newId,
  };
}

/**
 * Per-user item families beyond the chat and streams tables, deleted with an account. The
 * WebSocket connections (and any later per-user table) register here, so the deletion job
 * covers them without changing it.
 */
export const otherPerUserItemFamilies: PerUserItemFamily[] = [
  // Open WebSocket connections and their slots (owner-first keys): none outlives the deletion,
  // except a connection opened after it (its `connected_at` is later).
  lazy(() => ownerPartitionFamily(getDocumentClient(), tableNames.connections, 'connections')),
];

/** The account deletion and retention jobs. */
export function createAccountMaintenanceDeps(): AccountMaintenanceDeps {
  const config = getConfig();
  const client = getDocumentClient();
  const chat = tableNames.chat;
  const messages = createMessageRepository(client, chat);
  return {
    account: createAccountRepository(client, chat),
    audit: auditTrail(),
    rooms: createRoomRepository(client, chat),
    streams: createStreamCanceller(),
    jobs: createAccountDeletionJobs(client, chat),
    families: [
      // Streams first: nothing of the user keeps running while their rooms go.
      lazy(() => ownerPartitionFamily(client, tableNames.streams, 'streams')),
      ...otherPerUserItemFamilies,
      chatTableFamily(client, chat, messages),
    ],
    clock: systemClock,
    retention: { defaultRetentionDays: config.DEFAULT_RETENTION_DAYS },
    newId,
  };
}
