import type { Logger } from '@aws-lambda-powertools/logger';
import type { ChatStreamObserver } from '../domain/chat/ports';
import { ModelError } from '../domain/chat/ports';
import { addAppMetric, countError, metrics } from './powertools';

/**
 * The chat stream's logs and metrics (DESIGN §8). Ids, sizes, timings and codes only: no text
 * of the question or the answer, and no error message (a provider's could echo input).
 *
 * Metrics are published from inside the stream (its start and its end), never when the
 * handler returns — with response streaming that happens before the body is sent. Each batch
 * is added and published in one synchronous step, so streams served side by side by one local
 * process do not mix their metrics.
 *
 * `ActiveStreams` is +1 when a stream registers and −1 when it ends (a gauge kept as deltas:
 * its running sum is the number of live streams).
 */
const errorFields = (error: unknown) => ({
  error_name: (error as Error)?.name,
  ...(error instanceof ModelError ? { model_failure: error.failure } : {}),
  // The frames only: the first line of a stack is the error's message.
  stack: (error as Error)?.stack?.split('\n').slice(1, 8).join('\n'),
});

export function streamTelemetry(log: Logger): ChatStreamObserver {
  return {
    started(info) {
      log.info('Stream started', {
        stream_id: info.streamId,
        chat_request_id: info.requestId,
        session_id: info.sessionId,
        room_id: info.roomId,
        agent_type: info.agentType,
        query_chars: info.queryChars,
        context_turns: info.contextTurns,
        slot: info.slot,
      });
      addAppMetric('StreamStarted', 'Count', 1);
      addAppMetric('ActiveStreams', 'Count', 1);
      metrics.publishStoredMetrics();
    },
    ended(summary) {
      log.info('Stream ended', {
        stream_id: summary.streamId,
        chat_request_id: summary.requestId,
        session_id: summary.sessionId,
        room_id: summary.roomId,
        agent_type: summary.agentType,
        status: summary.status,
        cancel_reason: summary.cancelReason,
        interruption: summary.interruption,
        error_type: summary.errorType,
        deltas: summary.deltas,
        output_chars: summary.outputChars,
        response_time_ms: summary.responseTimeMs,
        time_to_first_token_ms: summary.timeToFirstTokenMs,
        stop_latency_ms: summary.stopLatencyMs,
        heartbeats: summary.heartbeats,
        stored: summary.stored,
      });
      if (summary.status === 'error') countError(summary.errorType ?? 'INTERNAL');
      if (summary.interruption === 'max_duration') countError('MAX_DURATION_EXCEEDED');
      if (summary.stored === 'failed') countError('ANSWER_NOT_STORED');
      addAppMetric('ActiveStreams', 'Count', -1);
      if (summary.status === 'complete') addAppMetric('StreamCompleted', 'Count', 1);
      if (summary.status === 'cancelled') addAppMetric('StreamCancelled', 'Count', 1);
      if (summary.stopLatencyMs !== undefined)
        addAppMetric('StopLatencyMs', 'Milliseconds', summary.stopLatencyMs);
      if (summary.timeToFirstTokenMs !== undefined)
        addAppMetric('TimeToFirstTokenMs', 'Milliseconds', summary.timeToFirstTokenMs);
      addAppMetric('ChatResponseTimeMs', 'Milliseconds', summary.responseTimeMs);
      metrics.publishStoredMetrics();
    },
    problem(event, error, ids) {
      log.warn(`Stream problem: ${event}`, { stream_id: ids.streamId, ...errorFields(error) });
    },
  };
}
