import { getConfig } from '../../shared/config/config';
import { dynamoDbProbe } from '../../shared/data/database-probe';
import { checkHealth } from '../../shared/domain/health';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { healthRoutes } from '../../shared/routes/health-routes';

const config = getConfig();

export const handler = httpHandler(healthRoutes.getHealth, async () =>
  ok(
    await checkHealth({
      database: dynamoDbProbe,
      version: config.APP_VERSION,
      modelProvider: config.MODEL_PROVIDER,
    }),
  ),
);
