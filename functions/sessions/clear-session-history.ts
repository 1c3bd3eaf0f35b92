import { DomainError } from '../../shared/domain/errors';
import { clearSessionHistory } from '../../shared/domain/sessions/clear-history';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { sessionRoutes } from '../../shared/routes/session-routes';
import { createSessionDeps } from '../../shared/wiring/sessions';

const deps = createSessionDeps();

export const handler = httpHandler(
  sessionRoutes.clearSessionHistory,
  async ({ userId, params, query, body }) => {
    logger.appendKeys({ session_id: params.session_id });
    // agent_type in the body (the contract) or the query (for clients that send no body with DELETE).
    if (query.agent_type && body.agent_type && query.agent_type !== body.agent_type) {
      throw new DomainError('VALIDATION_ERROR', 'Invalid request.', {
        details: [{ path: 'query.agent_type', message: 'differs from body.agent_type: give it once' }],
      });
    }
    return ok(
      await clearSessionHistory(deps, userId, params.session_id, body.agent_type ?? query.agent_type),
    );
  },
);
