import { describe, expect, it } from 'vitest';
import type { ModelChunk } from '../../../shared/domain/chat/ports';
import { createLocalScriptedModel, scriptedTokens } from '../../../shared/model/local-scripted-model';

const request = (question: string, signal = new AbortController().signal) => ({
  systemPrompt: 'system',
  turns: [{ role: 'user' as const, content: question }],
  signal,
});

async function drain(iterable: AsyncIterable<ModelChunk>) {
  const chunks: ModelChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

describe('the local scripted model', () => {
  it('streams LOCAL_MODEL_ANSWER_TOKENS words of its own script, then the usage', async () => {
    const model = createLocalScriptedModel({ tokensPerSecond: 100_000, answerTokens: 25 });

    const chunks = await drain(model.stream(request('anything')));

    const text = chunks.flatMap((chunk) => (chunk.type === 'delta' ? [chunk.text] : []));
    expect(text).toEqual(scriptedTokens(25));
    expect(chunks.at(-1)).toMatchObject({ type: 'usage', usage: { outputTokens: 25 } });
  });

  it('answers the same text whatever the question says (it never echoes the user)', async () => {
    const model = createLocalScriptedModel({ tokensPerSecond: 100_000, answerTokens: 30 });
    const answerTo = async (question: string) =>
      (await drain(model.stream(request(question))))
        .flatMap((chunk) => (chunk.type === 'delta' ? [chunk.text] : []))
        .join('');

    const first = await answerTo('my blood pressure is 150/95');
    const second = await answerTo('what about ibuprofen?');

    expect(first).toBe(second);
    expect(first).not.toContain('blood');
  });

  it('stops at once when its signal is aborted, even while waiting for the next word', async () => {
    const model = createLocalScriptedModel({ tokensPerSecond: 1, answerTokens: 100 });
    const controller = new AbortController();

    const draining = drain(model.stream(request('q', controller.signal)));
    controller.abort();

    await expect(draining).resolves.toEqual([]);
  });
});
