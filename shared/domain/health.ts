import type { Health } from '../schemas/health';

/** Port: answers whether the database is reachable, within a short deadline. */
export interface DatabaseProbe {
  /** Resolves when reachable; rejects otherwise. */
  ping(): Promise<void>;
}

export interface HealthDeps {
  readonly database: DatabaseProbe;
  readonly version: string;
  readonly modelProvider: 'local' | 'bedrock';
  /** Monotonic milliseconds, injected for tests. */
  readonly elapsed?: () => number;
}

export async function checkHealth(deps: HealthDeps): Promise<Health> {
  const elapsed = deps.elapsed ?? (() => performance.now());
  const startedAt = elapsed();
  const reachable = await deps.database.ping().then(
    () => true,
    () => false,
  );
  const latencyMs = Math.round((elapsed() - startedAt) * 100) / 100;
  return {
    status: reachable ? 'ok' : 'unavailable',
    version: deps.version,
    components: {
      dynamodb: { status: reachable ? 'ok' : 'unavailable', latency_ms: latencyMs },
      model: { provider: deps.modelProvider, status: deps.modelProvider === 'local' ? 'ok' : 'not_checked' },
    },
  };
}
