// prom-client's default process metrics (CPU, memory, heap, GC, event-loop lag, handles) for one registry.
// Its event-loop lag histogram samples with a timer: prom-client's default of 10 ms wakes an idle process 100
// times a second, about half of an idle agent's wake-ups. One sample a second still shows a blocked loop (the
// lag is measured by how late that timer fires) at a cost an idle host does not notice.
import { collectDefaultMetrics, type Registry } from 'prom-client';

export const EVENT_LOOP_SAMPLE_MS = 1000;

export function collectProcessMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
}
