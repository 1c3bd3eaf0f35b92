import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { corsAllowedHeaders, corsExposedHeaders, corsMaxAgeSeconds } from '../../shared/http/cors';
import type { RouteDefinition } from '../../shared/routes/route-definition';
import { deployedRoutes } from '../../shared/routes/route-table';
import { type DeployConfig, STREAM_TIMEOUT_MARGIN_SECONDS } from '../deploy-config';
import { ApiFunction } from './api-function';
import type { Auth } from './auth';
import type { Data } from './data';
import { bindAccess, constructIdOf } from './function-access';

export interface StreamingProps {
  readonly config: DeployConfig;
  readonly data: Data;
  readonly auth: Auth;
  /** The routes to serve (their `stream` ones). @default the route table's deployed routes */
  readonly routes?: readonly RouteDefinition[];
}

/** One streamed route: its function and the function URL that serves it. */
export interface StreamEndpoint {
  readonly route: RouteDefinition;
  readonly function: ApiFunction;
  readonly url: lambda.FunctionUrl;
}

/**
 * The streamed routes (`kind: 'stream'` in the route table): each gets its own function behind
 * a Lambda function URL in RESPONSE_STREAM mode — API Gateway integrations buffer responses,
 * function URLs stream them. The URL's auth type is NONE because a browser cannot sign SigV4
 * requests: the handler verifies the Cognito JWT itself before the first byte (DESIGN §2).
 *
 * The function's timeout is the stream's maximum duration plus a margin, so a stream always
 * ends by its own deadline (storing the partial answer, freeing its slot, flushing metrics)
 * before Lambda would kill it mid-write.
 */
export class Streaming extends Construct {
  /** By route id. */
  readonly endpoints: ReadonlyMap<string, StreamEndpoint>;
  /** Every stream function's timeout: `streamMaxDurationSeconds` + STREAM_TIMEOUT_MARGIN_SECONDS. */
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: StreamingProps) {
    super(scope, id);
    const { config, data, auth } = props;
    this.timeout = Duration.seconds(config.streamMaxDurationSeconds + STREAM_TIMEOUT_MARGIN_SECONDS);

    const endpoints = new Map<string, StreamEndpoint>();
    const routes = (props.routes ?? deployedRoutes()).filter(
      (route) => route.kind === 'stream' && !route.localOnly,
    );
    for (const route of routes) {
      const stem = constructIdOf(route.id);
      const fn = new ApiFunction(this, `${stem}Function`, {
        entry: route.handler.entry,
        handlerExport: route.handler.export,
        description:
          `${route.method} ${route.path} (function URL, response streaming): ${route.summary}`.slice(0, 256),
        config,
        userPool: auth.userPool,
        userPoolClient: auth.userPoolClient,
        invocation: 'function-url',
        timeout: this.timeout,
        ...(config.streamReservedConcurrency !== undefined
          ? { reservedConcurrentExecutions: config.streamReservedConcurrency }
          : {}),
      });
      bindAccess(fn, route.access, data);

      const url = fn.function.addFunctionUrl({
        authType: lambda.FunctionUrlAuthType.NONE,
        invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
        // The one CORS policy (shared/http/cors.ts), as on the HTTP API.
        cors: {
          allowedOrigins: [...config.corsAllowedOrigins],
          allowedMethods: [lambda.HttpMethod[route.method]],
          allowedHeaders: [...corsAllowedHeaders],
          exposedHeaders: [...corsExposedHeaders],
          allowCredentials: false,
          maxAge: Duration.seconds(corsMaxAgeSeconds),
        },
      });
      // The public-invoke permissions the URL needs (lambda:InvokeFunctionUrl with auth type
      // NONE, and lambda:InvokeFunction only via the function URL) are children of the function.
      Validations.of(fn.function).acknowledge({
        id: 'HIPAA.Security-LambdaFunctionPublicAccessProhibited',
        reason:
          `${route.method} ${route.path} is a function URL with auth type NONE because browsers cannot SigV4-sign ` +
          'requests and function URLs have no JWT authorizer: the handler verifies the Cognito JWT (issuer, audience, ' +
          'expiry, signature) before the first byte and answers 401 otherwise; the permission is limited to invocation ' +
          'through the function URL.',
      });
      endpoints.set(route.id, { route, function: fn, url });
    }
    this.endpoints = endpoints;
  }
}
