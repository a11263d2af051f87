// After each test file: no process it started survives it, whether the file passed or failed.
import { afterAll } from 'vitest';
import { killAll } from './support/helpers.js';

afterAll(() => killAll());
