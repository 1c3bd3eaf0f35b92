import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { Config } from '../config/config-schema';
import type { ModelProvider } from '../domain/chat/ports';
import { createBedrockProvider } from './bedrock-provider';
import { createLocalScriptedModel } from './local-scripted-model';

/** The configured model (MODEL_PROVIDER): Bedrock on AWS, the local scripted model in npm start and tests. */
export function createModelProvider(config: Config): ModelProvider {
  if (config.MODEL_PROVIDER === 'bedrock') {
    return createBedrockProvider({
      client: new BedrockRuntimeClient({ region: config.AWS_REGION, credentials: fromEnv() }),
      modelId: config.BEDROCK_MODEL_ID,
      maxTokens: config.MODEL_MAX_OUTPUT_TOKENS,
    });
  }
  return createLocalScriptedModel({
    tokensPerSecond: config.LOCAL_MODEL_TOKENS_PER_SECOND,
    answerTokens: config.LOCAL_MODEL_ANSWER_TOKENS,
  });
}
