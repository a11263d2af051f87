// The typed view of config/schema.ts, derived from it: a key declared there is a property here, with its type
// (an enum's values as a union of literals), so the two cannot drift apart.
import type { ValueOf, schema } from './schema.js';

export type Config = ValueOf<typeof schema>;
