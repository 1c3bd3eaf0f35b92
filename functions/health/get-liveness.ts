import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { routes } from '../../shared/routes/route-table';

export const handler = httpHandler(routes.getLiveness, async () => ok({ status: 'ok' as const }));
