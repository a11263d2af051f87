// Kafka not reachable when the sink starts (a host booting, brokers restarting): the sink waits for it, as the
// agent does, and indexes once it is there. It used to exit 1 when kafkajs gave up connecting (about 25 s), which
// a CI run under load showed: a sink slower to start than Kafka was to stop never indexed anything.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BROKER, esCount, makeEnv, metricValue, waitFor } from '../support/helpers.js';
import { logship } from '../support/processes.js';
import { createTopic, expectExactlyOnce, produceEvents, testEvent } from '../support/sink-helpers.js';

/** A port in front of the real Kafka that resets every connection until open() (Kafka away), then forwards. */
async function kafkaDoor() {
  const [host, port] = BROKER.split(':');
  let open = false;
  let refused = 0;
  const conns = new Set<net.Socket>();
  const server = net.createServer((c) => {
    if (!open) {
      refused++;
      c.resetAndDestroy();
      return;
    }
    const k = net.connect(Number(port), host);
    conns.add(c).add(k);
    const end = () => {
      c.destroy();
      k.destroy();
    };
    for (const s of [c, k]) s.on('error', end).on('close', end);
    c.pipe(k).pipe(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    refused: () => refused,
    open: () => void (open = true),
    close: () => {
      for (const s of conns) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('sink: Kafka not reachable at start', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it("keeps waiting past the client's own connect retries, then consumes and indexes", async () => {
    const door = await kafkaDoor();
    cleanup.push(door.close);
    const env = makeEnv('sink-kafka-late', { kafka: { brokers: [door.address] } });
    await createTopic(env.topic, 2);
    const sink = logship(['sink', '-c', env.config]);
    cleanup.push(() => sink.stop('SIGKILL'));
    let exit: number | null | undefined;
    void sink.exited.then((code) => (exit = code));
    // This line comes only once kafkajs has given up its own retries: where the sink used to exit.
    await waitFor(
      'the sink saying Kafka is not reachable',
      () => exit !== undefined || sink.stderr().includes('Kafka not reachable; the consumer keeps trying') || undefined,
      120_000,
      200,
    );
    expect(exit, `the sink exited while Kafka was away: ${sink.stderr().slice(-2000)}`).toBeUndefined();
    expect(door.refused()).toBeGreaterThan(0);
    door.open();
    await sink.started(120_000);
    expect(await metricValue(sink.metrics, 'logship_sink_errors_total', { stage: 'consumer', error_type: 'unavailable' })).toBeGreaterThan(
      0,
    );
    const events = Array.from({ length: 200 }, (_, i) => testEvent('late-host', 'late-file', i));
    await produceEvents(env.topic, events);
    await waitFor('every event searchable', async () => ((await esCount(env.prefix)) >= events.length ? true : undefined), 120_000, 250);
    await expectExactlyOnce(
      env.prefix,
      events.map((e) => e.event.id),
    );
    expect(await sink.stop()).toBe(0);
  });
});
