// Kafka client options from config, shared by the producer and consumer adapters (no kafkajs import here).
import fs from 'node:fs';
import type { Config } from '../config/types.js';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  connectionTimeout: number;
  requestTimeout: number;
  ssl?: boolean | { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export function kafkaClientOptions(cfg: Config, suffix: string): KafkaClientOptions {
  const k = cfg.kafka;
  const opts: KafkaClientOptions = {
    clientId: `${k.client_id}-${suffix}`,
    brokers: k.brokers,
    connectionTimeout: k.connection_timeout_ms,
    requestTimeout: k.request_timeout_ms,
  };
  if (k.tls.enabled) {
    opts.ssl = {
      ca: k.tls.ca_file ? [fs.readFileSync(k.tls.ca_file, 'utf8')] : undefined,
      cert: k.tls.cert_file ? fs.readFileSync(k.tls.cert_file, 'utf8') : undefined,
      key: k.tls.key_file ? fs.readFileSync(k.tls.key_file, 'utf8') : undefined,
      rejectUnauthorized: !k.tls.insecure_skip_verify,
    };
  }
  if (k.sasl.mechanism !== 'none') opts.sasl = { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password };
  return opts;
}
