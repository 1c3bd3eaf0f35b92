import * as z from 'zod';

/**
 * Settings of `npm start` itself (the handlers' settings are shared/config/config-schema.ts;
 * both are listed in the README's configuration table).
 */
export const localSettingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** A DynamoDB that is already running: use it instead of starting DynamoDB Local. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** `true`: DynamoDB Local keeps nothing on disk, and the signing key is thrown away at exit. */
  DYNAMODB_IN_MEMORY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** Where local data (DynamoDB Local files, the signing key) lives; git ignores it. */
  LOCAL_DATA_DIR: z.string().min(1).default('.data'),
  LOCAL_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** The user whose ready-to-paste token `npm start` prints. */
  LOCAL_DEMO_USER: z.string().min(1).default('alice'),
  /**
   * Read the tables' change streams (WebSocket events, stream-triggered jobs). `false` only for
   * measurements that count one function's DynamoDB calls (`npm run bench`).
   */
  LOCAL_TABLE_STREAMS: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** How often the table stream poller reads an idle stream (ms). */
  LOCAL_STREAM_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(10_000).default(100),
  /**
   * Run the stream-triggered background jobs (history deletion) in this process. Default: when
   * this process started DynamoDB Local; a gateway joining with DYNAMODB_ENDPOINT leaves them to it
   * (a job must run once per change, as its single event source mapping does on AWS).
   */
  LOCAL_STREAM_JOBS: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true' || value === '1')),
});

export type LocalSettings = z.infer<typeof localSettingsSchema>;

export function parseLocalSettings(env: Record<string, string | undefined>): LocalSettings {
  // A variable set to the empty string counts as unset (`DYNAMODB_ENDPOINT= npm start`).
  const result = localSettingsSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!result.success) {
    throw new Error(
      `Invalid local settings: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return result.data;
}
