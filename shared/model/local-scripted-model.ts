import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelChunk, ModelProvider, ModelRequest } from '../domain/chat/ports';

/**
 * The local stand-in for Bedrock (npm start, tests, benchmark): streams a fixed, deterministic
 * text at a set rate. The text never depends on what the user asked (it is health information
 * and must not end up anywhere, not even echoed in a test fixture): only its own script,
 * `answerTokens` words long, one word per `1 / tokensPerSecond` seconds, the first after one
 * interval (as a model thinks before its first token).
 */
export const LOCAL_MODEL_SCRIPT = [
  'This is the CareGuide local scripted model speaking, not a clinician.',
  'It streams the same placeholder answer at a steady pace so that streaming, stopping and storing answers can be tried without a real model.',
  'Configure LOCAL_MODEL_TOKENS_PER_SECOND and LOCAL_MODEL_ANSWER_TOKENS to change its pace and its length.',
  'On AWS the answer comes from Amazon Bedrock instead.',
] as const;

const scriptWords = LOCAL_MODEL_SCRIPT.join(' ').split(' ');

export interface LocalScriptedModelOptions {
  readonly tokensPerSecond: number;
  readonly answerTokens: number;
}

/** The first `count` words of the (repeating) script, each but the first with its leading space. */
export function scriptedTokens(count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const word = scriptWords[index % scriptWords.length] ?? '';
    return index === 0 ? word : ` ${word}`;
  });
}

/** A rough token count (4 characters a token), for the usage the local model reports. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export function createLocalScriptedModel(options: LocalScriptedModelOptions): ModelProvider {
  const intervalMs = 1000 / options.tokensPerSecond;
  return {
    name: 'local',
    async *stream(request: ModelRequest): AsyncGenerator<ModelChunk> {
      const tokens = scriptedTokens(options.answerTokens);
      const startedAt = performance.now();
      for (const [index, text] of tokens.entries()) {
        // Paced by the clock, not by the sum of sleeps: a slow consumer gets the due words at once.
        const wait = startedAt + (index + 1) * intervalMs - performance.now();
        if (wait >= 1) {
          try {
            await sleep(wait, undefined, { signal: request.signal });
          } catch {
            return;
          }
        }
        if (request.signal.aborted) return;
        yield { type: 'delta', text };
      }
      const inputTokens =
        estimateTokens(request.systemPrompt) +
        estimateTokens(request.turns.map((turn) => turn.content).join(''));
      yield {
        type: 'usage',
        usage: { inputTokens, outputTokens: tokens.length, totalTokens: inputTokens + tokens.length },
      };
    },
  };
}
