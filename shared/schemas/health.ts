import * as z from 'zod';

export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });

export const readinessSchema = z.object({ status: z.literal('ready') }).meta({ id: 'Readiness' });

const componentStatus = z.enum(['ok', 'degraded', 'unavailable']);

export const healthSchema = z
  .object({
    status: componentStatus,
    version: z.string(),
    components: z.object({
      dynamodb: z.object({ status: componentStatus, latency_ms: z.number().nonnegative() }),
      // The model is not called by a health check (cost): Bedrock reports `not_checked`.
      model: z.object({ provider: z.enum(['local', 'bedrock']), status: z.enum(['ok', 'not_checked']) }),
    }),
  })
  .meta({ id: 'Health' });

export type Health = z.infer<typeof healthSchema>;
