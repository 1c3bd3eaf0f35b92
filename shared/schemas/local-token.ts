import * as z from 'zod';

export const localTokenRequestSchema = z
  .strictObject({
    user_id: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._@+-]*$/, 'letters, digits and . _ @ + - only'),
    expires_in: z.number().int().min(60).max(86_400).optional(),
  })
  .meta({ id: 'LocalTokenRequest' });

export const localTokenSchema = z
  .object({ token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() })
  .meta({ id: 'LocalToken' });
