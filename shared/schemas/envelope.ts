import * as z from 'zod';
import { errorCodes } from './error-codes';

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.array(z.object({ path: z.string().optional(), message: z.string() })),
    }),
  })
  .meta({ id: 'ErrorResponse' });

/** What API Gateway's JWT authorizer answers, and the local gateway too (DESIGN §4). */
export const gatewayUnauthorizedSchema = z.object({ message: z.literal('Unauthorized') }).meta({
  id: 'GatewayUnauthorized',
});

/** Every success body is `{"data": ...}`. */
export const dataEnvelope = <T extends z.ZodType>(data: T) => z.object({ data });
