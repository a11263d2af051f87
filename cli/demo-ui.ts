// The demo's web explorer: `logship ui` in the demo's process, on its usual port, or a free one when that is taken.
import type { Config } from '../config/types.js';
import type { Logger } from '../common/logger.js';
import { parseListen } from './ui.js';

export interface DemoExplorer {
  start(log: Logger): Promise<void>;
  stop(): Promise<void>;
  url(): string;
}

export async function demoExplorer(cfg: Config, listen: string): Promise<DemoExplorer> {
  const { host, port } = parseListen(listen);
  const [{ createEs }, { startUiServer }, { assetsDir }] = await Promise.all([
    import('../sink/es-client.js'),
    import('../ui/server/ui-server.js'),
    import('../ui/server/static-files.js'),
  ]);
  const es = createEs(cfg);
  let server: Awaited<ReturnType<typeof startUiServer>> | undefined;
  return {
    async start(log) {
      const opts = { es, index: `${cfg.elasticsearch.index_prefix}-*`, host, token: undefined, assetsDir: assetsDir(), log };
      try {
        server = await startUiServer({ ...opts, port });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        server = await startUiServer({ ...opts, port: 0 });
      }
    },
    async stop() {
      await server?.close();
      await es.close();
    },
    url: () => server?.url ?? '-',
  };
}
