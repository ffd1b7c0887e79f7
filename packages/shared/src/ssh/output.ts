/**
 * Remote output: split into lines (the runner masks secrets line by line), fenced inside a
 * `::stop-commands::` token so no remote text can act as a workflow command, and kept in memory
 * only up to a bound.
 */
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

/** Where log lines go; the default writes to the runner's stdout. Tests pass their own. */
export interface LogSink {
  write(text: string): void;
}

export const stdoutSink: LogSink = { write: (text) => void process.stdout.write(text) };

/** Longest line kept whole; a longer one is logged in pieces of this size. */
const MAX_LINE = 16 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.carry + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
    while (this.carry.length > MAX_LINE) {
      this.onLine(this.carry.slice(0, MAX_LINE));
      this.carry = this.carry.slice(MAX_LINE);
    }
  }

  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest !== '') this.onLine(rest.replace(/\r$/, ''));
  }
}

/**
 * Writes remote lines between `::stop-commands::TOKEN` and `::TOKEN::`. The fence opens lazily at the
 * first line and must be closed before the action issues a workflow command of its own.
 */
export class CommandFence {
  private token: string | undefined;
  constructor(private readonly sink: LogSink) {}

  line(text: string): void {
    if (this.token === undefined) {
      this.token = randomUUID();
      this.sink.write(`::stop-commands::${this.token}\n`);
    }
    this.sink.write(`${text}\n`);
  }

  close(): void {
    if (this.token === undefined) return;
    this.sink.write(`::${this.token}::\n`);
    this.token = undefined;
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

/** The last `limit` lines seen, for error messages. */
export class TailLines {
  private readonly lines: string[] = [];
  constructor(private readonly limit: number) {}

  push(line: string): void {
    this.lines.push(inert(line.length > 500 ? `${line.slice(0, 500)}…` : line));
    if (this.lines.length > this.limit) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}
