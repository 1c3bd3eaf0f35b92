import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { DEFAULT_BEDROCK_MODEL_ID } from '../shared/config/config-schema';

/**
 * Deploy parameters: read from CDK context (`cdk.json` or `cdk synth -c key=value`), validated
 * here once, so a bad value fails synth with a message naming the key and the value given.
 * Values from `-c` arrive as strings, values from cdk.json as JSON: both are accepted.
 */

/** Lambda's hard limit on a function's timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/**
 * How long the stream function may run past STREAM_MAX_DURATION_SECONDS: the loop notices the
 * deadline at its next poll, then stores the partial answer, frees its slot and flushes metrics.
 */
export const STREAM_TIMEOUT_MARGIN_SECONDS = 60;

/** The retention periods CloudWatch Logs accepts (RetentionDays without INFINITE: a retention must be set). */
const allowedRetentionDays = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

const booleanish = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

/** `https://app.example.com` (scheme, host, optional port; no path) or `*`. */
const originSchema = z
  .string()
  .trim()
  .refine((origin) => origin === '*' || /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(origin), {
    message: 'each origin must be "*" or scheme://host[:port] without a path or trailing slash',
  });

const originListSchema = z
  .union([
    z.string().transform((value) => value.split(',').filter((origin) => origin.trim() !== '')),
    z.array(z.string()),
  ])
  .pipe(z.array(originSchema).min(1, 'at least one origin'));

export const deployContextSchema = z.object({
  /** Deployment stage: part of the stack name; `dev` relaxes data-safety defaults. */
  stage: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,15}$/,
      'lowercase letters, digits and dashes, starting with a letter, 1–16 chars',
    )
    .default('dev'),
  /** What CloudFormation does with tables, the user pool and log groups on stack deletion. @default retain, except `destroy` in dev */
  removalPolicy: z.enum(['retain', 'destroy']).optional(),
  /** DynamoDB and Cognito deletion protection. @default true, except false in dev */
  deletionProtection: booleanish.optional(),
  /** CloudWatch Logs retention of function and access logs. @default 30 in dev, 365 elsewhere */
  logRetentionDays: z.coerce
    .number()
    .refine((days) => (allowedRetentionDays as number[]).includes(days), {
      message: `must be one of ${allowedRetentionDays.join(', ')}`,
    })
    .optional(),
  /** POWERTOOLS_LOG_LEVEL and the Lambda application log level. */
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** Browser origins allowed by CORS (comma-separated with -c). @default "*" in dev; required elsewhere */
  corsAllowedOrigins: originListSchema.optional(),
  /** Bedrock model (or inference profile) id the stream handler calls. */
  bedrockModelId: z
    .string()
    .regex(/^[a-z0-9.:-]+$/i, `a Bedrock model id such as ${DEFAULT_BEDROCK_MODEL_ID}`)
    .default(DEFAULT_BEDROCK_MODEL_ID),
  /** How often a streaming loop polls its cancel flag (DESIGN §4). */
  cancelPollIntervalMs: z.coerce.number().int().min(50).max(5000).default(100),
  /**
   * A stream ends by itself after this (STREAM_MAX_DURATION_SECONDS). The stream function's
   * timeout is this plus STREAM_TIMEOUT_MARGIN_SECONDS, and Lambda allows at most 900 s.
   */
  streamMaxDurationSeconds: z.coerce
    .number()
    .int()
    .min(30)
    .max(LAMBDA_MAX_TIMEOUT_SECONDS - STREAM_TIMEOUT_MARGIN_SECONDS)
    .default(600),
  /** Live streams per user (MAX_LIVE_STREAMS_PER_USER); beyond it 429 STREAM_LIMIT_REACHED. */
  maxLiveStreamsPerUser: z.coerce.number().int().min(1).max(50).default(5),
  /** Live rooms per user (MAX_LIVE_ROOMS_PER_USER); beyond it 409 ROOM_LIMIT_REACHED. */
  maxLiveRoomsPerUser: z.coerce.number().int().min(1).max(1000).default(50),
  /** Room creations per user and hour (ROOM_CREATE_LIMIT_PER_HOUR); beyond it 429 with Retry-After. */
  roomCreateLimitPerHour: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * Reserved concurrency of the stream function: caps concurrent answers (and Bedrock spend) and
   * guarantees them capacity. @default unset — an account with the new-account quota of 10
   * concurrent executions cannot reserve any, so it is opt-in.
   */
  streamReservedConcurrency: z.coerce.number().int().min(1).max(10_000).optional(),
  /** How long audit events are kept (AUDIT_RETENTION_DAYS, their TTL). @default 2190 (6 years) */
  auditRetentionDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .default(6 * 365),
  /**
   * Rooms inactive longer than this are deleted for users who set no retention of their own
   * (DEFAULT_RETENTION_DAYS); `off` keeps them. @default 30
   */
  defaultRetentionDays: z.union([z.literal('off'), z.coerce.number().int().min(1).max(3650)]).default(30),
  /** Where alarm notifications go (Monitoring construct); none when unset. */
  alarmEmail: z.email().optional(),
});

/** Rules across keys, reported with the per-key ones in a single error. */
const deployConfigSchema = deployContextSchema.superRefine((context, ctx) => {
  if (context.stage !== 'dev' && context.corsAllowedOrigins === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['corsAllowedOrigins'],
      message: `required when stage is not dev (stage "${context.stage}"); e.g. -c corsAllowedOrigins=https://app.example.com`,
    });
  }
});

export interface DeployConfig {
  readonly stage: string;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly corsAllowedOrigins: readonly string[];
  readonly bedrockModelId: string;
  readonly cancelPollIntervalMs: number;
  readonly streamMaxDurationSeconds: number;
  readonly maxLiveStreamsPerUser: number;
  readonly maxLiveRoomsPerUser: number;
  readonly roomCreateLimitPerHour: number;
  readonly auditRetentionDays: number;
  /** null: `off`. */
  readonly defaultRetentionDays: number | null;
  readonly streamReservedConcurrency?: number;
  readonly alarmEmail?: string;
}

export class DeployConfigError extends Error {
  override readonly name = 'DeployConfigError';
}

const describeValue = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

/** Validates raw context values; throws one error listing every bad key with the value given. */
export function parseDeployConfig(raw: Readonly<Record<string, unknown>>): DeployConfig {
  const result = deployConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '(root)');
      return `  ${issue.path.join('.')}: ${issue.message} (got ${describeValue(raw[key])})`;
    });
    throw new DeployConfigError(`Invalid deploy configuration (CDK context):\n${problems.join('\n')}`);
  }
  const context = result.data;
  const isDev = context.stage === 'dev';
  const removalPolicy = context.removalPolicy ?? (isDev ? 'destroy' : 'retain');
  return {
    stage: context.stage,
    removalPolicy: removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    deletionProtection: context.deletionProtection ?? !isDev,
    logRetention: (context.logRetentionDays ?? (isDev ? 30 : 365)) as RetentionDays,
    logLevel: context.logLevel,
    // Outside dev the schema has required an explicit list.
    corsAllowedOrigins: context.corsAllowedOrigins ?? ['*'],
    bedrockModelId: context.bedrockModelId,
    cancelPollIntervalMs: context.cancelPollIntervalMs,
    streamMaxDurationSeconds: context.streamMaxDurationSeconds,
    maxLiveStreamsPerUser: context.maxLiveStreamsPerUser,
    maxLiveRoomsPerUser: context.maxLiveRoomsPerUser,
    roomCreateLimitPerHour: context.roomCreateLimitPerHour,
    auditRetentionDays: context.auditRetentionDays,
    defaultRetentionDays: context.defaultRetentionDays === 'off' ? null : context.defaultRetentionDays,
    ...(context.streamReservedConcurrency !== undefined
      ? { streamReservedConcurrency: context.streamReservedConcurrency }
      : {}),
    ...(context.alarmEmail ? { alarmEmail: context.alarmEmail } : {}),
  };
}

/** Reads every deploy key from the construct tree's context (cdk.json, `-c`, or a test's `context`). */
export function readDeployConfig(node: Node): DeployConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(deployContextSchema.shape)) {
    const value: unknown = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  return parseDeployConfig(raw);
}
