import { dynamoDbProbe } from '../../shared/data/database-probe';
import { DomainError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { healthRoutes } from '../../shared/routes/health-routes';

export const handler = httpHandler(healthRoutes.getReadiness, async () => {
  try {
    await dynamoDbProbe.ping();
  } catch (error) {
    throw new DomainError('NOT_READY', 'DynamoDB is not reachable.', { cause: error });
  }
  return ok({ status: 'ready' as const });
});
