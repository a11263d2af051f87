// One schema for agent and sink: defaults, types, units and descriptions. The loader validates against it,
// `logship validate` reports with it, and docs/CONFIG.md is generated from it (`logship config-doc`). The parts
// live in config/schema/: the node kinds, coercion, and one module per area.
import { coerceLeaf, defaultsOf, leaves as leavesOf } from './schema/coerce.js';
import { agentSchema } from './schema/agent.js';
import { elasticsearchSchema, kafkaSchema } from './schema/connections.js';
import { type Leaf, type Node, obj, oneOf, str } from './schema/nodes.js';
import { runSchema, sinkSchema } from './schema/sink.js';

export type {
  BoolLeaf,
  EnumLeaf,
  FieldValue,
  IntLeaf,
  Leaf,
  ListNode,
  MapLeaf,
  Node,
  ObjectNode,
  StringLeaf,
  StringsLeaf,
  ValueOf,
} from './schema/nodes.js';
export { coerceLeaf, defaultsOf };

export const schema = obj('logship configuration', {
  host_name: str('', "Host name put on every event and used as the Kafka key. Empty: the machine's host name."),
  log_level: oneOf('info', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], "Level of logship's own logs (JSON on stderr)."),
  kafka: kafkaSchema,
  elasticsearch: elasticsearchSchema,
  agent: agentSchema,
  run: runSchema,
  sink: sinkSchema,
});

/** Every leaf path with its declaration, in schema order (list items excluded: they have no fixed path). */
export function leaves(node: Node = schema, prefix = ''): Array<[string, Leaf]> {
  return leavesOf(node, prefix);
}
