// Internal events that report a fault: one call logs the line and counts it in
// logship_<component>_errors_total{stage,error_type}, so a fault is never logged without a number or counted
// without a reason. Labels come from small fixed sets declared by each component (never a path or a message).
import { Counter, type Registry } from 'prom-client';
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * The level for the nth consecutive occurrence of a repeating fault: the first of a streak at `first`, every
 * `every`th at `repeat`, the rest at debug. A disk that stays full or a broker that stays away is retried every
 * second; the log says so once, then now and then, not once a second.
 */
export function streakLevel(consecutive: number, opts: { first?: LogLevel; every?: number; repeat?: LogLevel } = {}): LogLevel {
  const { first = 'warn', every = 10, repeat = 'warn' } = opts;
  if (consecutive <= 1) return first;
  return consecutive % every === 0 ? repeat : 'debug';
}

export interface Fault<S extends string, T extends string> {
  stage: S;
  errorType: T;
  message: string;
  err?: unknown;
  fields?: Record<string, unknown>;
  /** Level of the log line (default warn); `consecutive` with `streak` picks it by streakLevel instead. */
  level?: LogLevel;
  consecutive?: number;
  streak?: { first?: LogLevel; every?: number; repeat?: LogLevel };
}

export type FaultReporter<S extends string, T extends string> = (f: Fault<S, T>) => void;

export function createFaultReporter<S extends string, T extends string>(opts: {
  component: 'agent' | 'sink';
  registry: Registry;
  log: Logger;
  stages: readonly S[];
  errorTypes: readonly T[];
}): FaultReporter<S, T> {
  const counter = new Counter({
    name: `logship_${opts.component}_errors_total`,
    help: `Faults the ${opts.component} met and handled (logged with the same stage and error_type), by stage and error type.`,
    labelNames: ['stage', 'error_type'],
    registers: [opts.registry],
  });
  const stages = new Set<string>(opts.stages);
  const types = new Set<string>(opts.errorTypes);
  return (f) => {
    // A label outside the declared sets is a programming error; count it as "other" rather than grow the series.
    const stage = stages.has(f.stage) ? f.stage : 'other';
    const errorType = types.has(f.errorType) ? f.errorType : 'other';
    counter.inc({ stage, error_type: errorType });
    const level = f.consecutive !== undefined && f.streak ? streakLevel(f.consecutive, f.streak) : (f.level ?? 'warn');
    const fields: Record<string, unknown> = { stage, error_type: errorType, ...f.fields };
    if (f.err !== undefined) fields.err = errorMessage(f.err);
    if (f.consecutive !== undefined && f.consecutive > 1) fields.consecutive = f.consecutive;
    opts.log[level](fields, f.message);
  };
}
