import type { Logger } from '@aws-lambda-powertools/logger';
import type { ChatStreamObserver, StreamRecord } from '../domain/chat/ports';
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
        polls: summary.polls,
        lease_renewals: summary.leaseRenewals,
        log_chunks: summary.logChunks,
        read_units: summary.consumedUnits.read,
        write_units: summary.consumedUnits.write,
        storage_lost: summary.storageLost,
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
      // ReturnConsumedCapacity of the stream's streams-table calls (0 where DynamoDB reports none).
      addAppMetric('StreamReadUnits', 'Count', summary.consumedUnits.read);
      addAppMetric('StreamWriteUnits', 'Count', summary.consumedUnits.write);
      metrics.publishStoredMetrics();
    },
    problem(event, error, ids) {
      log.warn(`Stream problem: ${event}`, { stream_id: ids.streamId, ...errorFields(error) });
    },
  };
}

/** A stream whose process died, finished from its log (by a read, a chat request or the sweep). */
export function recoveryTelemetry(log: Logger): (record: StreamRecord, lastSeq: number) => void {
  return (record, lastSeq) => {
    log.info('Stream recovered', {
      stream_id: record.streamId,
      chat_request_id: record.requestId,
      session_id: record.sessionId,
      room_id: record.roomId,
      last_seq: lastSeq,
    });
    addAppMetric('StreamRecovered', 'Count', 1);
    metrics.publishStoredMetrics();
  };
}

/** A reader of a stream's events (resume): counted, and the time to its first replayed event. */
export function resumeTelemetry(log: Logger) {
  return {
    resumed(info: {
      readonly streamId: string;
      readonly afterSeq: number | undefined;
      readonly replayLatencyMs?: number;
    }) {
      log.info('Stream resumed', {
        stream_id: info.streamId,
        after_seq: info.afterSeq,
        replay_latency_ms: info.replayLatencyMs,
      });
      addAppMetric('StreamResumed', 'Count', 1);
      if (info.replayLatencyMs !== undefined)
        addAppMetric('ReplayLatencyMs', 'Milliseconds', info.replayLatencyMs);
      metrics.publishStoredMetrics();
    },
  };
}
