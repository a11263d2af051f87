// Who the agent is measured against, in one list each so a contender is one line: logship agent variants (a name
// and the `--set` overrides that make it: another producer, another codec) and the baselines (a process of their own
// on the same broker, the same file). Every contender runs in the same run, on the same 260-byte file.
import { javaProducer, rsyslog, type Baseline } from './baselines.js';
import type { LineFile } from './lib/lines.js';

export interface AgentContender {
  name: string;
  /** `--set key=value` overrides for this contender (on top of the run's --agent-set). */
  sets: string[];
}

/** The first is the default configuration: the line-size sweep, the files runs and the profile use it. */
export const AGENT_CONTENDERS: AgentContender[] = [
  { name: 'logship agent (kafkajs)', sets: [] },
  { name: 'logship agent (platformatic)', sets: ['kafka.producer=platformatic'] },
  // What the plain-line parser (time and level of each nginx line, on by default) costs: the default minus it.
  { name: 'logship agent (kafkajs, parser off)', sets: ['agent.parser.format=off'] },
];

export interface BaselineContender {
  name: string;
  run: (file: LineFile, workDir: string) => Promise<Baseline>;
}

export const BASELINES: BaselineContender[] = [
  { name: 'java ProducerPerformance', run: javaProducer },
  { name: 'rsyslog imfile+omkafka', run: rsyslog },
];
