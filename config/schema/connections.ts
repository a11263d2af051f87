// The connections shared by agent, sink and the CLI: Kafka and Elasticsearch.
import { bool, int, ms, obj, oneOf, str, strings } from './nodes.js';
import { kafkaTopicsSchema } from '../kafka-topics.js';

export const kafkaSchema = obj('Kafka connection, shared by agent, sink and dlq commands.', {
  brokers: strings(['127.0.0.1:9092'], 'Bootstrap brokers, host:port.'),
  client_id: str('logship', 'Kafka client id.'),
  topic: str('logs', 'Topic the agent produces to and the sink consumes.'),
  dlq_topic: str('logs-dlq', 'Dead-letter topic: events Elasticsearch rejected or the sink could not decode, with the reason.'),
  topic_partitions: int(4, 'Partitions when logship creates the topics.', { min: 1 }),
  topics: kafkaTopicsSchema,
  producer: oneOf(
    'kafkajs',
    ['kafkajs', 'platformatic'],
    "The agent's Kafka client: kafkajs, or @platformatic/kafka (faster; no zstd on Node 20).",
  ),
  connection_timeout_ms: ms(3000, 'TCP connect timeout.', 1),
  request_timeout_ms: ms(30000, 'Kafka request timeout.', 1),
  tls: obj('TLS to the brokers.', {
    enabled: bool(false, 'Connect with TLS.'),
    ca_file: str('', "PEM file of the CA that signed the brokers' certificates. Empty: Node's built-in public CAs."),
    cert_file: str('', 'Client certificate (PEM) for mutual TLS.'),
    key_file: str('', 'Client key (PEM) for mutual TLS.'),
    insecure_skip_verify: bool(false, "Do not verify the brokers' certificates (testing only)."),
  }),
  sasl: obj('SASL authentication.', {
    mechanism: oneOf('none', ['none', 'plain', 'scram-sha-256', 'scram-sha-512'], 'SASL mechanism.'),
    username: str('', 'SASL user name.'),
    password: str('', 'SASL password. Prefer ${ENV} or password_file.', { secret: true }),
    password_file: str('', 'File holding the SASL password.'),
  }),
});

export const elasticsearchSchema = obj('Elasticsearch connection and index layout, used by the sink and search.', {
  url: str('http://127.0.0.1:9200', 'Elasticsearch URL.', { secret: 'url-password' }),
  username: str('', 'Basic auth user.'),
  password: str('', 'Basic auth password. Prefer ${ENV} or password_file.', { secret: true }),
  password_file: str('', 'File holding the basic auth password.'),
  api_key: str(
    '',
    'API key: the `encoded` value of POST /_security/api_key (base64 of id:key). Used instead of username/password when set. Prefer ${ENV} or api_key_file.',
    { secret: true },
  ),
  api_key_file: str('', 'File holding the API key.'),
  ca_file: str('', "PEM CA certificate for https URLs. Empty: Node's built-in public CAs."),
  request_timeout_ms: ms(30000, 'Per-request timeout.', 1),
  index_prefix: str('logs', "Daily indices are <prefix>-YYYY.MM.DD, the day taken from each event's @timestamp (UTC)."),
  number_of_shards: int(1, 'Primary shards per daily index.', { min: 1 }),
  number_of_replicas: int(0, 'Replicas per daily index.'),
  refresh_interval: str('1s', 'Index refresh interval (Elasticsearch duration, e.g. 1s, 30s, -1).'),
  retention_days: int(0, 'Delete whole daily indices older than this many days (checked hourly by the sink). 0: keep all.'),
});
