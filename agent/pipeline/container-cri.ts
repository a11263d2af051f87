// The CRI log format the kubelet's runtimes (containerd, CRI-O) write under /var/log/pods: one record per line,
// `<RFC 3339 nano time> <stdout|stderr> <tags> <text>`, where tags are `:`-separated and the first is P (a piece
// of a line longer than the runtime's buffer, 16 KiB) or F (the line's last or only piece). An empty line is
// written as `<time> <stream> F ` or without the last space. Pure.
import { rfc3339ToIso, type ContainerRecord } from './container-record.js';

const RECORD = /^(\S+) (stdout|stderr) ([PF])((?::[^ :]+)*)(?: |$)/;

export function decodeCriLine(line: string): ContainerRecord | undefined {
  const m = RECORD.exec(line);
  if (!m) return undefined;
  const time = rfc3339ToIso(m[1]);
  if (time === undefined) return undefined;
  return { text: line.slice(m[0].length), stream: m[2] as ContainerRecord['stream'], time, partial: m[3] === 'P' };
}
