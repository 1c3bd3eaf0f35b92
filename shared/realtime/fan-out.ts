import type { ConnectionStore, OpenConnection } from './connections';
import type { UserFrames } from './frames';

/**
 * Delivers the frames of one change to every open connection of its user — the use case
 * behind functions/realtime/fan-out-changes.ts. No AWS SDK here: posting is the `FramePoster`
 * port (management-api-poster.ts).
 *
 * - All connections in parallel; each gets the change's frames in order.
 * - A throttled or failed post (`retryable`) is tried again, at most `maxAttempts` times in all,
 *   with growing jittered pauses; then that connection misses this change (counted, logged).
 * - A connection that is gone (410) is deleted, and the others carry on.
 * - Only listing the user's connections can fail the whole change (then the record is retried):
 *   retrying a change for one bad connection would send it twice to all the good ones.
 */
export type PostOutcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'retryable'; readonly errorName: string }
  | { readonly kind: 'failed'; readonly errorName: string };

export interface FramePoster {
  post(connection: OpenConnection, payload: string): Promise<PostOutcome>;
}

export interface FanOutDeps {
  readonly connections: ConnectionStore;
  readonly poster: FramePoster;
  /** This fan-out's management endpoint: it delivers to the connections reachable through it. */
  readonly endpoint: string;
  /** @default 3 */
  readonly maxAttempts?: number;
  /** Waits between attempts (injected: tests do not sleep). */
  readonly sleep: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface DeliveryReport {
  readonly frames: number;
  readonly connections: number;
  /** Frames posted (a frame to two connections counts twice). */
  readonly sent: number;
  /** Connections found gone and deleted. */
  readonly gone: number;
  /** Connections that missed (part of) the change after their retries, by error name. */
  readonly failed: readonly { readonly connectionId: string; readonly errorName: string }[];
}

const BASE_DELAY_MS = 50;

export async function deliverFrames(deps: FanOutDeps, change: UserFrames): Promise<DeliveryReport> {
  const maxAttempts = deps.maxAttempts ?? 3;
  const random = deps.random ?? Math.random;
  const connections = (await deps.connections.listOpen(change.userId)).filter(
    (connection) => connection.endpoint === deps.endpoint,
  );
  const payloads = change.frames.map((frame) => JSON.stringify(frame));
  let sent = 0;
  let gone = 0;
  const failed: { connectionId: string; errorName: string }[] = [];

  async function postWithRetries(connection: OpenConnection, payload: string): Promise<PostOutcome> {
    let outcome: PostOutcome = { kind: 'failed', errorName: 'NotAttempted' };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        outcome = await deps.poster.post(connection, payload);
      } catch (error) {
        outcome = { kind: 'failed', errorName: (error as Error)?.name ?? 'Error' };
      }
      if (outcome.kind !== 'retryable' || attempt === maxAttempts) return outcome;
      await deps.sleep(Math.round(BASE_DELAY_MS * 2 ** (attempt - 1) * (0.5 + random())));
    }
    return outcome;
  }

  await Promise.all(
    connections.map(async (connection) => {
      for (const payload of payloads) {
        const outcome = await postWithRetries(connection, payload);
        if (outcome.kind === 'sent') {
          sent += 1;
          continue;
        }
        if (outcome.kind === 'gone') {
          gone += 1;
          try {
            await deps.connections.close(change.userId, connection.connectionId);
          } catch (error) {
            // Left for its expiry; the next change will find it gone again.
            failed.push({
              connectionId: connection.connectionId,
              errorName: (error as Error)?.name ?? 'Error',
            });
          }
          return;
        }
        failed.push({ connectionId: connection.connectionId, errorName: outcome.errorName });
        return;
      }
    }),
  );
  return { frames: payloads.length, connections: connections.length, sent, gone, failed };
}

/**
 * The connections port, listing each user's connections once: for the records of one batch
 * (a fraction of a second of changes). A gone connection is dropped from the cached list too.
 */
export function listingOncePerUser(store: ConnectionStore): ConnectionStore {
  const listed = new Map<string, Promise<OpenConnection[]>>();
  return {
    open: (input) => store.open(input),
    async close(userId, connectionId) {
      await store.close(userId, connectionId);
      const cached = listed.get(userId);
      if (cached)
        listed.set(
          userId,
          cached.then((list) => list.filter((connection) => connection.connectionId !== connectionId)),
        );
    },
    listOpen(userId) {
      let list = listed.get(userId);
      if (!list) {
        list = store.listOpen(userId);
        // A failed listing is not remembered: the record is retried and lists again.
        list.catch(() => listed.delete(userId));
        listed.set(userId, list);
      }
      return list;
    },
  };
}
