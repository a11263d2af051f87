// `node dist/bench/idle-files.js [files] [seconds] [settle]`: the agent's cost at rest, alone (npm run bench
// measures the same with 200 files). The agent starts on `files` small files (default 200), ships them, then
// nothing is written: resident memory, open descriptors and CPU (utime + stime from /proc/<pid>/stat) over a
// window of `seconds` (default 30) right after, and another `settle` seconds later (default 30). With 0 files it
// is the idle agent. Uses the bench stack's Kafka (LOGSHIP_KAFKA_PORT, as `npm run bench`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { idleFiles } from './files-bench.js';
import { deleteCreatedTopics } from './lib/services.js';

async function main() {
  const [files = 200, seconds = 30, settle = 30] = process.argv.slice(2).map(Number);
  const work = process.env.BENCH_WORK_DIR ?? path.join(os.tmpdir(), 'logship-bench');
  fs.mkdirSync(work, { recursive: true });
  try {
    const r = await idleFiles(work, files, seconds, settle);
    process.stdout.write(
      `idle agent, ${r.files} files: RSS ${r.rssMb.toFixed(1)} MB, ${r.fds} descriptors; CPU ${r.firstCorePct.toFixed(2)} % of a core ` +
        `in the ${r.windowS} s after the reads, ${r.corePct.toFixed(2)} % at rest (${r.cpuS.toFixed(2)} s in ${r.windowS} s, ${r.settleS} s later)\n`,
    );
  } finally {
    await deleteCreatedTopics();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(path.dirname(new URL(import.meta.url).pathname), 'idle-files.js')) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
