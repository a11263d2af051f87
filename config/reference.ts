// The configuration reference, generated from the schema (docs/CONFIG.md is this output).
import { envNameFor } from './loader.js';
import { schema, type Node } from './schema.js';

function fmtDefault(n: Node): string {
  if (n.kind === 'object' || n.kind === 'list') return '';
  if (n.kind === 'map') return '{}';
  if (n.kind === 'strings') return n.default.length ? `[${n.default.map((s) => `"${s}"`).join(', ')}]` : '[]';
  if (n.kind === 'string') return n.default === '' ? '""' : `"${n.default}"`;
  return String(n.default);
}

function typeOf(n: Node): string {
  switch (n.kind) {
    case 'int':
      return n.unit === 'ms' ? 'duration (ms)' : n.unit === 'bytes' ? 'size (bytes)' : 'integer';
    case 'enum':
      return n.values.join(' \\| ');
    case 'strings':
      return 'list of strings';
    case 'map':
      return 'mapping';
    default:
      return n.kind;
  }
}

export function configReference(): string {
  let out = '# logship configuration reference\n\n';
  out += 'Generated from `config/schema.ts` by `logship config-doc`. One file configures agent and sink; each reads its part.\n\n';
  out += 'Values may use `${VAR}` and `${VAR:-default}` (write `$$` for a literal `$`). Precedence: defaults < file < ';
  out += '`LOGSHIP_<KEY_PATH>` environment variables < `--set key.path=value` < dedicated flags. Durations accept `500ms`, `5s`, `1m`; ';
  out += 'sizes accept `64KiB`, `1MiB`. Unknown keys are errors.\n';
  const walk = (node: Node, prefix: string, inList = false) => {
    if (node.kind === 'list') {
      const description = `${node.description} Each entry has these keys (set in the file only, not from the environment or --set).`;
      walk({ ...node.item, description }, `${prefix}[]`, true);
      return;
    }
    if (node.kind !== 'object') return;
    const leaves = Object.entries(node.fields).filter(([, v]) => v.kind !== 'object' && v.kind !== 'list');
    if (leaves.length > 0) {
      out += `\n## ${prefix || '(top level)'}\n\n${prefix ? `${node.description}\n\n` : ''}| key | type | default | env | description |\n|---|---|---|---|---|\n`;
      for (const [k, v] of leaves) {
        const p = prefix ? `${prefix}.${k}` : k;
        const env = inList || v.kind === 'map' ? '-' : `\`${envNameFor(p)}\``;
        out += `| \`${p}\` | ${typeOf(v)} | \`${fmtDefault(v)}\` | ${env} | ${v.description.replace(/\|/g, '\\|')} |\n`;
      }
    }
    for (const [k, v] of Object.entries(node.fields))
      if (v.kind === 'object' || v.kind === 'list') walk(v, prefix ? `${prefix}.${k}` : k, inList);
  };
  walk(schema, '');
  return out;
}
