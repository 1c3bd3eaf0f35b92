import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/names';
import type { WebSocket } from './websocket';

const PERIOD = Duration.minutes(5);

/** The fan-out's and $connect's own metrics (Powertools EMF, functions/realtime/*). */
export type WebSocketMetricName =
  | 'WebSocketEventsSent'
  | 'WebSocketPostFailures'
  | 'WebSocketConnectionsGone'
  | 'WebSocketConnected'
  | 'WebSocketRefused';

export const webSocketMetric = (metricName: WebSocketMetricName, label?: string): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME },
    statistic: 'Sum',
    period: PERIOD,
    ...(label ? { label } : {}),
  });

/** API Gateway's own metrics of the WebSocket API. */
const apiMetric = (webSocket: WebSocket, metricName: string, label: string) =>
  new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiId: webSocket.api.apiId },
    statistic: 'Sum',
    period: PERIOD,
    label,
  });

export interface AlarmSpec {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly description: string;
}

/**
 * What the Monitoring construct adds for the WebSocket API (its functions' errors and throttles
 * come with every other function's): posts the management API refused after their retries,
 * the fan-out's dead letters and its stream lag.
 */
export function webSocketAlarms(webSocket: WebSocket, iteratorAge: Duration): AlarmSpec[] {
  return [
    {
      id: 'WebSocketPostFailures',
      metric: webSocketMetric('WebSocketPostFailures'),
      threshold: 10,
      evaluationPeriods: 1,
      description:
        'The management API refused 10 or more event posts in 5 minutes after their retries (throttling, 5xx, ' +
        'forbidden): connections are missing events. A gone connection (410) is not counted.',
    },
    {
      id: 'WebSocketFanOutDeadLetters',
      metric: webSocket.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'WebSocket fan-out: table changes failed after their retries and were dead-lettered (not pushed).',
    },
    {
      id: 'WebSocketFanOutIteratorAge',
      metric: webSocket.fanOut.function.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' }),
      threshold: iteratorAge.toMilliseconds(),
      evaluationPeriods: 2,
      description: 'WebSocket fan-out: table changes reach open connections late (stream iterator age).',
    },
  ];
}

export function webSocketWidgets(webSocket: WebSocket): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'WebSocket: connections',
      left: [
        apiMetric(webSocket, 'ConnectCount', 'connects'),
        webSocketMetric('WebSocketConnected', 'accepted'),
        webSocketMetric('WebSocketRefused', 'refused (limit)'),
      ],
      right: [apiMetric(webSocket, 'MessageCount', 'messages'), apiMetric(webSocket, 'ClientError', '4xx')],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'WebSocket: events sent',
      left: [webSocketMetric('WebSocketEventsSent', 'events sent')],
      right: [
        webSocketMetric('WebSocketPostFailures', 'post failures'),
        webSocketMetric('WebSocketConnectionsGone', 'gone (410)'),
      ],
      width: 12,
    }),
  ];
}
