/**
 * The one retry loop of the DynamoDB adapters: at most `maxAttempts` attempts, with exponential
 * backoff and full jitter between them (a random wait in [0, min(maxDelay, base·2^attempt))),
 * for what the SDK does not retry by itself: unprocessed batch items, transactions cancelled
 * only by conflicts, a slot taken by a parallel registration.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface RetryOptions extends RetryPolicy {
  /** @default Math.random (tests fix it) */
  readonly random?: () => number;
}

/** Unprocessed batch items (DynamoDB leaves some under throttling): resent a few times, then an error. */
export const batchRetry: RetryPolicy = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 2_000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The jittered wait before retry number `attempt` (1 for the first retry). */
export const backoffDelayMs = (attempt: number, options: RetryOptions): number =>
  (options.random ?? Math.random)() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);

/** Waits the jittered backoff before retry number `attempt`. */
export const backoff = (attempt: number, options: RetryOptions): Promise<void> =>
  sleep(backoffDelayMs(attempt, options));

/**
 * Runs `attempt` until `again(result)` is false or the attempts run out, and returns the last
 * result: the caller tells "done" from "gave up" by looking at it.
 */
export async function retry<T>(
  attempt: (number: number) => Promise<T>,
  again: (result: T) => boolean,
  options: RetryOptions,
): Promise<T> {
  for (let number = 1; ; number++) {
    const result = await attempt(number);
    if (!again(result) || number >= options.maxAttempts) return result;
    await backoff(number, options);
  }
}
