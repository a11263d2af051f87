// The typed view of config/schema.ts. Kept in step by test/unit/config.test.ts (every leaf is covered).
export interface Config {
  host_name: string;
  log_level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  kafka: {
    brokers: string[];
    client_id: string;
    topic: string;
    dlq_topic: string;
    topic_partitions: number;
    connection_timeout_ms: number;
    request_timeout_ms: number;
    tls: { enabled: boolean; ca_file: string; cert_file: string; key_file: string; insecure_skip_verify: boolean };
    sasl: { mechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string; password_file: string };
  };
  elasticsearch: {
    url: string;
    username: string;
    password: string;
    password_file: string;
    api_key: string;
    api_key_file: string;
    ca_file: string;
    request_timeout_ms: number;
    index_prefix: string;
    number_of_shards: number;
    number_of_replicas: number;
    refresh_interval: string;
    retention_days: number;
  };
  agent: {
    data_dir: string;
    read_from: 'beginning' | 'end';
    files: { include: string[]; exclude: string[]; follow_symlinks: boolean };
    scan_interval_ms: number;
    poll_interval_ms: number;
    close_inactive_ms: number;
    read_buffer_bytes: number;
    max_line_bytes: number;
    partial_line_flush_ms: number;
    multiline: { mode: 'off' | 'java' | 'python' | 'pattern'; pattern: string; max_lines: number; max_bytes: number; timeout_ms: number };
    json: 'auto' | 'off';
    batch: { max_events: number; max_bytes: number; linger_ms: number };
    max_inflight_bytes: number;
    compression: 'none' | 'gzip' | 'lz4' | 'zstd';
    metrics_listen: string;
    shutdown_grace_ms: number;
    spool_max_bytes: number;
    spool_full: 'block' | 'drop_newest';
  };
  sink: {
    group_id: string;
    from_beginning: boolean;
    bulk: { max_docs: number; max_bytes: number; linger_ms: number; concurrency: number };
    retry_initial_ms: number;
    retry_max_ms: number;
    session_timeout_ms: number;
    metrics_listen: string;
    shutdown_grace_ms: number;
    max_decompressed_batch_bytes: number;
  };
}
