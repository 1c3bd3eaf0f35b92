/**
 * The names the app's telemetry is found by, one source for the emitters (Powertools, in the
 * handlers) and the monitoring construct (alarms, dashboard) and the functions' environment.
 */
export const SERVICE_NAME = 'careguide-chat';
export const METRICS_NAMESPACE = 'CareGuide';

/** The application's own metrics (Powertools EMF: namespace + the `service` dimension). */
export const appMetricNames = [
  'StreamStarted',
  'StreamCompleted',
  'StreamCancelled',
  'StopLatencyMs',
  'TimeToFirstTokenMs',
  'ChatResponseTimeMs',
  'ActiveStreams',
  'StreamResumed',
  'ReplayLatencyMs',
  'StreamRecovered',
  'StreamReadUnits',
  'StreamWriteUnits',
  'RoomCreated',
  'RoomsPurged',
  'RoomsExpired',
  /** With an `error_type` dimension, in a metric of its own. */
  'Errors',
] as const;
export type AppMetricName = (typeof appMetricNames)[number];
