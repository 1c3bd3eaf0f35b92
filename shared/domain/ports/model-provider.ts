/**
 * Port: a language model that streams its answer. Adapters: shared/model/bedrock-provider.ts
 * (Amazon Bedrock ConverseStream) and shared/model/local-scripted-model.ts (npm start, tests,
 * benchmark). The stream loop aborts `signal` when the answer must stop (stop, deletion, max
 * duration); a provider then ends its iteration promptly, by returning or by throwing.
 */
export interface ModelTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface ModelRequest {
  readonly systemPrompt: string;
  /** Alternating turns, first and last from the user; the last is the new question. */
  readonly turns: readonly ModelTurn[];
  readonly signal: AbortSignal;
}

export interface ModelUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

export type ModelChunk =
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'usage'; readonly usage: ModelUsage };

export interface ModelProvider {
  readonly name: 'local' | 'bedrock';
  stream(request: ModelRequest): AsyncIterable<ModelChunk>;
}

/**
 * Why a model call failed. Its message is for logs and never reaches a client (a provider's
 * own message could echo input); clients get a generic `MODEL_ERROR`.
 */
export type ModelFailure = 'throttled' | 'unavailable' | 'rejected' | 'stream_failed' | 'unknown';

export class ModelError extends Error {
  override readonly name = 'ModelError';

  constructor(
    readonly failure: ModelFailure,
    options?: { readonly cause?: unknown },
  ) {
    super(`Model call failed: ${failure}`, options);
  }
}
