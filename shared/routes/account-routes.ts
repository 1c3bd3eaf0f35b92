import {
  accountDeletedSchema,
  auditListQuerySchema,
  auditListSchema,
  currentUserSchema,
  deleteAccountBodySchema,
  roomExportQuerySchema,
  settingsSchema,
  updateSettingsBodySchema,
} from '../schemas/account';
import { dataEnvelope } from '../schemas/envelope';
import { roomParamsSchema } from '../schemas/rooms';
import { bodyErrorCodes, defineRoute, requestErrorCodes } from './route-definition';

/** The account area: who you are, and your data (DESIGN "Your data": export, audit trail, retention, deletion). */
export const accountRoutes = {
  getCurrentUser: defineRoute({
    id: 'getCurrentUser',
    method: 'GET',
    path: '/api/me',
    summary: 'Who the bearer token says you are (lets a client check its sign-in).',
    tags: ['account'],
    handler: { entry: 'functions/account/get-current-user.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    responses: { 200: { description: 'The signed-in user', schema: dataEnvelope(currentUserSchema) } },
    errors: [],
    access: {},
  }),
  deleteAccount: defineRoute({
    id: 'deleteAccount',
    method: 'DELETE',
    path: '/api/me',
    summary:
      'Delete all your data: rooms, sessions, messages, streams, settings. Hidden at once, deleted in the background; your audit trail stays. Send {"confirm":"DELETE"}.',
    tags: ['account'],
    handler: { entry: 'functions/account/delete-account.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { body: deleteAccountBodySchema },
    responses: { 200: { description: 'Deleted', schema: dataEnvelope(accountDeletedSchema) } },
    errors: bodyErrorCodes,
    access: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'account.delete', mode: 'transaction' },
  }),
  getSettings: defineRoute({
    id: 'getSettings',
    method: 'GET',
    path: '/api/me/settings',
    summary:
      'Your settings: the retention of inactive rooms in force, and whether it is yours or the default.',
    tags: ['account'],
    handler: { entry: 'functions/account/get-settings.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    responses: { 200: { description: 'Your settings', schema: dataEnvelope(settingsSchema) } },
    errors: requestErrorCodes,
    access: { chatTable: 'RO', auditTable: 'APPEND' },
    audit: { action: 'settings.read', mode: 'parallel' },
  }),
  updateSettings: defineRoute({
    id: 'updateSettings',
    method: 'PATCH',
    path: '/api/me/settings',
    summary:
      'Set how long inactive rooms are kept: retention_days 1-3650, or null to keep them. Rooms idle longer are deleted (restorable for 30 days), then purged.',
    tags: ['account'],
    handler: { entry: 'functions/account/update-settings.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { body: updateSettingsBodySchema },
    responses: { 200: { description: 'Your settings', schema: dataEnvelope(settingsSchema) } },
    errors: bodyErrorCodes,
    access: { chatTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'settings.update', mode: 'transaction' },
  }),
  listAuditEvents: defineRoute({
    id: 'listAuditEvents',
    method: 'GET',
    path: '/api/me/audit',
    summary:
      'Your audit trail, newest first: every request that read or changed your data (who, what, when, from where, outcome; never message text).',
    tags: ['account'],
    handler: { entry: 'functions/account/list-audit-events.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { query: auditListQuerySchema },
    responses: { 200: { description: 'A page of your audit events', schema: dataEnvelope(auditListSchema) } },
    errors: requestErrorCodes,
    access: { auditTable: 'READ_APPEND' },
    audit: { action: 'audit.list', mode: 'parallel' },
  }),
  exportRoom: defineRoute({
    id: 'exportRoom',
    method: 'GET',
    path: '/api/rooms/{room_id}/export',
    summary: 'Download one of your rooms with all its messages, as JSON or as Markdown for people to read.',
    tags: ['account'],
    handler: { entry: 'functions/account/export-room.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: roomParamsSchema, query: roomExportQuerySchema },
    responses: {
      200: {
        description:
          'The room as an attachment: `application/json` ({exported_at, room, messages}) or `text/markdown` (format=markdown).',
        headers: { 'Content-Disposition': '`attachment; filename="room-<room_id>.json"` (or `.md`)' },
      },
    },
    errors: [...requestErrorCodes, 'ROOM_NOT_FOUND'],
    access: { chatTable: 'RO', auditTable: 'APPEND' },
    audit: { action: 'export.room', mode: 'parallel' },
  }),
  exportAccount: defineRoute({
    id: 'exportAccount',
    method: 'GET',
    path: '/api/me/export',
    summary:
      'Download all your data as one JSON document, streamed (no size limit): settings, every room (live and restorable) with its messages, every session.',
    tags: ['account'],
    handler: { entry: 'functions/account/export-account.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'stream',
    responses: {
      200: {
        description:
          'One JSON document, streamed: {format, user_id, exported_at, settings, rooms: [{room, messages}], sessions}.',
        contentType: 'application/json',
        headers: { 'Content-Disposition': '`attachment; filename="careguide-export.json"`' },
      },
    },
    errors: ['UNAUTHORIZED'],
    access: { chatTable: 'RO', auditTable: 'APPEND' },
    audit: { action: 'export.account', mode: 'parallel' },
  }),
} as const;
