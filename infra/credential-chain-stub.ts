/**
 * Stands in, inside the Lambda bundles only, for `@aws-sdk/credential-provider-node`, the SDK's
 * default credential chain (profiles, SSO, STS, IMDS, ... with their own nested clients: about
 * 100 KB of every bundle and its import time). Every client this app builds takes its
 * credentials from the environment explicitly (`environmentCredentials` in
 * shared/data/dynamo-client.ts; Lambda sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN), so the chain is never asked. A client built without credentials fails
 * loudly here instead of searching.
 */
export const defaultProvider = () => async () => {
  throw new Error(
    'The default credential chain is not bundled: give the client `credentials: fromEnv()` (@aws-sdk/credential-provider-env).',
  );
};
