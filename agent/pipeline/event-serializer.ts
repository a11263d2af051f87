// The event as its wire bytes (version 2), written for its fixed shape: the parts that are the same for every line
// of a source (host, file path, source identity) are encoded once and reused, the read time once per chunk, and
// only what changes per line (id, offset, message) is escaped. Every other field, including ones added later by
// the event builder, goes through JSON.stringify, so the serializer never needs to know them.
//
// Version 2 leaves out what repeats: `event.created` when it equals `@timestamp`, and `logship.source.name` when
// it equals `log.file.path`. decodeEvent (common/event.ts) restores both, so the document is the same as from v1.
// Apart from those two omissions the bytes are exactly JSON.stringify(event) (same keys, same order), which the
// tests check on generated events.
import type { LogEvent } from '../../common/event.js';

export type EventSerializer = (e: LogEvent) => string;

const q = JSON.stringify;

/** One remembered string and its JSON encoding: a hit when the next value is the same string. */
class Memo {
  private raw: string | undefined;
  private enc = '';
  get(s: string, encode: (s: string) => string): string {
    if (s !== this.raw) {
      this.raw = s;
      this.enc = encode(s);
    }
    return this.enc;
  }
}

function isPlain(o: object, allowed: readonly string[]): boolean {
  let n = 0;
  for (const k in o) {
    if (!allowed.includes(k)) return false;
    n++;
  }
  return n > 0;
}

/** A serializer with its own memory of the last source and read time (one per source keeps every hit). */
export function createEventSerializer(): EventSerializer {
  const host = new Memo();
  const path = new Memo();
  const stamp = new Memo();
  const created = new Memo();
  let last: { type?: string; name?: string; identity?: string; path?: string } = {};
  let sourceJson = '';

  function eventPart(ev: LogEvent['event'], ts: string): string {
    if (!isPlain(ev, ['id', 'created'])) {
      if (ev.created !== ts) return q(ev);
      const { created: _c, ...rest } = ev;
      return q(rest);
    }
    let s = '{"id":' + q(ev.id);
    if (ev.created !== undefined && ev.created !== ts) s += ',"created":' + created.get(ev.created, q);
    return s + '}';
  }

  function logPart(log: LogEvent['log']): string {
    let s = '';
    for (const k in log) {
      const v = (log as Record<string, unknown>)[k];
      if (v === undefined) continue;
      s += s === '' ? '{' : ',';
      if (k === 'offset' && typeof v === 'number') s += '"offset":' + q(v);
      else if (k === 'file' && isPlain(v as object, ['path']) && typeof log.file?.path === 'string')
        s += '"file":' + path.get(log.file.path, (p) => '{"path":' + q(p) + '}');
      else s += q(k) + ':' + q(v);
    }
    return s === '' ? '{}' : s + '}';
  }

  function sourcePart(src: LogEvent['logship']['source'], filePath: string | undefined): string {
    if (!isPlain(src, ['type', 'name', 'identity'])) {
      const rest: Record<string, unknown> = { ...src };
      if (src.name === filePath) delete rest.name;
      return q(rest);
    }
    if (src.type !== last.type || src.name !== last.name || src.identity !== last.identity || filePath !== last.path) {
      last = { type: src.type, name: src.name, identity: src.identity, path: filePath };
      sourceJson = q(src.name !== filePath ? src : { type: src.type, identity: src.identity });
    }
    return sourceJson;
  }

  function logshipPart(ls: LogEvent['logship'], filePath: string | undefined): string {
    let s = '';
    for (const k in ls) {
      const v = (ls as Record<string, unknown>)[k];
      if (v === undefined) continue;
      s += s === '' ? '{' : ',';
      if (k === 'source' && typeof v === 'object' && v !== null) s += '"source":' + sourcePart(ls.source, filePath);
      else s += q(k) + ':' + q(v);
    }
    return s === '' ? '{}' : s + '}';
  }

  return (e) => {
    const ts = e['@timestamp'];
    const filePath = typeof e.log?.file?.path === 'string' ? e.log.file.path : undefined;
    let s = '';
    for (const k in e) {
      const v = (e as unknown as Record<string, unknown>)[k];
      if (v === undefined) continue;
      s += s === '' ? '{' : ',';
      switch (k) {
        case 'v':
          s += '"v":' + q(v);
          break;
        case '@timestamp':
          s += '"@timestamp":' + (typeof v === 'string' ? stamp.get(v, q) : q(v));
          break;
        case 'message':
          s += '"message":' + q(v);
          break;
        case 'event':
          s += '"event":' + (typeof v === 'object' && v !== null ? eventPart(e.event, ts) : q(v));
          break;
        case 'host':
          s += '"host":' + (isPlain(v as object, ['name']) ? host.get(e.host.name, (h) => '{"name":' + q(h) + '}') : q(v));
          break;
        case 'log':
          s += '"log":' + (typeof v === 'object' && v !== null ? logPart(e.log) : q(v));
          break;
        case 'logship':
          s += '"logship":' + (typeof v === 'object' && v !== null ? logshipPart(e.logship, filePath) : q(v));
          break;
        default:
          s += q(k) + ':' + q(v);
      }
    }
    return s === '' ? '{}' : s + '}';
  };
}
