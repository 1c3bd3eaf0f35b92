import { exportRoom } from '../../shared/domain/account/room-export';
import { httpHandler } from '../../shared/http/http-handler';
import { download } from '../../shared/http/responses';
import { accountRoutes } from '../../shared/routes/account-routes';
import { createAccountDeps } from '../../shared/wiring/account';

const deps = createAccountDeps();

export const handler = httpHandler(accountRoutes.exportRoom, async ({ userId, params, query }) => {
  const file = await exportRoom(deps, userId, params.room_id, query.format);
  return download(file.filename, { contentType: file.contentType, text: file.text });
});
