import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getConfig } from '../config/config';
import { type PendingAudit, runWithPendingAudit } from '../data/audit-context';
import { createAuditRepository } from '../data/audit-repository';
import { getDocumentClient, tableNames } from '../data/dynamo-client';
import type { AuditTrail } from '../domain/account/ports';
import { isDomainError } from '../domain/errors';
import { logger } from '../observability/powertools';
import type { RouteAudit, RouteDefinition } from '../routes/route-definition';
import type { AuditEvent, AuditResources } from '../schemas/account';
import type { Invocation } from './middlewares';
import { headerValue, type ParsedRequest, parseRequest } from './request-parser';

/**
 * The audit trail of both request pipelines (DESIGN "Your data"): one append-only event per
 * request to a route that declares `audit`, written with no round trip of its own —
 * - `transaction` routes: the event joins the request's first write transaction
 *   (shared/data/audit-context.ts), so it exists exactly when the change committed; a request
 *   that made no transaction (an idempotent replay) records it after its work;
 * - `parallel` routes: the put runs beside the request's reads and writes, as `success`; the
 *   request fails if the put fails (no access goes unrecorded).
 * A request that fails — validation, not found, conflict, internal — records a second event
 * with the error code as outcome, naming the event it corrects in `supersedes` when the first
 * one was already stored (parallel reads cannot know their outcome before they end).
 * Each stored event is also one structured log line, `Audit event`, with the same fields.
 */
let trail: AuditTrail | undefined;

/** The audit adapter, bound on first use (only audited functions have the table's name). */
export function auditTrail(): AuditTrail {
  trail ??= createAuditRepository({
    client: getDocumentClient(),
    tableName: tableNames.audit,
    retentionDays: getConfig().AUDIT_RETENTION_DAYS,
  });
  return trail;
}

/** Tests point the pipelines at another adapter (e.g. one that fails). */
export function setAuditTrailForTests(replacement: AuditTrail | undefined): void {
  trail = replacement;
}

export const logAuditEvent = (event: AuditEvent, log: Logger = logger): void => {
  log.info('Audit event', { audit: event });
};

const MAX_FIELD_CHARS = 512;
const clip = (value: string | undefined): string | null =>
  value === undefined ? null : value.slice(0, MAX_FIELD_CHARS);

const resourceNames = ['room_id', 'session_id', 'stream_id', 'message_id'] as const;

/** Resource ids found in path parameters or a parsed body/query (ids only: never other fields). */
export function resourcesIn(...sources: unknown[]): AuditResources {
  const found: Record<string, string> = {};
  for (const source of sources) {
    if (source === null || typeof source !== 'object') continue;
    for (const name of resourceNames) {
      const value = (source as Record<string, unknown>)[name];
      if (typeof value === 'string' && found[name] === undefined) found[name] = value.slice(0, 128);
    }
  }
  return found;
}

/** The fields every event of this request shares. */
export function auditBase(
  spec: RouteAudit,
  request: {
    readonly userId: string;
    readonly requestId: string;
    readonly at: Date;
    readonly event: APIGatewayProxyEventV2;
  },
): AuditEvent {
  const http = request.event.requestContext?.http;
  return {
    event_id: randomUUID().replaceAll('-', ''),
    at: request.at.toISOString(),
    user_id: request.userId,
    actor: 'user',
    action: spec.action,
    resources: resourcesIn(request.event.pathParameters),
    request_id: request.requestId,
    source_ip: clip(http?.sourceIp),
    user_agent: clip(http?.userAgent ?? headerValue(request.event.headers, 'user-agent')),
    outcome: 'success',
  };
}

const outcomeOf = (error: unknown): AuditEvent['outcome'] => (isDomainError(error) ? error.code : 'INTERNAL');

/**
 * Runs a request's parsing and work with its audit event. `parse` may throw (a 400 is a
 * request too); `work` gets what it returned.
 */
export async function audited<P, T>(
  spec: RouteAudit,
  base: AuditEvent,
  parse: () => P,
  resources: (parsed: P) => AuditResources,
  work: (parsed: P) => Promise<T>,
  log: Logger = logger,
): Promise<T> {
  const audit = auditTrail();
  let stored: AuditEvent | undefined;
  let parallelPut: Promise<void> | undefined;
  const record = async (event: AuditEvent) => {
    await audit.record(event);
    logAuditEvent(event, log);
    return event;
  };
  try {
    const parsed = parse();
    const event: AuditEvent = { ...base, resources: { ...base.resources, ...resources(parsed) } };
    if (spec.mode === 'parallel') {
      parallelPut = record(event).then((done) => {
        stored = done;
      });
      const [result] = await Promise.all([work(parsed), parallelPut]);
      return result;
    }
    const pending: PendingAudit = {
      event,
      tableName: tableNames.audit,
      retentionDays: getConfig().AUDIT_RETENTION_DAYS,
      state: 'pending',
      onRecorded: (done) => {
        stored = done;
        logAuditEvent(done, log);
      },
    };
    const result = await runWithPendingAudit(pending, () => work(parsed));
    if (pending.state === 'pending') await record(event);
    return result;
  } catch (error) {
    // A read that failed fast: wait for its event, so the failure can name it.
    await parallelPut?.catch(() => undefined);
    const failure: AuditEvent = {
      ...base,
      ...(stored ? { resources: stored.resources, supersedes: stored.event_id } : {}),
      event_id: randomUUID().replaceAll('-', ''),
      outcome: outcomeOf(error),
    };
    try {
      await record(failure);
    } catch (auditError) {
      log.error('Audit event not stored', {
        audit: failure,
        error_name: (auditError as Error)?.name,
      });
    }
    throw error;
  }
}

/**
 * A request's validation and work, as both pipelines run them: for a route that declares
 * `audit` (and a signed-in user), inside its audit event — so a request that fails validation
 * is recorded too (`requestValidation` leaves those routes to this); otherwise as they come,
 * with what `requestValidation` parsed.
 */
export function auditedWork<T>(
  route: RouteDefinition,
  event: APIGatewayProxyEventV2,
  invocation: Invocation,
  request: { readonly requestId: string; readonly at: Date; readonly maxBodyBytes: number },
  work: (parsed: ParsedRequest) => Promise<T>,
): Promise<T> {
  const parse = (): ParsedRequest =>
    invocation.parsed ??
    parseRequest(route, event, { maxBodyBytes: request.maxBodyBytes, sub: invocation.sub });
  const sub = invocation.sub;
  if (!route.audit || !sub) return work(parse());
  return audited(
    route.audit,
    auditBase(route.audit, { userId: sub, requestId: request.requestId, at: request.at, event }),
    parse,
    (parsed) => resourcesIn(parsed.params, parsed.query, parsed.body),
    work,
    invocation.log,
  );
}
