/** An open WebSocket connection of a user, as the connections table records it. */
export interface OpenConnection {
  readonly userId: string;
  readonly connectionId: string;
  /** The management API endpoint that reaches it (the API, locally the gateway process, that accepted it). */
  readonly endpoint: string;
  readonly connectedAt: Date;
  /** API Gateway closes a connection after 2 h at the latest: past this it holds no slot. */
  readonly expiresAt: Date;
}

export type OpenOutcome =
  | { readonly kind: 'opened'; readonly connection: OpenConnection }
  | { readonly kind: 'limit-reached' };

/** The connections port (adapter: connection-repository.ts). */
export interface ConnectionStore {
  /** Records a connection in one of the user's free slots, or answers that all are held. */
  open(input: { userId: string; connectionId: string; endpoint: string }): Promise<OpenOutcome>;
  /** Forgets a connection and frees its slot; closing an unknown connection does nothing. */
  close(userId: string, connectionId: string): Promise<void>;
  /** The user's connections that have not lapsed. */
  listOpen(userId: string): Promise<OpenConnection[]>;
}
