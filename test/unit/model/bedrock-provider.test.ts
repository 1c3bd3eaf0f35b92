import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type ModelChunk, ModelError } from '../../../shared/domain/chat/ports';
import { createBedrockProvider } from '../../../shared/model/bedrock-provider';

const bedrock = mockClient(BedrockRuntimeClient);

async function* events(items: readonly ConverseStreamOutput[], options: { throwAfter?: Error } = {}) {
  for (const item of items) yield item;
  if (options.throwAfter) throw options.throwAfter;
}

const delta = (text: string): ConverseStreamOutput => ({
  contentBlockDelta: { contentBlockIndex: 0, delta: { text } },
});

const provider = () =>
  createBedrockProvider({
    client: new BedrockRuntimeClient({ region: 'us-east-1' }),
    modelId: 'test-model',
    maxTokens: 256,
  });

const request = (signal = new AbortController().signal) => ({
  systemPrompt: 'You are a test.',
  turns: [
    { role: 'user' as const, content: 'q1' },
    { role: 'assistant' as const, content: 'a1' },
    { role: 'user' as const, content: 'q2' },
  ],
  signal,
});

async function drain(iterable: AsyncIterable<ModelChunk>) {
  const chunks: ModelChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

beforeEach(() => {
  bedrock.reset();
});

describe('the Bedrock ConverseStream provider', () => {
  it('sends the model id, the system prompt and the turns, and streams the text deltas and the usage', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events([
        { messageStart: { role: 'assistant' } },
        delta('Hel'),
        delta('lo'),
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'end_turn' } },
        {
          metadata: {
            usage: { inputTokens: 12, outputTokens: 2, totalTokens: 14 },
            metrics: { latencyMs: 5 },
          },
        },
      ]),
    });

    const chunks = await drain(provider().stream(request()));

    expect(chunks).toEqual([
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 2, totalTokens: 14 } },
    ]);
    expect(bedrock.commandCalls(ConverseStreamCommand)[0]?.args[0].input).toEqual({
      modelId: 'test-model',
      system: [{ text: 'You are a test.' }],
      messages: [
        { role: 'user', content: [{ text: 'q1' }] },
        { role: 'assistant', content: [{ text: 'a1' }] },
        { role: 'user', content: [{ text: 'q2' }] },
      ],
      inferenceConfig: { maxTokens: 256 },
    });
  });

  it('passes the AbortSignal to the SDK call', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: events([delta('x')]) });
    const controller = new AbortController();

    await drain(provider().stream(request(controller.signal)));

    const args = bedrock.send.getCall(0).args as unknown[];
    const options = args[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal).toBe(controller.signal);
  });

  it('stops yielding as soon as the signal is aborted, without an error', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: events([delta('a'), delta('b'), delta('c')]) });
    const controller = new AbortController();
    const seen: ModelChunk[] = [];

    for await (const chunk of provider().stream(request(controller.signal))) {
      seen.push(chunk);
      controller.abort();
    }

    expect(seen).toEqual([{ type: 'delta', text: 'a' }]);
  });

  it('ends quietly when the aborted SDK call rejects', async () => {
    const controller = new AbortController();
    controller.abort();
    bedrock.on(ConverseStreamCommand).rejects(Object.assign(new Error('aborted'), { name: 'AbortError' }));

    await expect(drain(provider().stream(request(controller.signal)))).resolves.toEqual([]);
  });

  it.each([
    [{ throttlingException: { message: 'slow down' } }, 'throttled'],
    [{ modelStreamErrorException: { message: 'boom' } }, 'stream_failed'],
    [{ internalServerException: { message: 'oops' } }, 'unavailable'],
    [{ validationException: { message: 'bad input' } }, 'rejected'],
  ] as [ConverseStreamOutput, string][])(
    'turns an error event mid-stream into a ModelError (%o)',
    async (failure, expected) => {
      bedrock.on(ConverseStreamCommand).resolves({ stream: events([delta('partial'), failure]) });
      const seen: ModelChunk[] = [];

      const outcome = (async () => {
        for await (const chunk of provider().stream(request())) seen.push(chunk);
      })();

      await expect(outcome).rejects.toBeInstanceOf(ModelError);
      await expect(outcome).rejects.toMatchObject({ failure: expected });
      expect(seen).toEqual([{ type: 'delta', text: 'partial' }]);
    },
  );

  it('turns a broken stream and a refused call into a ModelError that carries no provider text', async () => {
    bedrock
      .on(ConverseStreamCommand)
      .resolvesOnce({
        stream: events([delta('a')], {
          throwAfter: Object.assign(new Error('socket hang up'), { name: 'Error' }),
        }),
      })
      .rejectsOnce(
        Object.assign(new Error('Too many requests: your question was ...'), { name: 'ThrottlingException' }),
      );

    const broken = drain(provider().stream(request()));
    // Observed at once: its rejection must not go unhandled while `broken` is awaited.
    const refused = drain(provider().stream(request())).catch((reason: unknown) => reason);

    await expect(broken).rejects.toMatchObject({ name: 'ModelError', failure: 'unknown' });
    const error = (await refused) as ModelError;
    expect(error).toMatchObject({ name: 'ModelError', failure: 'throttled' });
    expect(error.message).not.toContain('question');
  });
});
