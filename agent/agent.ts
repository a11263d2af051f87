// The agent's wiring: scanner -> tailers -> read pump -> batcher -> Kafka; acknowledgements -> checkpoints.
import os from 'node:os';
import type { Config } from '../config/types.js';
import type { LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { startHealthServer, type HealthServer } from '../common/health-server.js';
import type { SourceType } from '../common/event.js';
import { kafkaClientOptions } from '../kafka/options.js';
import type { Producer } from '../kafka/producer.js';
import { createProducerOf } from '../kafka/producer-factory.js';
import { ensureTopics, topicReplication } from '../kafka/admin.js';
import { watchReplication, type ReplicationWatch } from '../kafka/replication-watch.js';
import { fatalKafkaReporter } from '../kafka/errors.js';
import { createAgentMetrics } from './metrics.js';
import { createBatcher } from './pipeline/batcher.js';
import { createKafkaOutput } from './pipeline/kafka-output.js';
import { containerSources } from './container-logs.js';
import { agentReadiness } from './readiness.js';
import { createReadPump } from './read-pump.js';
import { createCheckpointer, CHECKPOINT_EVERY_MS } from './state/checkpointer.js';
import type { FileCheckpoint } from './state/checkpoint-store.js';
import { openTimeJournal, type TimeJournal } from './state/time-journal.js';
import { createSourceRouter } from './sources/files/file-sources.js';
import { FileSlots } from './sources/files/file-slots.js';
import { FileOpener } from './sources/files/opener.js';
import { createScanner, type Scanner } from './sources/files/scanner.js';
import type { FileTailer, TailerContext } from './sources/files/tailer.js';
import { StreamSource } from './sources/streams/stream-source.js';

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
  readonly metricsAddress: string | undefined;
  /** A stream source (stdin, a wrapped command's output), spooled and checkpointed with the files. */
  addStream(name: string, type: SourceType): StreamSource;
}

export function createAgent(cfg: Config, deps: AgentDeps): Agent {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const host = cfg.host_name || (deps.hostname ?? os.hostname)();
  const a = cfg.agent;
  const metrics = createAgentMetrics(log);
  const fatal = fatalKafkaReporter(cfg.kafka.brokers, log, deps.onFatal);
  const output = createKafkaOutput({
    topic: cfg.kafka.topic,
    makeProducer: deps.createProducer ?? (() => createProducerOf(cfg.kafka.producer, kafkaClientOptions(cfg, 'agent'), log, a.compression)),
    metrics,
    fatal,
  });
  const batcher = createBatcher({
    maxEvents: a.batch.max_events,
    maxBytes: a.batch.max_bytes,
    lingerMs: a.batch.linger_ms,
    maxInflightBytes: a.max_inflight_bytes,
    maxConcurrent: a.batch.max_in_flight,
    now,
    // After the topic check: a producer's auto-create would otherwise make the topic first, with the brokers' defaults.
    send: async (batch) => {
      await topicsChecked;
      return output.send(batch);
    },
    onSendError: (err, attempt, n) => output.failed(err, attempt, n),
    onSent: (events, bytes, ms) => {
      metrics.produced(events, bytes, ms);
      checkpointer.touch();
    },
  });

  let topicsCheckedNow: () => void = () => undefined;
  const topicsChecked = new Promise<void>((resolve) => (topicsCheckedNow = resolve));
  const tailers = new Map<string, FileTailer>();
  const streams = new Map<string, StreamSource>();
  let journal: TimeJournal | undefined;
  let scanner: Scanner | undefined;
  let health: HealthServer | undefined;
  let replicationWatch: ReplicationWatch | undefined;
  const slots = new FileSlots(a.max_open_files);
  const opener = new FileOpener({ log, metrics, now, markDirty: () => checkpointer.markDirty(), followSymlinks: a.files.follow_symlinks });
  const checkpointer = createCheckpointer({
    dataDir: a.data_dir,
    now,
    metrics,
    snapshot(previous) {
      const files: Record<string, FileCheckpoint> = {};
      for (const [key, t] of tailers) files[key] = { ...t.checkpoint() };
      for (const [key, p] of slots.parked) files[key] ??= { ...p.entry };
      opener.carryOrphans(files, previous.files);
      const streamState = { ...previous.streams };
      for (const [key, src] of streams) streamState[key] = src.checkpoint();
      return { files, streams: streamState, retired: opener.retiredGenerations };
    },
    compact: (keep) => journal?.compact(keep),
  });
  const pump = createReadPump({
    sources: () => tailers.values(),
    waitForRoom: () => batcher.waitForRoom(),
    readFailed: (path, err, consecutive) => metrics.readFailed(path, err, consecutive),
    afterRound: () => {
      // Idle files give their slots to waiting ones; those are read next round, after the write below.
      if (scanner?.rebalance()) void pump.pump();
      if (checkpointer.dirty) checkpointer.soon();
    },
  });
  // Patterns, zones and custom formats compiled once, here: a bad one throws a config error naming its key.
  const router = createSourceRouter(a);

  /** What every source is given. */
  const rules = {
    json: { maxDepth: a.json_max_depth, maxKeys: a.json_max_keys },
    timestamps: { maxPastMs: a.timestamp_max_past_ms, maxFutureMs: a.timestamp_max_future_ms },
    // Streams (stdin, run) parse plain lines as agent.parser says (its custom pattern is for the file source).
    plain: { format: a.parser.format, timezone: a.parser.timezone },
  };
  const shared = { host, maxLineBytes: a.max_line_bytes, parseJson: a.json === 'auto', rules, batcher, metrics, now };
  // One context per file source (its multiline, parsing, processors), made once the journal is open.
  const contexts = new Map<string, TailerContext>();
  const tailerContext = (j: TimeJournal, file: string): TailerContext => {
    const src = router.sourceFor(file) ?? router.sources[0];
    let c = contexts.get(src.name);
    if (!c) {
      c = {
        ...baseContext(j),
        sourceName: src.name,
        parseJson: src.parseJson,
        rules: { ...rules, ...src.rules },
        multiline: src.multiline,
        processors: src.processors,
        container: containerSources(src.format, { maxLineBytes: a.max_line_bytes, metrics }),
      };
      contexts.set(src.name, c);
    }
    return c;
  };
  const baseContext = (j: TimeJournal): TailerContext => ({
    ...shared,
    readBufferBytes: a.read_buffer_bytes,
    partialFlushMs: a.partial_line_flush_ms,
    closeInactiveMs: a.close_inactive_ms,
    journal: j,
    // Written by the read pump after the round (afterRound), once for every file that asked.
    persist: {
      request: () => {
        checkpointer.markDirty();
        return checkpointer.written;
      },
      get written() {
        return checkpointer.written;
      },
      get failing() {
        return checkpointer.failure !== undefined;
      },
    },
  });

  const updateGauges = () =>
    metrics.setGauges({
      unackedBytes: batcher.inflightBytes,
      inflightLines: batcher.inflightEvents,
      unackedMs: batcher.stalledMs(),
      files: tailers.values(),
      waiting: slots.waiting,
      idle: slots.parked.size,
    });

  const readiness = () =>
    agentReadiness({
      kafkaConnected: output.connected,
      produceFailure: batcher.healthy ? undefined : (batcher.lastError ?? 'produce failing'),
      unackedMs: batcher.stalledMs(),
      inflightEvents: batcher.inflightEvents,
      checkpointFailure: checkpointer.failure,
      journalFailure: journal?.failure,
      spoolFailures: [...streams.values()].map((s) => s.spoolFailure),
      replication: replicationWatch?.problems,
    });

  return {
    get metricsAddress() {
      return health?.address;
    },
    addStream(name, type) {
      const key = `${type}:${name}`;
      const src = new StreamSource(name, type, checkpointer.state.streams[key], {
        ...shared,
        dataDir: a.data_dir,
        spoolMaxBytes: a.spool_max_bytes,
        spoolFull: a.spool_full,
      });
      streams.set(key, src);
      checkpointer.now(); // the stream's identity is on disk before any of its lines leave
      return src;
    },
    async start() {
      const loaded = checkpointer.load();
      opener.load(loaded.state.retired ?? []);
      const j = openTimeJournal(a.data_dir, {
        now,
        retryMs: CHECKPOINT_EVERY_MS,
        onWriteFailed: (what, consecutive, _op, err) => metrics.stateWriteFailed('read_times', what, consecutive, err),
        onRecovered: (failures) => {
          metrics.stateWriteRecovered('read_times', failures);
          void pump.pump();
        },
      });
      journal = j;
      scanner = createScanner({
        files: a.files,
        matcher: router.matcher,
        closeInactiveMs: a.close_inactive_ms,
        scanIntervalMs: a.scan_interval_ms,
        readFromEnd: (file) => !loaded.corrupt && (router.sourceFor(file)?.readFrom ?? a.read_from) === 'end',
        tailers,
        slots,
        opener,
        checkpointer,
        ctx: (file) => tailerContext(j, file),
        metrics,
        now,
        // A periodic scan is a poll: idle files keep their backoff (read-pump.ts); an event reads every file.
        scanned: (fromEvent) => void pump.pump(!fromEvent),
      });
      if (a.metrics_listen) health = await startHealthServer(a.metrics_listen, metrics.registry, readiness, { beforeScrape: updateGauges });
      const topics = [{ topic: cfg.kafka.topic, partitions: cfg.kafka.topic_partitions }];
      ensureTopics(kafkaClientOptions(cfg, 'agent-admin'), log, topics, topicReplication(cfg))
        .catch((err) => fatal(err) || metrics.topicCheckFailed(err))
        .finally(topicsCheckedNow);
      replicationWatch = watchReplication(kafkaClientOptions(cfg, 'agent-admin'), log, cfg.kafka.topic);
      output.connectEarly();
      scanner.start();
      pump.start(a.poll_interval_ms);
      checkpointer.start();
      log.info(
        {
          host,
          sources: router.sources.map((x) => x.name),
          include: a.files.include,
          topic: cfg.kafka.topic,
          brokers: cfg.kafka.brokers,
          metrics: health?.address,
        },
        'agent started',
      );
    },
    async stop(graceMs = a.shutdown_grace_ms) {
      replicationWatch?.stop();
      pump.stop();
      checkpointer.stop();
      await scanner?.stop();
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), graceMs);
      // Stream lines held because the spool could not be written get the same grace to reach it (and Kafka).
      const aborted = new Promise<void>((r) => ctl.signal.addEventListener('abort', () => r()));
      await Promise.race([Promise.all([...streams.values()].map((src) => src.spooled())), aborted]);
      await batcher.flush(ctl.signal);
      clearTimeout(timer);
      const left = batcher.inflightEvents;
      batcher.stop();
      checkpointer.now();
      updateGauges();
      for (const t of tailers.values()) t.close();
      for (const s of streams.values()) s.close();
      journal?.close();
      // Said before the client is closed: what is acknowledged is known now, and a client whose close waits on a
      // broker that never answered (@platformatic/kafka while connecting) must not swallow it.
      log.info(
        { unacknowledged_lines: left },
        left > 0 ? 'agent stopped; unacknowledged lines will be re-read on the next start' : 'agent stopped; everything acknowledged',
      );
      await output.close();
      await health?.close();
    },
  };
}
