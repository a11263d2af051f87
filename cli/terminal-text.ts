// Text from the logs (a message, a dead letter's reason) on our stdout: whoever wrote the line must not be able
// to drive the reader's terminal (ESC sequences that retitle it, move the cursor, rewrite what was printed
// before, or hide text; bidirectional overrides that reorder it). Escaped as \u001b etc., in text mode always:
// text output is for people, and what is piped to a file or `less -R` today is shown on a terminal tomorrow.
// Newline and tab stay (a stack trace stays readable). JSON mode is escaped by JSON.stringify, except DEL, the
// C1 controls and the bidi overrides, which it leaves raw; safeJson escapes those too (the same string parsed).

// C0 except tab and newline, DEL, C1, and the Unicode bidi embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves raw of the above (it escapes the rest of C0 itself).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `oneLine`: newline and tab escaped too, for a format of one record per line (dlq list). */
export function escapeControls(text: string, opts: { oneLine?: boolean } = {}): string {
  return text.replace(opts.oneLine ? UNSAFE_ONE_LINE : UNSAFE, hex);
}

export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, hex);
}
