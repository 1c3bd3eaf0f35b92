import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from '../constructs/api';
import { Auth } from '../constructs/auth';
import { Data } from '../constructs/data';
import { Maintenance } from '../constructs/maintenance';
import { Monitoring } from '../constructs/monitoring';
import { Streaming } from '../constructs/streaming';
import { WebSocket } from '../constructs/websocket';
import type { DeployConfig } from '../deploy-config';
import type { MaintenanceJob } from '../maintenance-jobs';

const CHAT_STREAM_ROUTE_ID = 'sendChatMessage';

export interface CareGuideStackProps extends StackProps {
  readonly config: DeployConfig;
  /** @default `maintenanceJobs` (infra/maintenance-jobs.ts) */
  readonly maintenanceJobs?: readonly MaintenanceJob[];
}

/**
 * The whole backend in one stack (DESIGN §2). It only composes constructs, one per concern,
 * handing each the construct objects it needs. The construct ids (`Data`, `Auth`, `Api`,
 * `Streaming`, `Maintenance`, `WebSocket`, `Monitoring`) are part of every resource's logical id: renaming
 * `Data` or `Auth` would replace the tables and the user pool.
 *
 * Outputs (`cdk deploy --outputs-file`): ApiUrl, StreamUrl (the chat stream's function URL;
 * `StreamUrl<RouteId>` for each other stream route), WebSocketUrl, UserPoolId, UserPoolClientId, Region,
 * AlarmTopicArn, DashboardName —
 * what scripts/smoke.ts and the README's deploy guide read.
 */
export class CareGuideStack extends Stack {
  readonly data: Data;
  readonly auth: Auth;
  readonly api: Api;
  readonly streaming: Streaming;
  readonly maintenance: Maintenance;
  readonly webSocket: WebSocket;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: CareGuideStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.data = new Data(this, 'Data', { config });
    this.auth = new Auth(this, 'Auth', { config });
    this.api = new Api(this, 'Api', { config, data: this.data, auth: this.auth });
    this.streaming = new Streaming(this, 'Streaming', { config, data: this.data, auth: this.auth });
    this.maintenance = new Maintenance(this, 'Maintenance', {
      config,
      data: this.data,
      auth: this.auth,
      ...(props.maintenanceJobs ? { jobs: props.maintenanceJobs } : {}),
    });
    this.webSocket = new WebSocket(this, 'WebSocket', { config, data: this.data, auth: this.auth });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      data: this.data,
      api: this.api,
      streaming: this.streaming,
      maintenance: this.maintenance,
      webSocket: this.webSocket,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    const endpoints = [...this.streaming.endpoints.values()];
    for (const endpoint of endpoints) {
      const { route } = endpoint;
      // The chat stream's URL keeps the name scripts and the README read; other stream routes are named after themselves.
      const outputId =
        route.id === CHAT_STREAM_ROUTE_ID
          ? 'StreamUrl'
          : `StreamUrl${route.id.charAt(0).toUpperCase()}${route.id.slice(1)}`;
      new CfnOutput(this, outputId, {
        value: endpoint.url.url,
        description: `Function URL serving ${route.method} ${route.path} (response streaming); send requests to <url>${route.path.slice(1)}`,
      });
    }
    new CfnOutput(this, 'WebSocketUrl', {
      value: this.webSocket.url,
      description: 'Real-time events: connect to <url>?token=<JWT> (docs/websocket.md)',
    });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'Region', {
      value: this.region,
      description: 'Region of the stack (for aws cognito-idp calls)',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}
