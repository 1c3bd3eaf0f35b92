import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { healthRoutes } from '../../shared/routes/health-routes';

export const handler = httpHandler(healthRoutes.getLiveness, async () => ok({ status: 'ok' as const }));
