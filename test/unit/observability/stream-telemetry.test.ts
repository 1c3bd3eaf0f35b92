import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StreamSummary } from '../../../shared/domain/chat/ports';
import { logger, metrics } from '../../../shared/observability/powertools';
import { streamTelemetry } from '../../../shared/observability/stream-telemetry';

const summary: StreamSummary = {
  streamId: 'stream_1',
  requestId: 'req_1',
  sessionId: 'sess_1',
  roomId: 'room_1',
  agentType: 'general',
  status: 'cancelled',
  cancelReason: 'stop',
  deltas: 12,
  outputChars: 80,
  responseTimeMs: 900,
  timeToFirstTokenMs: 120,
  stopLatencyMs: 140,
  polls: 9,
  leaseRenewals: 0,
  logChunks: 2,
  consumedUnits: { read: 9, write: 6 },
  stored: 'recorded',
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the chat stream telemetry', () => {
  it('publishes the end-of-stream metrics of DESIGN §8 in one flush, and logs ids, sizes and timings', () => {
    const added: [string, string, number][] = [];
    vi.spyOn(metrics, 'addMetric').mockImplementation((name, unit, value) => {
      added.push([name, unit, value]);
      return metrics;
    });
    const publish = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);

    streamTelemetry(logger).ended(summary);

    expect(added).toEqual([
      ['ActiveStreams', 'Count', -1],
      ['StreamCancelled', 'Count', 1],
      ['StopLatencyMs', 'Milliseconds', 140],
      ['TimeToFirstTokenMs', 'Milliseconds', 120],
      ['ChatResponseTimeMs', 'Milliseconds', 900],
      ['StreamReadUnits', 'Count', 9],
      ['StreamWriteUnits', 'Count', 6],
    ]);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith(
      'Stream ended',
      expect.objectContaining({
        stream_id: 'stream_1',
        status: 'cancelled',
        output_chars: 80,
        stop_latency_ms: 140,
      }),
    );
  });

  it('logs a problem by error name only: an error message could echo the question', () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);

    streamTelemetry(logger).problem('model_failed', new Error('the user asked about their HIV test'), {
      streamId: 'stream_1',
    });

    expect(JSON.stringify(warn.mock.calls)).not.toContain('HIV');
    expect(warn).toHaveBeenCalledWith(
      'Stream problem: model_failed',
      expect.objectContaining({ error_name: 'Error' }),
    );
  });
});
