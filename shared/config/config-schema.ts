import * as z from 'zod';

/**
 * The Bedrock model the chat stream calls unless BEDROCK_MODEL_ID (handlers) or `bedrockModelId`
 * (deploy context) says otherwise: the one default both read. Claude Sonnet 4.5 is offered
 * on demand only through inference profiles; `us.` routes among US regions, so a stack outside
 * the US sets its own geography's profile (`eu.`, `apac.`) or `global.` (README, "Deploying to AWS").
 */
export const DEFAULT_BEDROCK_MODEL_ID = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * Every environment variable a handler reads, in one schema. CDK sets them (see infra), the
 * local gateway sets them (see local/), the README's configuration table documents them.
 */
export const configSchema = z
  .object({
    STAGE: z.string().min(1).default('local'),
    APP_VERSION: z.string().min(1).default('0.0.0'),
    AWS_REGION: z.string().min(1).default('us-east-1'),

    /**
     * Table names arrive only with their grant (least privilege): a function that has no access
     * to a table has no name for it. Using a table that is not bound fails (shared/data/dynamo-client.ts).
     */
    CHAT_TABLE_NAME: z.string().min(1).optional(),
    STREAMS_TABLE_NAME: z.string().min(1).optional(),
    CONNECTIONS_TABLE_NAME: z.string().min(1).optional(),
    AUDIT_TABLE_NAME: z.string().min(1).optional(),
    /** Points the SDK at DynamoDB Local; unset on AWS. */
    DYNAMODB_ENDPOINT: z.url().optional(),

    AUTH_MODE: z.enum(['cognito', 'local']).default('cognito'),
    COGNITO_USER_POOL_ID: z.string().min(1).optional(),
    COGNITO_CLIENT_ID: z.string().min(1).optional(),
    /** Local sign-in: issuer, audience and the public JWKS (JSON) of the local signing key. */
    LOCAL_ISSUER: z.string().min(1).default('http://careguide.local'),
    LOCAL_AUDIENCE: z.string().min(1).default('careguide-local'),
    LOCAL_JWKS: z.string().min(1).optional(),
    /** Local sign-in: the PEM file of the private signing key (gateway processes that share it trust each other). */
    LOCAL_SIGNING_KEY_FILE: z.string().min(1).optional(),

    MODEL_PROVIDER: z.enum(['local', 'bedrock']).default('local'),
    BEDROCK_MODEL_ID: z.string().min(1).default(DEFAULT_BEDROCK_MODEL_ID),
    LOCAL_MODEL_TOKENS_PER_SECOND: positiveInt(40),
    LOCAL_MODEL_ANSWER_TOKENS: positiveInt(60),
    /** The most tokens one answer may have (Bedrock `maxTokens`). */
    MODEL_MAX_OUTPUT_TOKENS: positiveInt(1024),

    /** The loop reads the cancel flag this often (one strongly consistent read of a < 1 KB item). */
    CANCEL_POLL_INTERVAL_MS: positiveInt(100),
    /** The deltas since the last flush are appended to the stream log this often (one chunk item). */
    STREAM_LOG_FLUSH_MS: positiveInt(500),
    /** A follower of a running stream (resume) reads its record and new chunks this often. */
    STREAM_FOLLOW_INTERVAL_MS: positiveInt(250),
    STREAM_MAX_DURATION_SECONDS: positiveInt(600),
    /** Renewed every third of it; a stream whose process died frees its slot and is finished from its log once it lapses. */
    STREAM_LEASE_SECONDS: positiveInt(15),
    /** Every DynamoDB call: time limit of one attempt, and attempts (the SDK retries with backoff). */
    DYNAMODB_REQUEST_TIMEOUT_MS: positiveInt(1500),
    DYNAMODB_CONNECT_TIMEOUT_MS: positiveInt(1000),
    DYNAMODB_MAX_ATTEMPTS: positiveInt(2),
    MAX_LIVE_STREAMS_PER_USER: positiveInt(5),
    MAX_LIVE_ROOMS_PER_USER: positiveInt(50),
    ROOM_CREATE_LIMIT_PER_HOUR: positiveInt(10),
    MAX_REQUEST_BODY_BYTES: positiveInt(64 * 1024),
    /** How long audit events are kept (their TTL): 6 years by default (HIPAA's documentation retention). */
    AUDIT_RETENTION_DAYS: positiveInt(6 * 365),
    /**
     * Rooms inactive longer than this many days are deleted (then purged as any deleted room),
     * for users who set no retention of their own; `off` keeps them. A user's setting overrides it.
     */
    DEFAULT_RETENTION_DAYS: z
      .union([z.literal('off'), z.coerce.number().int().min(1).max(3650)])
      .default(30)
      .transform((value) => (value === 'off' ? null : value)),

    /**
     * The WebSocket API's management endpoint (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`;
     * locally the gateway's own): where the fan-out posts events. A connection records the
     * endpoint that accepted it, and a fan-out delivers to the connections of its own endpoint.
     */
    WEBSOCKET_MANAGEMENT_ENDPOINT: z.url().optional(),
    /** DESIGN §6: open WebSocket connections per user; the next handshake is refused with 429. */
    MAX_CONNECTIONS_PER_USER: positiveInt(20),
    /** How long a connection item holds its slot: API Gateway closes every connection after 2 h. */
    WEBSOCKET_CONNECTION_TTL_SECONDS: positiveInt(7200),

    CORS_ALLOWED_ORIGINS: z
      .string()
      .default('*')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      ),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH_MODE === 'cognito') {
      for (const key of ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID'] as const) {
        if (!env[key])
          ctx.addIssue({ code: 'custom', path: [key], message: 'required when AUTH_MODE=cognito' });
      }
    }
    if (env.AUTH_MODE === 'local' && !env.LOCAL_JWKS) {
      ctx.addIssue({ code: 'custom', path: ['LOCAL_JWKS'], message: 'required when AUTH_MODE=local' });
    }
  });

export type Config = z.infer<typeof configSchema>;
/** The raw env-var names, so CDK and the local gateway can only set names that exist. */
export type ConfigEnvName = keyof z.input<typeof configSchema>;
