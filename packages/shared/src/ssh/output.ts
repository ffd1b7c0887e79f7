/**
 * Remote output: split into lines (the runner masks secrets line by line), fenced inside a
 * `::stop-commands::` token so no remote text can act as a workflow command, and kept in memory
 * only up to a bound.
 */
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Where log lines go; the default writes to the runner's stdout. Tests pass their own. */
export interface LogSink {
  write(text: string): void;
  /**
   * For a sink that can fall behind: undefined while it has room, else a promise that settles once it
   * has. Remote output is not read meanwhile, so the server waits (SSH flow control) instead of this
   * process queueing a fast command's whole output in memory.
   */
  readonly backlog?: () => Promise<void> | undefined;
}

/**
 * stdout is a pipe to the runner, and Node queues in memory whatever the pipe does not take at once:
 * a build that logs faster than the runner reads would grow the process by its whole log.
 */
export const stdoutSink: LogSink = {
  write: (text) => {
    writingRemote = true;
    try {
      process.stdout.write(text);
    } finally {
      writingRemote = false;
    }
  },
  backlog: () => roomIn(process.stdout),
};

/** True while stdoutSink writes: remote text, or a fence's own markers. */
let writingRemote = false;
let ownCommandsKeptOutside = false;

/**
 * While a fence is open on stdout (a command still running beside the action's own work), a workflow
 * command the action writes itself (a group, an annotation, a mask) steps outside it: the fence ends
 * before it and a new one (a fresh token) begins after it. Its plain lines may stay inside.
 */
function keepOwnCommandsOutside(): void {
  if (ownCommandsKeptOutside) return;
  ownCommandsKeptOutside = true;
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const fence = openFences.get(stdoutSink);
    if (writingRemote || fence === undefined || typeof chunk !== 'string' || !/(^|\n)::/.test(chunk))
      return write(chunk, ...rest);
    const token = randomUUID();
    const text = `::${fence.token}::\n${chunk}${chunk.endsWith('\n') ? '' : '\n'}::stop-commands::${token}\n`;
    fence.token = token;
    return write(text, ...rest);
  }) as typeof process.stdout.write;
}

const waitingForRoom = new WeakMap<Writable, Promise<void>>();

/** One shared wait per stream (every running command may ask), settled by 'drain' or 'close'. */
function roomIn(stream: Writable): Promise<void> | undefined {
  if (!stream.writableNeedDrain) return undefined;
  let waiting = waitingForRoom.get(stream);
  if (waiting === undefined) {
    waiting = new Promise<void>((resolve) => {
      const settle = () => {
        stream.off('drain', settle);
        stream.off('close', settle);
        waitingForRoom.delete(stream);
        resolve();
      };
      stream.on('drain', settle);
      stream.on('close', settle);
    });
    waitingForRoom.set(stream, waiting);
  }
  return waiting;
}

/** Longest line kept whole; a longer one is logged in pieces of this size. */
const MAX_LINE = 16 * 1024;

/**
 * Splits a byte stream (UTF-8, chunks cut anywhere) into lines and hands them over a chunk at a time:
 * `onLines` gets the lines a chunk completed as one text, each ending in `\n` with one `\r` before it
 * removed. A line still open past MAX_LINE is handed over in pieces of that size. A build log has
 * millions of lines: text in blocks costs a fraction of a string per line.
 */
export class LineChunker {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  constructor(private readonly onLines: (text: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.carry + this.decoder.write(chunk);
    const last = text.lastIndexOf('\n');
    let pieces = '';
    if (last >= 0) {
      this.carry = text.slice(last + 1);
      const complete = text.slice(0, last + 1);
      pieces = complete.includes('\r') ? complete.replaceAll('\r\n', '\n') : complete;
    } else {
      this.carry = text;
    }
    while (this.carry.length > MAX_LINE) {
      pieces += `${this.carry.slice(0, MAX_LINE)}\n`;
      this.carry = this.carry.slice(MAX_LINE);
    }
    if (pieces !== '') this.onLines(pieces);
  }

  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest !== '') this.onLines(`${rest.endsWith('\r') ? rest.slice(0, -1) : rest}\n`);
  }
}

/** Calls `onLine` for each line of `text` (lines each ending in `\n`, as LineChunker hands them over). */
export function eachLine(text: string, onLine: (line: string) => void): void {
  for (let start = 0; start < text.length;) {
    const end = text.indexOf('\n', start);
    if (end < 0) return onLine(text.slice(start));
    onLine(text.slice(start, end));
    start = end + 1;
  }
}

/** LineChunker, one line at a time. */
export class LineSplitter {
  private readonly chunker: LineChunker;
  constructor(onLine: (line: string) => void) {
    this.chunker = new LineChunker((text) => eachLine(text, onLine));
  }

  push(chunk: Buffer): void {
    this.chunker.push(chunk);
  }

  end(): void {
    this.chunker.end();
  }
}

/** The fence open on a sink: one for every command writing there at once. */
const openFences = new WeakMap<LogSink, { token: string; holders: number }>();

/**
 * Writes remote lines between `::stop-commands::TOKEN` and `::TOKEN::`. The fence opens lazily at the
 * first line and must be closed before the action issues a workflow command of its own. Commands that
 * run at once on one sink (a build beside a migration check) share one fence, closed when the last of
 * them closes: fences of their own would nest, and the runner, which reads no nesting, would end the
 * outer one at the first end token and read the rest of the inner command's output as commands. On
 * stdout, the action's own workflow commands step outside a fence still open (keepOwnCommandsOutside).
 */
export class CommandFence {
  private holding = false;
  constructor(private readonly sink: LogSink) {}

  line(text: string): void {
    this.open();
    this.sink.write(`${text}\n`);
  }

  /** Lines (each ending in `\n`) in one write: a chunk of remote output costs one write, not one per line. */
  lines(text: string): void {
    if (text === '') return;
    this.open();
    this.sink.write(text);
  }

  private open(): void {
    if (this.holding) return;
    this.holding = true;
    const fence = openFences.get(this.sink);
    if (fence !== undefined) {
      fence.holders += 1;
      return;
    }
    if (this.sink === stdoutSink) keepOwnCommandsOutside();
    const token = randomUUID();
    openFences.set(this.sink, { token, holders: 1 });
    this.sink.write(`::stop-commands::${token}\n`);
  }

  close(): void {
    if (!this.holding) return;
    this.holding = false;
    const fence = openFences.get(this.sink);
    if (fence === undefined) return;
    fence.holders -= 1;
    if (fence.holders > 0) return;
    openFences.delete(this.sink);
    this.sink.write(`::${fence.token}::\n`);
  }
}

/**
 * Remote text made inert for printing outside a fence (error messages, health answers, log tails):
 * the runner reads `::name::` at the start of a (trimmed) line and the legacy `##[name]` anywhere in
 * it. A zero-width space after the first character breaks both; the text still reads the same.
 */
export function inert(text: string): string {
  // The runner trims every kind of Unicode whitespace before it looks for `::`.
  return text.replace(/^([\s\u0085]*):/gm, '$1:\u200b').replaceAll('##[', '#\u200b#[');
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
export class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.kept >= this.limit) return;
    const part = chunk.subarray(0, this.limit - this.kept);
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The last `limit` lines seen, for error messages (made inert when read: a build pushes millions). */
export class TailLines {
  private readonly lines: string[] = [];
  constructor(private readonly limit: number) {}

  push(line: string): void {
    this.lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.lines.length > this.limit) this.lines.shift();
  }

  /** As push for each line of `text` (lines each ending in `\n`), splitting only the last `limit`. */
  pushLines(text: string): void {
    // From the last line's `\n` back to the one before the last `limit` lines (-1: all of them).
    let from = text.length - 1;
    for (let n = 0; n < this.limit && from >= 0; n++)
      from = from === 0 ? -1 : text.lastIndexOf('\n', from - 1);
    eachLine(text.slice(from + 1), (line) => this.push(line));
  }

  get(): string[] {
    return this.lines.map(inert);
  }
}
