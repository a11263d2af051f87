// Structured lines: a line that is a JSON object (pino, bunyan, ECS) keeps its text as `message` and its
// fields parsed. Its own time becomes @timestamp, which also keeps a re-sent line in the first copy's index.

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface ParsedJsonLine {
  fields: Record<string, unknown>;
  timestamp?: string;
  level?: string;
  message?: string;
}

function toIso(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    // Epoch seconds (with fraction) or milliseconds.
    const ms = v < 1e11 ? v * 1000 : v;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (typeof v === 'string' && v.length >= 10) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  return undefined;
}

export function parseJsonLine(text: string): ParsedJsonLine | undefined {
  const first = text.charCodeAt(0);
  if (first !== 0x7b /* { */) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const fields = obj as Record<string, unknown>;
  const timestamp = toIso(fields['@timestamp'] ?? fields.time ?? fields.timestamp ?? fields.ts);
  let level: string | undefined;
  const lv =
    fields.level ??
    fields['log.level'] ??
    (typeof fields.log === 'object' && fields.log !== null ? (fields.log as Record<string, unknown>).level : undefined);
  if (typeof lv === 'number') level = PINO_LEVELS[lv] ?? String(lv);
  else if (typeof lv === 'string') level = lv.toLowerCase();
  const msg = fields.msg ?? fields.message;
  return { fields, timestamp, level, message: typeof msg === 'string' ? msg : undefined };
}
