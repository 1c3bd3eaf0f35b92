import { expectTypeOf } from 'vitest';
import type { ApiFunction, FunctionEnvName } from '../../infra/constructs/api-function';

/**
 * Type-level tests: only the compiler can fail them, so they live outside any `it` and are
 * checked by `npm run typecheck` (part of `npm test`); no runner executes this file.
 * A function's environment takes only the config schema's variable names.
 */
expectTypeOf<'COGNITO_USER_POOL_ID'>().toExtend<FunctionEnvName>();
expectTypeOf<'POWERTOOLS_LOG_LEVEL'>().toExtend<FunctionEnvName>();
expectTypeOf<'COGNITO_POOL'>().not.toExtend<FunctionEnvName>();
// Reserved by Lambda: setting it fails deployment.
expectTypeOf<'AWS_REGION'>().not.toExtend<FunctionEnvName>();
expectTypeOf<Parameters<ApiFunction['bindTable']>[2]>().toEqualTypeOf<
  'CHAT_TABLE_NAME' | 'STREAMS_TABLE_NAME' | 'CONNECTIONS_TABLE_NAME' | 'AUDIT_TABLE_NAME'
>();
