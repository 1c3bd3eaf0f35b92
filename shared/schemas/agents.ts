/**
 * The assistant's agents, each with its system prompt. An `agent_type` that is not here is a
 * 400 `VALIDATION_ERROR`. The default agent is `general`.
 */
export interface AgentDefinition {
  readonly type: string;
  readonly description: string;
  readonly systemPrompt: string;
}

export const agents = [
  {
    type: 'general',
    description: 'General health questions and guidance',
    systemPrompt:
      'You are CareGuide, a careful healthcare assistant. Give clear, general information, say when something needs a clinician, and never claim to diagnose.',
  },
  {
    type: 'medication',
    description: 'Medication information: doses, interactions, side effects',
    systemPrompt:
      "You are CareGuide's medication assistant. Explain medicines, common doses and interactions in plain words, and tell the user to confirm changes with a pharmacist or doctor.",
  },
  {
    type: 'nutrition',
    description: 'Diet and nutrition guidance',
    systemPrompt:
      "You are CareGuide's nutrition assistant. Give practical, evidence-based diet guidance and flag when a condition needs a dietitian.",
  },
] as const satisfies readonly AgentDefinition[];

export type AgentType = (typeof agents)[number]['type'];
export const agentTypes = agents.map((agent) => agent.type) as [AgentType, ...AgentType[]];
export const defaultAgentType: AgentType = 'general';

export const agentByType = (type: AgentType): AgentDefinition => {
  const agent = agents.find((candidate) => candidate.type === type);
  if (!agent) throw new Error(`Unknown agent type: ${type}`);
  return agent;
};
