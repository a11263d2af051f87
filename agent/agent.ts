// The agent's wiring: discovery -> tailers -> batcher -> Kafka, acknowledgements -> checkpoints.
import fs from 'node:fs';
import os from 'node:os';
import type { FSWatcher } from 'chokidar';
import type { Config } from '../config/types.js';
import { kafkaClientOptions } from '../kafka/options.js';
import { errorMessage, type LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { startHealthServer, type HealthServer, type Readiness } from '../common/health-server.js';
import { createAgentMetrics, type AgentMetrics } from './metrics.js';
import { createBatcher, type Batcher } from './pipeline/batcher.js';
import { loadCheckpoints, writeCheckpoints, type CheckpointState, type FileCheckpoint } from './state/checkpoint-store.js';
import { fileKey } from './sources/files/identity.js';
import { FileOpener } from './sources/files/opener.js';
import type { FileTailer, TailerContext } from './sources/files/tailer.js';
import { createPathMatcher, type PathMatcher } from './sources/files/glob.js';
import { walkMatches, watchBases } from './sources/files/discovery.js';
import { createKafkaProducer, type Producer } from '../kafka/producer.js';
import { ensureTopics } from '../kafka/admin.js';
import { fatalKafkaReporter, isRetriableKafkaError } from '../kafka/errors.js';
import { openTimeJournal, type TimeJournal } from './state/time-journal.js';
import { StreamSource } from './sources/streams/stream-source.js';
import { MULTILINE_PRESETS, createMultiline } from './pipeline/multiline.js';
import type { SourceType } from '../common/event.js';

export interface AgentDeps {
  log: Logger;
  now?: () => number;
  hostname?: () => string;
  createProducer?: () => Producer;
  /**
   * Kafka refused the credentials or the certificate (LOGSHIP_ERR_KAFKA_AUTH): retrying cannot help. Called once;
   * the CLI stops the agent (nothing unacknowledged is checkpointed, so nothing is lost) and exits 78. Without it
   * the agent logs the error and keeps retrying.
   */
  onFatal?: (err: LogshipError) => void;
}

export interface Agent {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  readonly metrics: AgentMetrics;
  readonly batcher: Batcher;
  readonly metricsAddress: string | undefined;
  readonly host: string;
  /** A stream source (stdin, a wrapped command's output), spooled and checkpointed with the files. */
  addStream(name: string, type: SourceType): StreamSource;
}

const CHECKPOINT_EVERY_MS = 1000;

export function createAgent(cfg: Config, deps: AgentDeps): Agent {
  const log = deps.log;
  const now = deps.now ?? Date.now;
  const host = cfg.host_name || (deps.hostname ?? os.hostname)();
  const a = cfg.agent;
  const metrics = createAgentMetrics(log);
  const makeProducer = deps.createProducer ?? (() => createKafkaProducer(kafkaClientOptions(cfg, 'agent'), log, a.compression));
  let producer = makeProducer();
  let connected = false;
  let connecting: Promise<void> | undefined;
  const fatal = fatalKafkaReporter(cfg.kafka.brokers, log, deps.onFatal);
  const batcher = createBatcher({
    maxEvents: a.batch.max_events,
    maxBytes: a.batch.max_bytes,
    lingerMs: a.batch.linger_ms,
    maxInflightBytes: a.max_inflight_bytes,
    async send(batch) {
      await connect();
      await producer.send(
        cfg.kafka.topic,
        batch.map((e) => ({ key: e.key, value: e.value })),
      );
    },
    async onSendError(err, attempt, n) {
      metrics.produceFailed(err, attempt, n);
      fatal(err);
      // A producer that keeps failing, or failed for a reason retrying will not fix, is rebuilt from scratch.
      if (connected && (attempt % 5 === 0 || !isRetriableKafkaError(err))) {
        const old = producer;
        producer = makeProducer();
        connected = false;
        connecting = undefined;
        await old.disconnect().catch(() => undefined);
        metrics.producerRebuilt(err);
      }
    },
    onSent: (events, bytes, ms) => metrics.produced(events, bytes, ms),
  });

  /** One connect for all concurrent sends: parallel connects of one kafkajs producer race each other. */
  function connect(): Promise<void> {
    if (connected) return Promise.resolve();
    const p = producer;
    connecting ??= p.connect().then(
      () => {
        connected = p === producer;
        connecting = undefined;
      },
      (err) => {
        connecting = undefined;
        throw err;
      },
    );
    return connecting;
  }

  const tailers = new Map<string, FileTailer>();
  const streams = new Map<string, StreamSource>();
  let state: CheckpointState = { files: {}, streams: {} };
  const opener = new FileOpener({ log, metrics, now, markDirty: () => (dirty = true) });
  /** A rotation decision that must reach the checkpoint file before more work is done. */
  let dirty = false;
  let matcher: PathMatcher;
  let journal: TimeJournal;
  let watcher: FSWatcher | undefined;
  let timers: NodeJS.Timeout[] = [];
  let pumping = false;
  let rr = 0;
  let pumpAgain = false;
  let stopping = false;
  let firstScan = true;
  let forceBeginning = false;
  let health: HealthServer | undefined;
  let lastCheckpointError: string | undefined;
  let checkpointFailures = 0;
  let checkpointFailedAt = 0;

  const ctx = (): TailerContext => ({
    host,
    maxLineBytes: a.max_line_bytes,
    readBufferBytes: a.read_buffer_bytes,
    partialFlushMs: a.partial_line_flush_ms,
    parseJson: a.json === 'auto',
    batcher,
    metrics,
    journal,
    now,
    persist: () => {
      checkpointSoon();
      return lastCheckpointError === undefined;
    },
    multiline:
      a.multiline.mode === 'off'
        ? undefined
        : () =>
            createMultiline({
              continuation: new RegExp(a.multiline.mode === 'pattern' ? a.multiline.pattern : MULTILINE_PRESETS[a.multiline.mode]),
              maxLines: a.multiline.max_lines,
              maxBytes: a.multiline.max_bytes,
              timeoutMs: a.multiline.timeout_ms,
            }),
  });

  function openFile(p: string, st: fs.Stats) {
    const key = fileKey(st);
    const opened = opener.open(p, st, {
      cp: state.files[key],
      live: tailers.values(),
      fromEnd: firstScan && a.read_from === 'end' && !forceBeginning,
      ctx: ctx(),
    });
    if (!opened) return;
    const { tailer: t, why } = opened;
    tailers.set(key, t);
    // A new file's identity and first bytes go to disk at once: should we crash before the periodic
    // checkpoint, a copy of it (copytruncate) can still be recognised on restart.
    if (why !== 'checkpoint') dirty = true;
    if (dirty && !firstScan) checkpointSoon();
    metrics.fileOpened(p, t.entry.offset, t.entry.identity, why);
  }

  const linksLogged = new Set<string>();
  function skippedLink(p: string) {
    if (linksLogged.has(p) || linksLogged.size > 10_000) return;
    linksLogged.add(p);
    metrics.symlinkSkipped(p);
  }

  function known(st: fs.Stats): boolean {
    const key = fileKey(st);
    return tailers.has(key) || state.files[key] !== undefined;
  }

  function scan() {
    // Files we know (open or checkpointed) first: a truncation found while opening them retires a generation
    // that a copy among the new files may continue.
    const found = walkMatches(matcher, { followSymlinks: a.files.follow_symlinks, onLink: skippedLink }).sort(
      (x, y) => Number(!known(x.stat)) - Number(!known(y.stat)),
    );
    const seen = new Set<string>();
    for (const f of found) {
      const key = fileKey(f.stat);
      seen.add(key);
      const t = tailers.get(key);
      if (t) {
        if (t.path !== f.path) {
          metrics.fileRotated('renamed', t.path, { to: f.path });
          t.path = f.path;
        }
        t.atPath = true;
        t.goneAt = 0;
        continue;
      }
      try {
        openFile(f.path, f.stat);
      } catch (err) {
        metrics.openFailed(f.path, err, 'error');
      }
    }
    for (const [key, t] of tailers) {
      if (seen.has(key)) continue;
      if (t.atPath) {
        t.atPath = false;
        t.goneAt = now();
        metrics.fileRotated(fs.existsSync(t.path) ? 'renamed' : 'deleted', t.path);
      }
      // Let go only once read to the end, idle, and every line acknowledged.
      if (!t.closed && t.inactiveMs >= a.close_inactive_ms && t.readOnce() === 'eof') {
        metrics.fileClosed(t.path, t.acked, 'no longer at its path, read to the end');
        t.close();
      }
      if (t.closed && t.pendingAcks === 0) tailers.delete(key);
    }
    if (firstScan) {
      firstScan = false;
      // Entries of files not found are kept for a while (a walk can race a rotation), then dropped.
      opener.notFound(Object.keys(state.files).filter((key) => !tailers.has(key)));
      if (dirty) checkpointNow();
    }
    void pump();
  }

  async function pump() {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        let progressed = true;
        while (progressed && !stopping) {
          progressed = false;
          let blocked = false;
          // Round-robin from a moving start: when room is short, the first file in line would otherwise always
          // take it (fairness: one fast file must not starve the others).
          const list = [...tailers.values()];
          const start = list.length > 0 ? rr++ % list.length : 0;
          for (let i = 0; i < list.length; i++) {
            const t = list[(start + i) % list.length];
            if (stopping) break;
            let r;
            try {
              r = t.readOnce();
            } catch (err) {
              metrics.readFailed(t.path, err);
              continue;
            }
            if (r === 'data') progressed = true;
            else if (r === 'blocked') blocked = true;
          }
          if (dirty) checkpointSoon();
          if (blocked) {
            // Wait for room, but look at every file again at least every 250 ms (truncation, new data).
            await Promise.race([batcher.waitForRoom(), new Promise((r) => setTimeout(r, 250))]);
            progressed = true;
          }
          // Yield to the event loop between rounds so acks and timers run.
          if (progressed) await new Promise((r) => setImmediate(r));
        }
      } while (pumpAgain && !stopping);
    } finally {
      pumping = false;
    }
  }

  /**
   * A checkpoint wanted at once (a rotation decision). After a failed write it waits for the next periodic
   * attempt: a full disk is not freed between two reads, and each attempt would be another error.
   */
  function checkpointSoon() {
    if (lastCheckpointError !== undefined && now() - checkpointFailedAt < CHECKPOINT_EVERY_MS) return;
    checkpointNow();
  }

  function checkpointNow() {
    const files: Record<string, FileCheckpoint> = {};
    for (const [key, t] of tailers) files[key] = { ...t.checkpoint() };
    opener.carryOrphans(files, state.files);
    const streamState = { ...state.streams };
    for (const [name, src] of streams) streamState[name] = src.checkpoint();
    const next: CheckpointState = { files, streams: streamState, retired: opener.retiredGenerations };
    try {
      writeCheckpoints(a.data_dir, next);
    } catch (err) {
      // The file on disk stays the last good one (the write is atomic); retried every second.
      lastCheckpointError = errorMessage(err);
      checkpointFailedAt = now();
      metrics.checkpointFailed(err, ++checkpointFailures);
      return;
    }
    dirty = false;
    state = next;
    metrics.checkpointWritten();
    if (checkpointFailures > 0) metrics.stateWriteRecovered('checkpoints', checkpointFailures);
    lastCheckpointError = undefined;
    checkpointFailures = 0;
    journal.compact(new Map(Object.values(files).map((f) => [f.identity, f.offset])));
  }

  function updateGauges() {
    metrics.setGauges({ unackedBytes: batcher.inflightBytes, inflightLines: batcher.inflightEvents, files: tailers.values() });
  }

  function readiness(): Readiness {
    const reasons: string[] = [];
    if (!connected) reasons.push('kafka: producer not connected');
    else if (!batcher.healthy) reasons.push(`kafka: ${batcher.lastError ?? 'produce failing'}`);
    if (lastCheckpointError) reasons.push(`checkpoint: ${lastCheckpointError} (the last good checkpoint stays; retried every second)`);
    if (journal?.failure) reasons.push(`state: ${journal.failure} (reading paused: no line leaves before its read time is on disk)`);
    for (const s of streams.values()) if (s.spoolFailure) reasons.push(`spool: ${s.spoolFailure} (input paused)`);
    return { ready: reasons.length === 0, reasons };
  }

  return {
    metrics,
    batcher,
    host,
    get metricsAddress() {
      return health?.address;
    },
    addStream(name, type) {
      const key = `${type}:${name}`;
      const src = new StreamSource(name, type, state.streams[key], {
        host,
        dataDir: a.data_dir,
        maxLineBytes: a.max_line_bytes,
        spoolMaxBytes: a.spool_max_bytes,
        spoolFull: a.spool_full,
        parseJson: a.json === 'auto',
        batcher,
        metrics,
        now,
      });
      streams.set(key, src);
      checkpointNow(); // the stream's identity is on disk before any of its lines leave
      return src;
    },
    async start() {
      fs.mkdirSync(a.data_dir, { recursive: true });
      const loaded = loadCheckpoints(a.data_dir, now);
      if (loaded.corrupt) {
        forceBeginning = true;
        metrics.checkpointCorrupt(loaded.corrupt.reason, loaded.corrupt.movedTo);
      }
      state = loaded.state;
      opener.load(loaded.state.retired ?? []);
      journal = openTimeJournal(a.data_dir, {
        now,
        retryMs: CHECKPOINT_EVERY_MS,
        onWriteFailed: (what, consecutive, _op, err) => metrics.stateWriteFailed('read_times', what, consecutive, err),
        onRecovered: (failures) => {
          metrics.stateWriteRecovered('read_times', failures);
          void pump();
        },
      });
      matcher = createPathMatcher(a.files.include, a.files.exclude);
      if (a.metrics_listen) health = await startHealthServer(a.metrics_listen, metrics.registry, readiness);
      ensureTopics(kafkaClientOptions(cfg, 'agent-admin'), log, [{ topic: cfg.kafka.topic, partitions: cfg.kafka.topic_partitions }]).catch(
        (err) => fatal(err) || metrics.topicCheckFailed(err),
      );
      // Connect now, not at the first line, so /readyz tells the truth from the start (and a refused login at once).
      void connect().catch((err) => fatal(err) || metrics.kafkaUnreachable(err));
      scan();
      if (a.files.include.length > 0) watcher = watchBases(matcher, () => scan());
      timers = [
        setInterval(() => {
          try {
            scan();
          } catch (err) {
            metrics.scanFailed(err);
          }
        }, a.scan_interval_ms),
        setInterval(() => void pump(), a.poll_interval_ms),
        setInterval(checkpointNow, CHECKPOINT_EVERY_MS),
        setInterval(updateGauges, 1000),
      ];
      log.info(
        { host, include: a.files.include, topic: cfg.kafka.topic, brokers: cfg.kafka.brokers, metrics: health?.address },
        'agent started',
      );
    },
    async stop(graceMs = a.shutdown_grace_ms) {
      stopping = true;
      for (const t of timers) clearInterval(t);
      timers = [];
      await watcher?.close();
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), graceMs);
      // Stream lines held because the spool could not be written get the same grace to reach it (and Kafka).
      const aborted = new Promise<void>((r) => ctl.signal.addEventListener('abort', () => r()));
      await Promise.race([Promise.all([...streams.values()].map((src) => src.spooled())), aborted]);
      await batcher.flush(ctl.signal);
      clearTimeout(timer);
      const left = batcher.inflightEvents;
      batcher.stop();
      checkpointNow();
      updateGauges();
      for (const t of tailers.values()) t.close();
      for (const s of streams.values()) s.close();
      journal?.close();
      await producer.disconnect().catch(() => undefined);
      await health?.close();
      log.info(
        { unacknowledged_lines: left },
        left > 0 ? 'agent stopped; unacknowledged lines will be re-read on the next start' : 'agent stopped; everything acknowledged',
      );
    },
  };
}
