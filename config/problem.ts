// A config problem: the key path (agent.sources[1] (nginx).multiline.pattern) and why.
export interface ConfigProblem {
  path: string;
  reason: string;
}
