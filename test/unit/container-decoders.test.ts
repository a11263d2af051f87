import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCriLine } from '../../agent/pipeline/container-cri.js';
import { decodeDockerLine } from '../../agent/pipeline/container-docker.js';
import { containerMetaFromPath, dockerConfigMeta, dockerContainerDir, withDockerConfig } from '../../agent/pipeline/container-meta.js';
import { rfc3339ToIso } from '../../agent/pipeline/container-record.js';

const ID = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + 'b'.repeat(4);

describe('docker json-file records', () => {
  it('unwraps the text, the stream and the time of a whole line', () => {
    expect(decodeDockerLine('{"log":"hello world\\n","stream":"stdout","time":"2026-12-01T12:07:45.2908089Z"}')).toEqual({
      text: 'hello world',
      stream: 'stdout',
      time: '2026-12-01T12:07:45.290Z',
      partial: false,
    });
    expect(decodeDockerLine('{"log":"a\\r\\n","stream":"stderr","time":"2026-12-01T12:07:45Z","attrs":{"tag":"x"}}')).toEqual({
      text: 'a',
      stream: 'stderr',
      time: '2026-12-01T12:07:45.000Z',
      partial: false,
    });
  });

  it('a log without its newline is a piece of a longer line', () => {
    expect(decodeDockerLine('{"log":"xxxx","stream":"stdout","time":"2026-12-01T12:07:45.1+02:00"}')).toEqual({
      text: 'xxxx',
      stream: 'stdout',
      time: '2026-12-01T10:07:45.100Z',
      partial: true,
    });
  });

  it('anything else is not a record', () => {
    for (const line of [
      '',
      'plain text',
      '{"log":"x\\n","stream":"stdin","time":"2026-12-01T12:07:45Z"}',
      '{"log":1,"stream":"stdout","time":"2026-12-01T12:07:45Z"}',
      '{"log":"x\\n","stream":"stdout","time":"yesterday"}',
      '{"log":"x\\n","stream":"stdout","time":"2026-12-01 12:07:45"}',
      '{"log":"x\\n","stream":"stdout"',
      '[1,2]',
      'null',
    ])
      expect(decodeDockerLine(line), line).toBeUndefined();
  });
});

describe('CRI records', () => {
  it('unwraps full and partial records, tags and empty lines', () => {
    expect(decodeCriLine('2026-12-01T12:00:00.123456789Z stdout F hello  world ')).toEqual({
      text: 'hello  world ',
      stream: 'stdout',
      time: '2026-12-01T12:00:00.123Z',
      partial: false,
    });
    expect(decodeCriLine('2026-12-01T13:00:00.5+01:00 stderr P piece')).toMatchObject({ text: 'piece', partial: true, stream: 'stderr' });
    expect(decodeCriLine('2026-12-01T12:00:00Z stdout F ')).toMatchObject({ text: '', partial: false });
    expect(decodeCriLine('2026-12-01T12:00:00Z stdout F')).toMatchObject({ text: '', partial: false });
    expect(decodeCriLine('2026-12-01T12:00:00Z stdout P:x:y text')).toMatchObject({ text: 'text', partial: true });
  });

  it('anything else is not a record', () => {
    for (const line of [
      '',
      'hello',
      '2026-12-01T12:00:00Z stdin F x',
      '2026-12-01T12:00:00Z stdout X x',
      '2026-12-01T12:00:00Z stdout Fx',
      'notatime stdout F x',
      '2026-13-45T12:00:00Z stdout F x',
      '2026-12-01T12:00:00 stdout F no zone',
    ])
      expect(decodeCriLine(line), line).toBeUndefined();
  });

  it('the time is ISO in UTC, or nothing', () => {
    expect(rfc3339ToIso('2026-12-01T12:00:00.999999999-07:00')).toBe('2026-12-01T19:00:00.999Z');
    expect(rfc3339ToIso('2026-12-01')).toBeUndefined();
  });
});

describe('decoders: any input decodes or is left alone, never throws', () => {
  const arbLine = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string().map((s) => `2026-12-01T12:00:00Z ${s}`),
    fc
      .tuple(fc.constantFrom('stdout', 'stderr', 'x'), fc.constantFrom('P', 'F', 'P:a', ''), fc.string())
      .map(([s, t, x]) => `2026-12-01T12:00:00.1Z ${s} ${t} ${x}`),
    fc
      .tuple(fc.string(), fc.constantFrom('stdout', 'stderr', 'stdin'))
      .map(([log, stream]) => JSON.stringify({ log, stream, time: '2026-12-01T12:00:00Z' })),
    fc.json(),
  );
  it('holds for docker and cri', () => {
    fc.assert(
      fc.property(arbLine, (line) => {
        for (const decode of [decodeDockerLine, decodeCriLine]) {
          const r = decode(line);
          if (r === undefined) continue;
          expect(['stdout', 'stderr']).toContain(r.stream);
          expect(new Date(r.time).toISOString()).toBe(r.time);
          expect(line).toContain(decode === decodeCriLine ? r.text : '');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('container metadata from the path', () => {
  it('kubelet pod logs, current and rotated', () => {
    const k = {
      namespace: 'shop',
      pod: { name: 'checkout-7d9f-x2', uid: '1f2e3d4c-aaaa-bbbb-cccc-0123456789ab' },
      container: { name: 'app' },
    };
    expect(containerMetaFromPath('/var/log/pods/shop_checkout-7d9f-x2_1f2e3d4c-aaaa-bbbb-cccc-0123456789ab/app/0.log')).toEqual({
      kubernetes: k,
    });
    expect(
      containerMetaFromPath('/var/log/pods/shop_checkout-7d9f-x2_1f2e3d4c-aaaa-bbbb-cccc-0123456789ab/app/3.log.20261201-120000'),
    ).toEqual({
      kubernetes: k,
    });
  });

  it("the kubelet's /var/log/containers links carry the container id", () => {
    const id = 'f'.repeat(64);
    expect(containerMetaFromPath(`/var/log/containers/web-1_default_nginx-${id}.log`)).toEqual({
      container: { id },
      kubernetes: { namespace: 'default', pod: { name: 'web-1' }, container: { name: 'nginx' } },
    });
  });

  it('docker json-file logs, current and rotated, and the config beside them', () => {
    const dir = `/var/lib/docker/containers/${ID}`;
    expect(containerMetaFromPath(`${dir}/${ID}-json.log`)).toEqual({ container: { id: ID } });
    expect(containerMetaFromPath(`${dir}/${ID}-json.log.3`)).toEqual({ container: { id: ID } });
    expect(dockerContainerDir(`${dir}/${ID}-json.log.1`)).toBe(dir);
    const cfg = JSON.stringify({ ID, Name: '/web', Config: { Image: 'nginx:1.27' } });
    expect(withDockerConfig({ container: { id: ID } }, cfg)).toEqual({ container: { id: ID, name: 'web', image: { name: 'nginx:1.27' } } });
    expect(withDockerConfig({ container: { id: ID } }, '{oops')).toEqual({ container: { id: ID } });
    expect(dockerConfigMeta('null')).toEqual({});
  });

  it('other paths say nothing', () => {
    expect(containerMetaFromPath('/var/log/app.log')).toEqual({});
    expect(containerMetaFromPath(`/x/${ID}/other-json.log`)).toEqual({});
    expect(dockerContainerDir('/var/log/app.log')).toBeUndefined();
  });
});
