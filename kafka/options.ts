// Kafka client options from config, shared by the producer and consumer adapters (no kafkajs import here).
import { readConfigFile } from '../config/loader.js';
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
    // Without ca_file, Node's built-in public CAs verify the brokers.
    opts.ssl = {
      ca: k.tls.ca_file ? [readConfigFile(k.tls.ca_file, 'kafka.tls.ca_file')] : undefined,
      cert: k.tls.cert_file ? readConfigFile(k.tls.cert_file, 'kafka.tls.cert_file') : undefined,
      key: k.tls.key_file ? readConfigFile(k.tls.key_file, 'kafka.tls.key_file') : undefined,
      rejectUnauthorized: !k.tls.insecure_skip_verify,
    };
  }
  if (k.sasl.mechanism !== 'none') opts.sasl = { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password };
  return opts;
}
