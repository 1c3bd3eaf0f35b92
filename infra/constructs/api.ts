import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { corsAllowedHeaders, corsExposedHeaders, corsMaxAgeSeconds } from '../../shared/http/cors';
import type { RouteDefinition } from '../../shared/routes/route-definition';
import { deployedRoutes } from '../../shared/routes/route-table';
import type { DeployConfig } from '../deploy-config';
import { ApiFunction } from './api-function';
import type { Auth } from './auth';
import type { Data } from './data';
import { bindAccess, constructIdOf } from './function-access';

export interface ApiThrottle {
  /** Steady-state requests per second across the stage. */
  readonly rateLimit: number;
  /** Burst bucket size. */
  readonly burstLimit: number;
}

export interface ApiProps {
  readonly config: DeployConfig;
  readonly data: Data;
  readonly auth: Auth;
  /** Stage-wide throttle. @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttle?: ApiThrottle;
  /** The routes to serve (their `http` ones). @default the route table's deployed routes */
  readonly routes?: readonly RouteDefinition[];
}

/**
 * The JSON API: an API Gateway HTTP API whose routes are the route table's deployed `http`
 * routes, each served by its own function holding only the access the route declares. `jwt`
 * routes sit behind a Cognito JWT authorizer (pool issuer, app client audience); `none` routes
 * (health) are public.
 */
export class Api extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly authorizer: HttpUserPoolAuthorizer;
  readonly accessLogGroup: logs.LogGroup;
  /** The function of each deployed http route, by route id. */
  readonly functions: ReadonlyMap<string, ApiFunction>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config, data, auth } = props;
    const routes = props.routes ?? deployedRoutes();
    const httpRoutes = routes.filter((route) => route.kind === 'http' && !route.localOnly);

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `careguide-chat-${config.stage}`,
      description: `CareGuide chat API (${config.stage})`,
      // The stage is built below: the default one cannot take access logging or a throttle.
      createDefaultStage: false,
      // One CORS policy (shared/http/cors.ts), the local gateway emulates the same.
      corsPreflight: {
        allowOrigins: [...config.corsAllowedOrigins],
        allowMethods: [...new Set(httpRoutes.map((route) => route.method))].map(
          (method) => apigwv2.CorsHttpMethod[method],
        ),
        allowHeaders: [...corsAllowedHeaders],
        exposeHeaders: [...corsExposedHeaders],
        // Bearer tokens, not cookies: credentials mode is never needed.
        allowCredentials: false,
        maxAge: Duration.seconds(corsMaxAgeSeconds),
      },
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    Validations.of(this.accessLogGroup).acknowledge({
      id: 'HIPAA.Security-CloudWatchLogGroupEncrypted',
      reason:
        'Access log lines hold request ids, route, status, sizes and timings only (no body, source IP or user id); ' +
        'CloudWatch Logs encrypts them at rest with service-managed keys, so a customer-managed key would protect no PHI.',
    });
    const throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        // Ids, route, status, sizes and timings only: no source IP, user agent or user id.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    this.authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', auth.userPool, {
      userPoolClients: [auth.userPoolClient],
    });
    const noAuthorizer = new apigwv2.HttpNoneAuthorizer();

    const functions = new Map<string, ApiFunction>();
    // `stream` routes are served by a Lambda function URL in RESPONSE_STREAM mode (the Streaming
    // construct), not by the HTTP API, whose integrations buffer the response.
    for (const route of httpRoutes) {
      const stem = constructIdOf(route.id);
      const fn = new ApiFunction(this, `${stem}Function`, {
        entry: route.handler.entry,
        handlerExport: route.handler.export,
        // Lambda caps descriptions at 256 characters.
        description: `${route.method} ${route.path}: ${route.summary}`.slice(0, 256),
        config,
        userPool: auth.userPool,
        userPoolClient: auth.userPoolClient,
      });
      bindAccess(fn, route.access, data);

      const routes = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${stem}Integration`, fn.function),
        authorizer: route.auth === 'jwt' ? this.authorizer : noAuthorizer,
      });
      if (route.auth === 'none') {
        for (const httpRoute of routes) {
          Validations.of(httpRoute).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `${route.method} ${route.path} is declared auth: 'none' in the route table: health probes must answer without a token and return no user data.`,
          });
        }
      }
      functions.set(route.id, fn);
    }
    this.functions = functions;
  }

  /** The API's base URL (the `$default` stage). */
  get url(): string {
    return this.stage.url;
  }
}
