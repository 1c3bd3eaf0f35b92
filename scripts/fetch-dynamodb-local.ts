/**
 * Fetches DynamoDB Local into the repo's cache (if it is not there yet) and prints its folder.
 * CI runs it before the tests so a download failure reads as one, not as a test timeout.
 *
 *   npx tsx scripts/fetch-dynamodb-local.ts
 */
import { assertJava17, ensureDynamoDbLocal } from '../local/dynamodb-local';

try {
  assertJava17();
  console.log(await ensureDynamoDbLocal());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
