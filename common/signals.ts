// Clean shutdown: the first SIGTERM/SIGINT runs the graceful stop (bounded by its grace period); a second one
// exits at once (checkpoints and commits still guarantee no loss, only duplicates).

export function onShutdown(stop: (signal: string) => Promise<number>, proc: NodeJS.Process = process): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      proc.stderr.write(`logship: second ${signal}, exiting now\n`);
      proc.exit(130);
    }
    stopping = true;
    stop(signal).then(
      (code) => proc.exit(code),
      (err) => {
        proc.stderr.write(`logship: shutdown failed: ${(err as Error).message}\n`);
        proc.exit(1);
      },
    );
  };
  proc.on('SIGTERM', handler);
  proc.on('SIGINT', handler);
}
