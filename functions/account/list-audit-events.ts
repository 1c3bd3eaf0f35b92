import { listAuditEvents } from '../../shared/domain/account/audit-log';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { accountRoutes } from '../../shared/routes/account-routes';
import { createAccountDeps } from '../../shared/wiring/account';

const deps = createAccountDeps();

export const handler = httpHandler(accountRoutes.listAuditEvents, async ({ userId, query }) =>
  ok(await listAuditEvents(deps, userId, query)),
);
