import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import fc from 'fast-check';
import {
  BoundedBuffer,
  CommandFence,
  LineChunker,
  LineSplitter,
  TailLines,
  eachLine,
  inert,
  stdoutSink,
} from '../../packages/shared/src/ssh/output';
import { judgeServices, parseInspect } from '../../packages/shared/src/compose/compose';
import { describeOutcome } from '../../packages/shared/src/ssh/session';
import { escapeHtml, table, bounded } from '../../packages/shared/src/summary/markdown';
import { judgeHealthAnswer } from '../../packages/shared/src/health/checks';

describe('remote output', () => {
  it('joins a line (and a secret in it) split across chunks, and a UTF-8 character split across chunks', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const euro = Buffer.from('€');
    splitter.push(Buffer.from('token=s3cr'));
    splitter.push(Buffer.from('et-value\r\nprice '));
    splitter.push(euro.subarray(0, 1));
    splitter.push(Buffer.concat([euro.subarray(1), Buffer.from('\nlast')]));
    splitter.end();
    expect(lines).toEqual(['token=s3cret-value', 'price €', 'last']);
  });

  // The line splitting as it was, one string per line: the blocks must give exactly these lines.
  function referenceLines(chunks: readonly Buffer[]): string[] {
    const decoder = new StringDecoder('utf8');
    const lines: string[] = [];
    let carry = '';
    for (const chunk of chunks) {
      const parts = (carry + decoder.write(chunk)).split('\n');
      carry = parts.pop() ?? '';
      for (const line of parts) lines.push(line.replace(/\r$/, ''));
      while (carry.length > 16 * 1024) {
        lines.push(carry.slice(0, 16 * 1024));
        carry = carry.slice(16 * 1024);
      }
    }
    const rest = carry + decoder.end();
    if (rest !== '') lines.push(rest.replace(/\r$/, ''));
    return lines;
  }

  it('hands over the same lines in blocks as one by one, however the stream is cut', () => {
    const piece = fc.constantFrom('a', 'b', '\r', '\n', '\r\n', '€', '::error::', 'x'.repeat(7000));
    const stream = fc.array(piece, { maxLength: 60 }).map((pieces) => Buffer.from(pieces.join('')));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
        const blocks: string[] = [];
        const chunker = new LineChunker((text) => blocks.push(text));
        chunks.forEach((chunk) => chunker.push(chunk));
        chunker.end();
        const lines: string[] = [];
        blocks.forEach((text) => {
          expect(text.endsWith('\n')).toBe(true);
          eachLine(text, (line) => lines.push(line));
        });
        expect(lines).toEqual(referenceLines(chunks));
        const tail = new TailLines(3);
        blocks.forEach((text) => tail.pushLines(text));
        expect(tail.get()).toEqual(
          referenceLines(chunks)
            .slice(-3)
            .map((line) => inert(line.length > 500 ? `${line.slice(0, 500)}…` : line)),
        );
      }),
    );
  });

  it('keeps the last lines of blocks, empty lines too, made inert when read', () => {
    const tail = new TailLines(2);
    tail.pushLines('\n\n');
    expect(tail.get()).toEqual(['', '']);
    tail.pushLines('a\n::error::b\nc\n');
    expect(tail.get()).toEqual([':\u200b:error::b', 'c']);
    tail.pushLines('');
    expect(tail.get()).toHaveLength(2);
  });

  it('writes a block of lines in one write, inside the fence', () => {
    const written: string[] = [];
    const fence = new CommandFence({ write: (text) => void written.push(text) });
    fence.lines('');
    expect(written).toEqual([]);
    fence.lines('a\nb\n');
    fence.close();
    expect(written).toHaveLength(3);
    expect(written[1]).toBe('a\nb\n');
  });

  it('says when stdout is backed up, and settles once it drains', async () => {
    expect(stdoutSink.backlog).toBeDefined();
    let release: () => void = () => undefined;
    const slow = new Writable({
      highWaterMark: 4,
      write: (_chunk, _encoding, done) => void (release = done),
    });
    const stdout = Object.getOwnPropertyDescriptor(process, 'stdout');
    Object.defineProperty(process, 'stdout', { value: slow, configurable: true });
    try {
      expect(stdoutSink.backlog?.()).toBeUndefined();
      stdoutSink.write('more than four bytes');
      const first = stdoutSink.backlog?.();
      expect(first).toBeInstanceOf(Promise);
      expect(stdoutSink.backlog?.()).toBe(first);
      release();
      await first;
      expect(stdoutSink.backlog?.()).toBeUndefined();
    } finally {
      if (stdout) Object.defineProperty(process, 'stdout', stdout);
    }
  });

  it('fences lines with a fresh token and reopens after close', () => {
    const written: string[] = [];
    const fence = new CommandFence({ write: (text) => void written.push(text) });
    fence.close();
    expect(written).toEqual([]);
    fence.line('::error::x');
    fence.close();
    fence.line('again');
    fence.close();
    const tokens = written
      .filter((line) => line.startsWith('::stop-commands::'))
      .map((line) => line.trim().split('::')[2]);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(written[2]).toBe(`::${tokens[0]}::\n`);
  });

  it('shares one fence among commands writing at once, so none of their lines falls outside it', () => {
    const written: string[] = [];
    const sink = { write: (text: string) => void written.push(text) };
    const build = new CommandFence(sink);
    const check = new CommandFence(sink);
    build.line('Step 1/3');
    check.line('database revision: 0001');
    // The build ends first; the check's output goes on, and must still be inside a fence.
    build.close();
    check.line('::add-mask::from the server');
    check.close();
    const token = written[0].trim().split('::')[2];
    expect(written).toEqual([
      `::stop-commands::${token}\n`,
      'Step 1/3\n',
      'database revision: 0001\n',
      '::add-mask::from the server\n',
      `::${token}::\n`,
    ]);
    // Another sink has a fence of its own.
    const other: string[] = [];
    const apart = new CommandFence({ write: (text) => void other.push(text) });
    const again = new CommandFence(sink);
    again.line('x');
    apart.line('y');
    again.close();
    apart.close();
    expect(other).toHaveLength(3);
    expect(written.filter((line) => line.startsWith('::stop-commands::'))).toHaveLength(2);
  });

  it('keeps a bounded head and counts the rest; keeps a tail of lines', () => {
    const buffer = new BoundedBuffer(5);
    buffer.push(Buffer.from('abc'));
    buffer.push(Buffer.from('defgh'));
    expect([buffer.text(), buffer.total, buffer.truncated]).toEqual(['abcde', 8, true]);
    const tail = new TailLines(2);
    ['a', 'b', 'c'].forEach((line) => tail.push(line));
    expect(tail.get()).toEqual(['b', 'c']);
  });

  it('describes every outcome apart', () => {
    expect(describeOutcome({ kind: 'exited', code: 2 })).toBe('exited with code 2');
    expect(describeOutcome({ kind: 'signal', signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
    expect(describeOutcome({ kind: 'timeout', seconds: 5 })).toMatch(/timed out after 5s/);
    expect(describeOutcome({ kind: 'unknown', reason: 'connection lost' })).toMatch(
      /^outcome unknown: connection lost/,
    );
  });
});

describe('compose state', () => {
  const line = (id: string, service: string, state: object, oneoff = 'False') =>
    `${id}\t${JSON.stringify({ 'com.docker.compose.service': service, 'com.docker.compose.oneoff': oneoff })}\t${JSON.stringify(state)}\t0\tsha256:${id}\t"repo/${service}:v1"`;

  it('reads inspect JSON, with and without a healthcheck, leaving one-off containers out', () => {
    const text = [
      line('a1', 'gateway', { Status: 'running', Health: { Status: 'healthy' } }),
      line('b2', 'worker', { Status: 'exited' }),
      line('c3', 'gateway', { Status: 'exited' }, 'True'),
    ].join('\n');
    expect(parseInspect(text)).toEqual([
      {
        id: 'a1',
        service: 'gateway',
        status: 'running',
        health: 'healthy',
        restartCount: 0,
        image: 'sha256:a1',
        imageRef: 'repo/gateway:v1',
        startedAt: '',
        exitCode: 0,
      },
      {
        id: 'b2',
        service: 'worker',
        status: 'exited',
        health: 'none',
        restartCount: 0,
        image: 'sha256:b2',
        imageRef: 'repo/worker:v1',
        startedAt: '',
        exitCode: 0,
      },
    ]);
  });

  it('judges services: running, healthy where checked, and missing ones', () => {
    const verdicts = judgeServices({
      services: ['gateway', 'worker', 'nginx', 'langgraph'],
      containers: [
        {
          id: '1',
          service: 'gateway',
          status: 'running',
          health: 'unhealthy',
          restartCount: 0,
          image: '',
          imageRef: '',
          startedAt: '',
          exitCode: 0,
        },
        {
          id: '2',
          service: 'worker',
          status: 'running',
          health: 'none',
          restartCount: 0,
          image: '',
          imageRef: '',
          startedAt: '',
          exitCode: 0,
        },
        {
          id: '3',
          service: 'langgraph',
          status: 'running',
          health: 'starting',
          restartCount: 0,
          image: '',
          imageRef: '',
          startedAt: '',
          exitCode: 0,
        },
      ],
    });
    expect(verdicts).toEqual([
      { service: 'gateway', ok: false, state: 'running, unhealthy' },
      { service: 'worker', ok: true, state: 'running' },
      { service: 'nginx', ok: false, state: 'no container' },
      { service: 'langgraph', ok: false, state: 'running, starting' },
    ]);
  });
});

describe('health answers', () => {
  it.each([
    [{ status: 200, body: '{"status":"healthy"}' }, true, 'HTTP 200, status "healthy"'],
    [{ status: 503, body: '{"status":"healthy"}' }, false, 'HTTP 503, status "healthy"'],
    [{ status: 200, body: '<html>' }, false, 'HTTP 200, body is not JSON'],
    [{ status: 0, body: '', error: 'Connection refused' }, false, 'no answer (Connection refused)'],
  ])('judges %j', (answer, ok, value) => {
    expect(judgeHealthAnswer(answer, 'healthy')).toEqual({ ok, value });
  });
});

describe('summary text', () => {
  it('escapes HTML and Markdown link syntax from refs and server text', () => {
    expect(escapeHtml('<img src=x>[click](https://evil)')).toBe(
      '&lt;img src=x&gt;&#91;click&#93;(https://evil)',
    );
    expect(table(['a'], [['x|y\nz']])).toBe('| a |\n| --- |\n| x&#124;y<br>z |');
  });
  it('cuts a summary over the limit and says so', () => {
    expect(bounded('x'.repeat(20), 10)).toMatch(/^x{10}\n\n…\(cut/);
  });
});
