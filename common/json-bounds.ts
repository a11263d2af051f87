// A bound on a JSON line's shape, checked before JSON.parse: a line nested thousands deep parses, but every
// recursive step after it (JSON.stringify when the event is encoded, Elasticsearch's flattened field) overflows
// or refuses it. One pass over the text, strings skipped, stopping at the first bound crossed.

export interface JsonLimits {
  /** Deepest nesting of objects and arrays (Elasticsearch's flattened fields refuse more than 20 by default). */
  maxDepth: number;
  /** Most object members in the whole line, at any depth. */
  maxKeys: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 20, maxKeys: 1000 };

/** Why `text` is outside the limits ("depth over 20", "over 1000 keys"), or undefined when it is within them. */
export function jsonShapeProblem(text: string, limits: JsonLimits): string | undefined {
  let depth = 0;
  let keys = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string, escapes included; an unterminated one is JSON.parse's to refuse.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth}`;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x3a /* : */) {
      // Outside strings a colon only separates a member's key from its value.
      if (++keys > limits.maxKeys) return `more than ${limits.maxKeys} keys`;
    }
  }
  return undefined;
}
