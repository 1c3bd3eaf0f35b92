import {
  type BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import {
  type ModelChunk,
  ModelError,
  type ModelFailure,
  type ModelProvider,
  type ModelRequest,
} from '../domain/chat/ports';

export interface BedrockProviderOptions {
  readonly client: BedrockRuntimeClient;
  /** BEDROCK_MODEL_ID: a foundation model id or an inference profile id. */
  readonly modelId: string;
  /** MODEL_MAX_OUTPUT_TOKENS */
  readonly maxTokens: number;
}

const failureByErrorName: Readonly<Record<string, ModelFailure>> = {
  ThrottlingException: 'throttled',
  ServiceQuotaExceededException: 'throttled',
  ServiceUnavailableException: 'unavailable',
  InternalServerException: 'unavailable',
  ModelNotReadyException: 'unavailable',
  ModelTimeoutException: 'unavailable',
  ValidationException: 'rejected',
  AccessDeniedException: 'rejected',
  ResourceNotFoundException: 'rejected',
  ModelErrorException: 'stream_failed',
  ModelStreamErrorException: 'stream_failed',
};

const toModelError = (error: unknown): ModelError =>
  error instanceof ModelError
    ? error
    : new ModelError(failureByErrorName[(error as Error)?.name ?? ''] ?? 'unknown', { cause: error });

/** An error event inside the stream (Bedrock reports failures after the first bytes this way). */
function streamFailure(event: ConverseStreamOutput): ModelFailure | undefined {
  if (event.throttlingException) return 'throttled';
  if (event.serviceUnavailableException || event.internalServerException) return 'unavailable';
  if (event.validationException) return 'rejected';
  if (event.modelStreamErrorException) return 'stream_failed';
  return undefined;
}

/**
 * Amazon Bedrock ConverseStream: the agent's system prompt, its earlier turns and the question;
 * text deltas and the final token usage come back as chunks. The stream loop's AbortSignal goes
 * to the SDK call, so a stop closes the HTTP stream to Bedrock (and its billing) at once; after
 * an abort the iteration just ends. Errors become a ModelError whose text never reaches a client.
 */
export function createBedrockProvider(options: BedrockProviderOptions): ModelProvider {
  return {
    name: 'bedrock',
    async *stream(request: ModelRequest): AsyncGenerator<ModelChunk> {
      const { signal } = request;
      try {
        const response = await options.client.send(
          new ConverseStreamCommand({
            modelId: options.modelId,
            system: [{ text: request.systemPrompt }],
            messages: request.turns.map((turn) => ({ role: turn.role, content: [{ text: turn.content }] })),
            inferenceConfig: { maxTokens: options.maxTokens },
          }),
          { abortSignal: signal },
        );
        if (!response.stream) throw new ModelError('stream_failed');
        for await (const event of response.stream) {
          if (signal.aborted) return;
          const failure = streamFailure(event);
          if (failure) throw new ModelError(failure);
          const text = event.contentBlockDelta?.delta?.text;
          if (text) yield { type: 'delta', text };
          const usage = event.metadata?.usage;
          if (usage) {
            yield {
              type: 'usage',
              usage: {
                inputTokens: usage.inputTokens ?? 0,
                outputTokens: usage.outputTokens ?? 0,
                totalTokens: usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
              },
            };
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw toModelError(error);
      }
    },
  };
}
