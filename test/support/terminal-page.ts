// A terminal-looking HTML page of shell sessions (a prompt, a command, its coloured output), for a headless browser
// to screenshot. Pure; no external asset (fonts are the system's monospace).
import { ansiToHtml, escapeHtml } from './ansi-html.js';

export interface Session {
  command: string;
  /** What the command printed, with its SGR colours. */
  output: string;
}

// A dark palette close to common terminal themes: the 8 colours, then their bright forms.
const PALETTE = [
  '#1e1e1e',
  '#f14c4c',
  '#23d18b',
  '#e5e510',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#cccccc',
  '#666666',
  '#f14c4c',
  '#23d18b',
  '#f5f543',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#e5e5e5',
];

const STYLE = `
body { margin: 0; padding: 24px; background: #2b2d31; font-family: 'DejaVu Sans Mono', 'Liberation Mono', monospace; }
.window { background: #1e1e1e; border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.5); overflow: hidden; display: inline-block; min-width: 100%; box-sizing: border-box; }
.bar { background: #3c3c3c; height: 28px; display: flex; align-items: center; padding: 0 12px; gap: 8px; }
.bar i { width: 12px; height: 12px; border-radius: 50%; display: inline-block; }
.bar .title { color: #bbb; font-size: 12px; margin-left: 12px; font-family: sans-serif; }
pre { margin: 0; padding: 14px 16px; color: #cccccc; font-size: 13px; line-height: 1.35; white-space: pre; }
.prompt { color: #23d18b; } .cmd { color: #ffffff; }
.b { font-weight: bold; } .d { opacity: .6; } .i { font-style: italic; } .u { text-decoration: underline; }
${PALETTE.map((c, i) => `.fg${i} { color: ${c}; } .bg${i} { background: ${c}; }`).join('\n')}
`;

export function terminalPage(sessions: Session[], title = 'logship search'): string {
  const body = sessions
    .map((s) => `<span class="prompt">$</span> <span class="cmd">${escapeHtml(s.command)}</span>\n${ansiToHtml(s.output)}`)
    .join('');
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><div class="window" data-testid="terminal"><div class="bar"><i style="background:#ff5f56"></i>` +
    `<i style="background:#ffbd2e"></i><i style="background:#27c93f"></i><span class="title">${escapeHtml(title)}</span></div>` +
    `<pre>${body}</pre></div></body></html>`
  );
}
