/**
 * Port: asks live streams to stop. Deleting a room or session, or clearing history, cancels the
 * streams they hold; the streaming loop sees the flag at its next poll, from whatever instance.
 * Adapter: shared/data/active-streams-repository.ts (ActiveStreams table).
 */
export type StreamScope = { readonly roomId: string } | { readonly sessionId: string };

export interface StreamCanceller {
  /** Sets the cancel flag of every live stream of `userId` in `scope`; returns the ids it flagged. */
  cancelStreams(userId: string, scope: StreamScope): Promise<string[]>;
}
