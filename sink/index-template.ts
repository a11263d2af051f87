// The index template for the daily indices. Known fields are mapped explicitly; parsed JSON fields go under
// `json` as one `flattened` field, so one app's field types can never conflict with another's. Other unknown
// fields are kept in _source but not indexed (dynamic: false), so they cannot cause mapping conflicts either.
import type { Config } from '../config/types.js';

export function templateName(cfg: Config): string {
  return `${cfg.elasticsearch.index_prefix}-logship`;
}

export function indexTemplate(cfg: Config): Record<string, unknown> {
  const e = cfg.elasticsearch;
  return {
    index_patterns: [`${e.index_prefix}-*`],
    priority: 200,
    template: {
      settings: {
        number_of_shards: e.number_of_shards,
        number_of_replicas: e.number_of_replicas,
        refresh_interval: e.refresh_interval,
      },
      mappings: {
        dynamic: false,
        properties: {
          '@timestamp': { type: 'date' },
          message: { type: 'text' },
          event: {
            properties: { id: { type: 'keyword' }, created: { type: 'date' }, kind: { type: 'keyword' }, dataset: { type: 'keyword' } },
          },
          host: { properties: { name: { type: 'keyword' } } },
          log: {
            properties: {
              offset: { type: 'long' },
              level: { type: 'keyword' },
              truncated: { type: 'boolean' },
              invalid_utf8: { type: 'boolean' },
              file: { properties: { path: { type: 'keyword' } } },
              iostream: { type: 'keyword' },
              json_error: { type: 'keyword', ignore_above: 256 },
              original_timestamp: { type: 'keyword', ignore_above: 256 },
              build_error: { type: 'keyword', ignore_above: 256 },
            },
          },
          container: {
            properties: { id: { type: 'keyword' }, name: { type: 'keyword' }, image: { properties: { name: { type: 'keyword' } } } },
          },
          kubernetes: {
            properties: {
              namespace: { type: 'keyword' },
              pod: { properties: { name: { type: 'keyword' }, uid: { type: 'keyword' } } },
              container: { properties: { name: { type: 'keyword' } } },
            },
          },
          logship: {
            properties: {
              source: { properties: { type: { type: 'keyword' }, name: { type: 'keyword' }, identity: { type: 'keyword' } } },
              lines: { type: 'integer' },
            },
          },
          process: { properties: { exit_code: { type: 'integer' }, signal: { type: 'keyword' }, command_line: { type: 'keyword' } } },
          json: { type: 'flattened', ignore_above: 1024 },
          // A source's static fields and tags (agent.sources[].fields / tags): any names, so flattened as json is.
          fields: { type: 'flattened', ignore_above: 1024 },
          tags: { type: 'keyword' },
        },
      },
    },
    _meta: { managed_by: 'logship', description: 'logship daily log indices' },
  };
}
