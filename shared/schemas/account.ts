import * as z from 'zod';
import { errorCodes } from './error-codes';

export const currentUserSchema = z.object({ user_id: z.string() }).meta({ id: 'CurrentUser' });

const isoTimestamp = z.iso
  .datetime()
  .meta({ description: 'ISO-8601 UTC time', example: '2026-01-01T12:00:00.000Z' });

// ---------------------------------------------------------------------------------------------
// Settings (retention)

/** DESIGN "Your data": a user's retention is 1–3650 days, or null (keep rooms however long they sit idle). */
export const RETENTION_DAYS_MIN = 1;
export const RETENTION_DAYS_MAX = 3650;

export const retentionDaysSchema = z
  .number()
  .int()
  .min(RETENTION_DAYS_MIN)
  .max(RETENTION_DAYS_MAX)
  .nullable()
  .meta({
    description: `Rooms inactive for longer than this many days (${RETENTION_DAYS_MIN}-${RETENTION_DAYS_MAX}) are deleted, then purged as any deleted room; null keeps them.`,
    example: 30,
  });

export const updateSettingsBodySchema = z
  .strictObject({ retention_days: retentionDaysSchema })
  .meta({ id: 'UpdateSettingsRequest' });
export type UpdateSettingsBody = z.output<typeof updateSettingsBodySchema>;

export const settingsSchema = z
  .object({
    retention_days: retentionDaysSchema.meta({
      description: 'The retention in force: yours if you set one, else the operator default (null: none).',
    }),
    source: z.enum(['user', 'default']).meta({
      description: '`user`: you set it (PATCH); `default`: the operator default applies.',
    }),
    default_retention_days: z.number().int().nullable().meta({
      description: "The operator's default for users who set nothing (null: none).",
    }),
    updated_at: isoTimestamp.nullable(),
  })
  .meta({ id: 'Settings' });
export type Settings = z.output<typeof settingsSchema>;

/** Stored: chat table, `USER#<sub>` / `SETTINGS`. */
export const settingsItemSchema = z.object({
  retention_days: z.number().int().nullable(),
  updated_at: z.iso.datetime(),
});

// ---------------------------------------------------------------------------------------------
// Audit trail

export const auditActions = [
  'account.read',
  'account.delete',
  'account.delete.completed',
  'audit.list',
  'export.account',
  'export.room',
  'history.clear',
  'history.read',
  'message.send',
  'room.create',
  'room.delete',
  'room.delete.retention',
  'room.list',
  'room.read',
  'room.restore',
  'room.update',
  'session.create',
  'session.delete',
  'session.read',
  'session.reset',
  'settings.read',
  'settings.update',
  'stream.read',
  'stream.resume',
  'stream.stop',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** Ids of the resources a request named; never names, metadata or message text. */
export const auditResourcesSchema = z
  .object({
    room_id: z.string().optional(),
    session_id: z.string().optional(),
    stream_id: z.string().optional(),
    message_id: z.string().optional(),
  })
  .meta({ id: 'AuditResources' });
export type AuditResources = z.output<typeof auditResourcesSchema>;

export const auditOutcomeSchema = z
  .union([z.literal('success'), z.enum(errorCodes)])
  .meta({ description: '`success`, or the error code the request was answered with.' });

export const auditEventSchema = z
  .object({
    event_id: z.string(),
    at: isoTimestamp.meta({ description: 'When the request arrived.' }),
    user_id: z.string().meta({ description: 'The `sub` of the token the request carried.' }),
    actor: z.enum(['user', 'system']).meta({
      description: '`user`: a request of the user; `system`: a background job acting on their data.',
    }),
    action: z.enum(auditActions),
    resources: auditResourcesSchema,
    request_id: z.string().nullable(),
    source_ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    outcome: auditOutcomeSchema,
    supersedes: z.string().optional().meta({
      description:
        'For a request whose event was written before its work finished (reads, in parallel) and that then failed: the event this one corrects.',
    }),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEvent = z.output<typeof auditEventSchema>;

export const auditListQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(50).meta({ description: 'Page size, 1-100.' }),
    cursor: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .meta({ description: 'The `next_cursor` of the previous page, as given (opaque).' }),
  })
  .meta({ id: 'AuditListQuery' });

export const auditListSchema = z
  .object({
    events: z.array(auditEventSchema),
    next_cursor: z.string().nullable().meta({ description: 'null on the last page.' }),
  })
  .meta({ id: 'AuditList' });

// ---------------------------------------------------------------------------------------------
// Export and deletion

export const exportFormats = ['json', 'markdown'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const roomExportQuerySchema = z
  .strictObject({
    format: z.enum(exportFormats).default('json').meta({
      description: '`json` (the room and its messages) or `markdown` (a document for people to read).',
    }),
  })
  .meta({ id: 'RoomExportQuery' });

export const deleteAccountBodySchema = z
  .strictObject({
    confirm: z.literal('DELETE').meta({ description: 'Must be exactly "DELETE".' }),
  })
  .meta({ id: 'DeleteAccountRequest' });

export const accountDeletedSchema = z
  .object({
    deleted: z.literal(true),
    purge_completes_by: isoTimestamp.meta({
      description:
        'Everything is hidden at once; the physical deletion in the background is done by this time. Audit events stay for their retention.',
    }),
  })
  .meta({ id: 'AccountDeleted' });
