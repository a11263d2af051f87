// Every test file: a failed test prints the output of the logship processes it started (or that were running
// while it ran), so a flaky failure explains itself; after the file, no process it started survives it.
import { afterAll, beforeEach } from 'vitest';
import { failureReport, killAll, processMark } from './support/processes.js';

beforeEach(({ onTestFailed }) => {
  const mark = processMark();
  onTestFailed(() => {
    const report = failureReport(mark);
    if (report) process.stderr.write(`\n==== output of the logship processes of this failed test\n${report}`);
  });
});

afterAll(() => killAll());
