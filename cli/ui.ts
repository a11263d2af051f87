// `logship ui`: the web explorer over the indexed logs. The browser talks only to this server, which builds every
// Elasticsearch query itself with the config's credentials (ui/server/).
import { LogshipError } from '../common/errors.js';
import { RUNNING, configFlags, help, loadFromFlags, parse, startDaemon } from './shared.js';

const HELP = `Usage: logship ui [--listen 127.0.0.1:5601] [--token TOKEN] [-c FILE] [--set key=value]

Serves the web explorer: a query bar (the syntax of logship search), a time range, a histogram (drag to zoom),
facets for host, source, level and service (click to filter, shift-click to exclude), rows that expand to the
whole event, the lines around one in its file, links that keep the whole view, and a live tail.
The browser never talks to Elasticsearch: the server builds the queries, and the credentials stay here.

  --listen HOST:PORT  where to serve (default 127.0.0.1:5601; port 0 picks a free one). Off loopback a token
                      is required.
  --token TOKEN       require this token (or set LOGSHIP_UI_TOKEN); the printed URL carries it once, then a
                      cookie does.

Prints the URL on stdout. Ctrl-C stops it.
`;

export interface Listen {
  host: string;
  port: number;
}

export function parseListen(text: string): Listen {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new LogshipError('LOGSHIP_ERR_USAGE', `--listen: "${text}" is not HOST:PORT (e.g. 127.0.0.1:5601)`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export async function uiCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...configFlags, listen: { type: 'string' }, token: { type: 'string' } }, false);
  if (values.help) return help(HELP);
  const listen = parseListen(values.listen ?? '127.0.0.1:5601');
  const token = values.token ?? (process.env.LOGSHIP_UI_TOKEN || undefined);
  const cfg = loadFromFlags(values);
  const [{ createEs }, { startUiServer }, { assetsDir }] = await Promise.all([
    import('../sink/es-client.js'),
    import('../ui/server/ui-server.js'),
    import('../ui/server/static-files.js'),
  ]);
  await startDaemon({
    cfg,
    name: 'ui',
    async create(log) {
      const es = createEs(cfg);
      let server: Awaited<ReturnType<typeof startUiServer>> | undefined;
      return {
        async start() {
          server = await startUiServer({
            es,
            index: `${cfg.elasticsearch.index_prefix}-*`,
            ...listen,
            token,
            assetsDir: assetsDir(),
            log,
          });
          log.info({ url: server.url.replace(/\?token=.*/, '') }, 'explorer started');
          process.stdout.write(`logship ui: ${server.url}\n`);
        },
        async stop() {
          await server?.close();
          await es.close();
        },
      };
    },
  });
  return RUNNING;
}
