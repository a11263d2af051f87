// Shared by the config tests: a temp dir, and loadConfig's error and problems.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { LogshipError } from '../../common/errors.js';
import { loadConfig, type ConfigProblem, type LoadOptions } from '../../config/loader.js';

export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The LogshipError thrown by loadConfig, or a failure when it did not throw. */
export function loadError(opts: LoadOptions): LogshipError {
  try {
    loadConfig(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(LogshipError);
    return err as LogshipError;
  }
  throw new Error('loadConfig did not throw');
}

export function problems(opts: LoadOptions): ConfigProblem[] {
  const e = loadError(opts);
  expect(e.code).toBe('LOGSHIP_ERR_CONFIG_INVALID');
  return e.details.problems as ConfigProblem[];
}

export function get(cfg: unknown, p: string): unknown {
  return p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg);
}
