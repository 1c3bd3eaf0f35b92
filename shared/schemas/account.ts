import * as z from 'zod';

export const currentUserSchema = z.object({ user_id: z.string() }).meta({ id: 'CurrentUser' });
