/**
 * The one SSH session type: a pinned, authenticated ssh2 connection to one host, reused for every
 * command of the run. Retries only what failed before authentication; never a failed login, never
 * a command.
 */
import { randomUUID } from 'node:crypto';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { ConnectionSettings, Endpoint } from '../inputs/connection';
import { CancelledError } from '../errors';
import { fingerprintOf, hasPins, hostKeyAlgorithms, verifyHostKey } from './known-hosts';
import {
  BoundedBuffer,
  CommandFence,
  LineChunker,
  TailLines,
  eachLine,
  inert,
  stdoutSink,
  type LogSink,
} from './output';
import { sleep } from '../sleep';
import { hostLabel, outsideHostLog } from './host-log';
import { withRunToken } from '../shell';

export type ExecOutcome =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'timeout'; readonly seconds: number }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'unknown'; readonly reason: string };

export interface ExecResult {
  readonly outcome: ExecOutcome;
  /** The first `maxBytes` of stdout (see stdoutTruncated). */
  readonly stdout: string;
  readonly stdoutTruncated: boolean;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  /** The last lines of stderr, for error messages. */
  readonly stderrTail: readonly string[];
  readonly durationMs: number;
}

export interface ExecOptions {
  /** Defaults to the `command-timeout` input. */
  readonly timeoutSeconds?: number;
  /** Which streams go to the log: both (default), only stderr, or none (probes whose body is parsed). */
  readonly echo?: 'all' | 'stderr' | 'none';
  /** Written to the command's stdin, which is then closed. */
  readonly stdin?: string;
  /** Bound on the stdout kept in memory; the rest is counted and dropped. */
  readonly maxBytes?: number;
  /** Leave stdin open until `endInput()` (a command that lives as long as the run, like the lock). */
  readonly keepStdinOpen?: boolean;
  /** Called with each stdout line as it arrives. */
  readonly onStdoutLine?: (line: string) => void;
  /** Called with each stderr line as it arrives. */
  readonly onStderrLine?: (line: string) => void;
  /**
   * Part of winding a cancelled run down (recording `cancelled`, holding the lock until then): not
   * stopped by a cancel, and allowed to start after one.
   */
  readonly keepOnCancel?: boolean;
}

/** A command started on the server: its result to come, and its stdin to write to and close. */
export interface StartedCommand {
  readonly done: Promise<ExecResult>;
  /** Writes to stdin (keepStdinOpen commands), if the channel is still open for it. */
  write(data: string): void;
  endInput(): void;
}

export function describeOutcome(outcome: ExecOutcome): string {
  switch (outcome.kind) {
    case 'exited':
      return `exited with code ${outcome.code}`;
    case 'signal':
      return `was killed by ${outcome.signal}`;
    case 'timeout':
      return `timed out after ${outcome.seconds}s (sent TERM, then closed the channel)`;
    case 'cancelled':
      return 'was stopped because the run was cancelled';
    case 'unknown':
      return `outcome unknown: ${outcome.reason}; it may have finished or may still be running`;
  }
}

export class RemoteCommandError extends Error {
  constructor(
    readonly host: string,
    readonly what: string,
    readonly result: ExecResult,
  ) {
    const tail =
      result.stderrTail.length > 0 ? `\n  stderr: ${result.stderrTail.slice(-5).join('\n  stderr: ')}` : '';
    super(`${what} on ${host} ${describeOutcome(result.outcome)}${tail}`);
    this.name = 'RemoteCommandError';
  }
}

/** A failure to connect; `retryable` only when nothing was authenticated yet and no pin was broken. */
export class ConnectError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

export interface SessionHooks {
  /** Where remote output and connection notes go. */
  readonly sink?: LogSink;
  /** Aborted when the run is cancelled. */
  readonly signal?: AbortSignal;
  /** Seconds between TERM and closing the channel on a timeout or cancel. */
  readonly killGraceSeconds?: number;
  /** Called for notes such as retries and warnings. */
  readonly warn?: (message: string) => void;
}

const KEEPALIVE_MS = 10_000;
const KEEPALIVE_COUNT = 3;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 15_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

interface ActiveCommand {
  readonly stream: ClientChannel;
  readonly keepOnCancel: boolean;
  readonly finished: Promise<void>;
  stop(kind: 'timeout' | 'cancelled'): void;
}

/**
 * The label (`<RUN_LABEL>=<runToken>`) on one-off containers a run starts: what the run leaves in
 * Docker when its client is stopped, found and removed by it (or by the deploy lock).
 */
export const RUN_LABEL = 'tt.run';

/** What the deploy code needs of a session: the real one, or a scripted fake in unit tests. */
export type RemoteSession = Pick<SshSession, 'label' | 'lost' | 'exec' | 'start' | 'run' | 'runToken'>;

export class SshSession {
  private readonly active = new Set<ActiveCommand>();
  /**
   * Carried in the environment of every command of this run (TT_RUN=...), so the server can find
   * what the run left running after its connection ended (see the deploy lock).
   */
  readonly runToken: string = randomUUID();
  private lostReason: string | undefined;

  private constructor(
    readonly endpoint: Endpoint,
    private readonly client: Client,
    private readonly bastion: Bastion | undefined,
    private readonly settings: ConnectionSettings,
    private readonly hooks: SessionHooks,
  ) {
    const onLost = (reason: string) => {
      this.lostReason ??= reason;
    };
    client.on('error', (error: Error) => onLost(`connection error: ${error.message}`));
    client.on('close', () => onLost('connection lost'));
    hooks.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** A fleet opens a session per host: each lets go of the run's signal when it closes. */
  private readonly onAbort = () => void this.cancel();

  /** Connects with retries and backoff (full jitter) for failures before authentication only. */
  static async open(
    settings: ConnectionSettings,
    endpoint: Endpoint,
    hooks: SessionHooks = {},
    bastion?: Bastion,
  ): Promise<SshSession> {
    const warn = hooks.warn ?? (() => undefined);
    // Each hop is checked against its own pins only (the inputs refuse an unpinned one already; this
    // keeps settings built any other way from connecting to an unpinned host without the warning).
    const hops: [string, Endpoint][] = [[endpoint.label, endpoint]];
    if (settings.jumpHost !== undefined)
      hops.unshift([`jump host ${settings.jumpHost.label}`, settings.jumpHost]);
    for (const [name, hop] of hops) {
      if (hasPins(hop.pins)) continue;
      if (!settings.insecureIgnoreHostKey) {
        throw new ConnectError(
          `no pinned host key for ${name} and insecure-ignore-host-key is false: not connecting`,
          false,
        );
      }
      warn(
        `insecure-ignore-host-key is true: the host key of ${name} is NOT verified; anyone able to ` +
          'intercept the connection can impersonate it and read what is sent. Pin it with known-hosts ' +
          'or host-fingerprint (host=SHA256:...).',
      );
    }
    // A fleet shares one connection to the jump host; a single session opens its own.
    const ownBastion = bastion === undefined && settings.jumpHost !== undefined;
    const jump = ownBastion ? new Bastion(settings, hooks) : bastion;
    for (let attempt = 0; ; attempt++) {
      try {
        const sock = jump === undefined ? undefined : await jump.forward(endpoint);
        const client = await connectOnce(settings, endpoint, endpoint.username, sock, hooks);
        return new SshSession(endpoint, client, ownBastion ? jump : undefined, settings, hooks);
      } catch (error) {
        if (!(error instanceof ConnectError) || !error.retryable || attempt >= settings.connectRetries) {
          if (ownBastion) jump?.close();
          if (error instanceof ConnectError && error.retryable) {
            throw new ConnectError(`${error.message} (gave up after ${attempt + 1} attempts)`, false);
          }
          throw error;
        }
        const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
        warn(
          `${error.message}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 2} of ${settings.connectRetries + 1})`,
        );
        await sleep(delay, hooks.signal);
      }
    }
  }

  get label(): string {
    return this.endpoint.label;
  }

  /** Why the connection is gone, once it is; undefined while it lives. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  /**
   * Runs one command text (already quoted by shell.ts) on the server. Never rejects for the remote
   * outcome: the result says whether it exited, was killed, timed out or was lost.
   */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.start(command, options).done;
  }

  /** As exec, but hands back control of stdin (see ExecOptions.keepStdinOpen). */
  start(command: string, options: ExecOptions = {}): StartedCommand {
    let input: ClientChannel | undefined;
    let inputEnded = false;
    let pending = '';
    const endInput = () => {
      inputEnded = true;
      input?.end();
    };
    const write = (data: string) => {
      if (inputEnded) return;
      if (input === undefined) pending += data;
      else input.write(data);
    };
    return {
      done: this.execute(command, options, (stream) => {
        input = stream;
        if (pending !== '') stream.write(pending);
        if (inputEnded) stream.end();
      }),
      write,
      endInput,
    };
  }

  private execute(
    command: string,
    options: ExecOptions,
    onStream: (stream: ClientChannel) => void,
  ): Promise<ExecResult> {
    const started = Date.now();
    const timeoutSeconds = options.timeoutSeconds ?? this.settings.commandTimeoutSeconds;
    const echo = options.echo ?? 'all';
    const sink = this.hooks.sink ?? stdoutSink;
    // A fleet's hosts log side by side: their lines carry the host's label, made inert line by line,
    // since fences of hosts running at once would interleave (one host's end would reopen commands
    // in the middle of another's output).
    const label = hostLabel();
    const prefix = label === undefined ? '' : `${label} | `;
    const fence = new CommandFence(sink);
    const stdout = new BoundedBuffer(options.maxBytes ?? DEFAULT_MAX_BYTES);
    const stderr = new BoundedBuffer(0);
    const stderrTail = new TailLines(20);
    const finish = (outcome: ExecOutcome): ExecResult => {
      fence.close();
      return {
        outcome,
        stdout: stdout.text(),
        stdoutTruncated: stdout.truncated,
        stdoutBytes: stdout.total,
        stderrBytes: stderr.total,
        stderrTail: stderrTail.get(),
        durationMs: Date.now() - started,
      };
    };
    if (this.hooks.signal?.aborted && !options.keepOnCancel)
      return Promise.resolve(finish({ kind: 'cancelled' }));
    if (this.lostReason !== undefined)
      return Promise.resolve(finish({ kind: 'unknown', reason: this.lostReason }));

    return new Promise((resolve) => {
      this.client.exec(withRunToken(command, this.runToken), (error, stream) => {
        if (error) {
          resolve(finish({ kind: 'unknown', reason: `the server refused a new channel: ${error.message}` }));
          return;
        }
        let stoppedAs: 'timeout' | 'cancelled' | undefined;
        let forceTimer: NodeJS.Timeout | undefined;
        let markFinished: () => void = () => undefined;
        const graceMs = (this.hooks.killGraceSeconds ?? 5) * 1000;
        const command: ActiveCommand = {
          stream,
          keepOnCancel: options.keepOnCancel ?? false,
          finished: new Promise((resolve) => (markFinished = resolve)),
          stop: (kind) => {
            if (stoppedAs !== undefined) return;
            stoppedAs = kind;
            sendSignal(stream, 'TERM');
            forceTimer = setTimeout(() => {
              stream.close();
              // A server that never answers the close: give up waiting on it.
              forceTimer = setTimeout(() => done(undefined, undefined), graceMs);
            }, graceMs);
          },
        };
        this.active.add(command);
        const timeoutTimer = setTimeout(() => command.stop('timeout'), timeoutSeconds * 1000);

        // A chunk of remote output is echoed in one write (a build logs millions of lines). Per line
        // only where a line callback or a host prefix asks for it; a callback may log, so what was
        // echoed before its line is written first.
        let echoed = '';
        const writeEchoed = () => {
          if (echoed === '') return;
          const text = echoed;
          if (prefix === '') fence.lines(text);
          else outsideHostLog(() => sink.write(text));
          echoed = '';
        };
        const asLine = (line: string) => (prefix === '' ? `${line}\n` : `${prefix}${inert(line)}\n`);
        const echoLines = (text: string) => {
          if (prefix === '') echoed += text;
          else eachLine(text, (line) => (echoed += asLine(line)));
        };
        const outLines = new LineChunker((text) => {
          const onLine = options.onStdoutLine;
          if (onLine === undefined) {
            if (echo === 'all') echoLines(text);
            return;
          }
          eachLine(text, (line) => {
            writeEchoed();
            onLine(line);
            if (echo === 'all') echoed += asLine(line);
          });
        });
        const errLines = new LineChunker((text) => {
          const onLine = options.onStderrLine;
          if (onLine === undefined) {
            stderrTail.pushLines(text);
            if (echo !== 'none') echoLines(text);
            return;
          }
          eachLine(text, (line) => {
            writeEchoed();
            onLine(line);
            stderrTail.push(line);
            if (echo !== 'none') echoed += asLine(line);
          });
        });
        // While the log sink is behind, neither stream is read: ssh2 then stops widening the channel's
        // window and the server waits, so memory holds at most a window (2 MB) of this command's output.
        let waitingForSink = false;
        const keepPaceWithSink = () => {
          writeEchoed();
          if (echo === 'none' || waitingForSink) return;
          const room = sink.backlog?.();
          if (room === undefined) return;
          waitingForSink = true;
          stream.pause();
          stream.stderr.pause();
          void room.then(() => {
            waitingForSink = false;
            stream.resume();
            stream.stderr.resume();
          });
        };
        // Both streams must be read, or 'close' never fires (mscdex/ssh2#980).
        // stdout is only split into lines for the log or a callback (a parsed probe reads result.stdout).
        const stdoutAsLines = echo === 'all' || options.onStdoutLine !== undefined;
        // Once the command is settled (a forced close after a timeout or cancel), output that still
        // arrives is dropped: echoing it would reopen a fence that nothing closes.
        let settled = false;
        stream.on('data', (chunk: Buffer) => {
          if (settled) return;
          stdout.push(chunk);
          if (stdoutAsLines) outLines.push(chunk);
          keepPaceWithSink();
        });
        stream.stderr.on('data', (chunk: Buffer) => {
          if (settled) return;
          stderr.push(chunk);
          errLines.push(chunk);
          keepPaceWithSink();
        });

        const done = (code: number | null | undefined, signal: string | undefined) => {
          if (settled) return;
          settled = true;
          clearTimeout(timeoutTimer);
          clearTimeout(forceTimer);
          this.active.delete(command);
          markFinished();
          outLines.end();
          errLines.end();
          writeEchoed();
          if (stoppedAs === 'timeout') resolve(finish({ kind: 'timeout', seconds: timeoutSeconds }));
          else if (stoppedAs === 'cancelled') resolve(finish({ kind: 'cancelled' }));
          else if (typeof code === 'number') resolve(finish({ kind: 'exited', code }));
          else if (signal) resolve(finish({ kind: 'signal', signal }));
          else
            resolve(
              finish({
                kind: 'unknown',
                reason: this.lostReason ?? 'the channel closed without an exit status',
              }),
            );
        };
        // Decide on 'close', not 'exit': output may still arrive after 'exit' (mscdex/ssh2#60).
        stream.on('close', (code: number | null | undefined, signal?: string) => done(code, signal));
        stream.on('error', () => undefined);
        if (options.keepStdinOpen) onStream(stream);
        else stream.end(options.stdin);
      });
    });
  }

  /** Runs a command and returns its stdout; anything but exit code 0 throws RemoteCommandError. */
  async run(command: string, what: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (result.outcome.kind === 'cancelled')
      throw new CancelledError(String(this.hooks.signal?.reason ?? 'signal'));
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) {
      throw new RemoteCommandError(this.label, what, result);
    }
    return result.stdout;
  }

  /**
   * Stops every running command (TERM to its process group, then close) but those that wind the
   * run down; resolves once they are gone.
   */
  async cancel(): Promise<void> {
    const stopping = [...this.active].filter((command) => !command.keepOnCancel);
    for (const command of stopping) command.stop('cancelled');
    await Promise.all(stopping.map((command) => command.finished));
  }

  /** Ends the connection; running commands are stopped first. */
  /**
   * Resolves once the connection's socket is closed (after close(), or when it is lost), or after
   * `timeoutMs`: a fleet's next batch then opens its connections once this one's are gone.
   */
  ended(timeoutMs: number): Promise<void> {
    if (this.lostReason !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.hooks.signal?.removeEventListener('abort', this.onAbort);
    for (const command of this.active) command.stop('cancelled');
    this.client.end();
    this.bastion?.close();
  }
}

/**
 * The connection to the jump host: one for the whole run, however many hosts are reached through
 * it (one forwarded channel each). Opened at first use and again if it was lost; a failure to reach
 * it is retried by the session that asked, as any failure before authentication.
 */
export class Bastion {
  private client: Promise<Client> | undefined;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly hooks: SessionHooks = {},
  ) {}

  async forward(target: Endpoint): Promise<Duplex> {
    const jump = this.settings.jumpHost;
    if (jump === undefined) throw new Error('no jump-host to forward through');
    if (this.client === undefined) {
      // Opened outside the host's log context that asked first: the forwarded connections of every
      // host ride on its socket, whose callbacks would otherwise all log under that host's label.
      const opening = outsideHostLog(() =>
        connectOnce(this.settings, jump, jump.username, undefined, this.hooks),
      );
      this.client = opening;
      opening.then(
        (client) => client.once('close', () => this.client === opening && (this.client = undefined)),
        () => this.client === opening && (this.client = undefined),
      );
    }
    return forward(await this.client, jump, target);
  }

  close(): void {
    const client = this.client;
    this.client = undefined;
    void client?.then(
      (open) => open.end(),
      () => undefined,
    );
  }
}

/**
 * Sends a signal request on a session channel. ssh2's Channel.signal() sends nothing once stdin was
 * ended (it needs the channel writable), and every command here ends stdin so nothing waits on it;
 * the protocol call is the same request without that check (ssh2 is pinned to 1.17.0 for it).
 */
function sendSignal(stream: ClientChannel, name: string): void {
  const channel = stream as unknown as {
    outgoing: { id: number; state: string };
    _client: { _protocol: { signal(id: number, signal: string): void } };
  };
  if (channel.outgoing.state !== 'open' && channel.outgoing.state !== 'eof') return;
  try {
    channel._client._protocol.signal(channel.outgoing.id, name);
  } catch {
    // The connection is going away; closing the channel covers it.
  }
}

function connectOnce(
  settings: ConnectionSettings,
  endpoint: Endpoint,
  username: string,
  sock: Duplex | undefined,
  hooks: SessionHooks,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyProblem: string | undefined;
    const verify = (key: Buffer): boolean => {
      const verdict = verifyHostKey(endpoint.pins, key);
      if (verdict === 'accepted') return true;
      // insecure-ignore-host-key covers hosts without any pin; a pin that is given is always enforced.
      if (settings.insecureIgnoreHostKey && !hasPins(endpoint.pins) && verdict !== 'revoked') return true;
      const name = endpoint === settings.jumpHost ? `jump host ${endpoint.label}` : endpoint.label;
      hostKeyProblem =
        verdict === 'revoked'
          ? `the host key of ${name} (${fingerprintOf(key)}) is marked @revoked in known-hosts`
          : `the host key of ${name} (${fingerprintOf(key)}) matches no pinned key: nothing was sent; ` +
            'if the server was rebuilt, take its new key out of band and update known-hosts or host-fingerprint';
      return false;
    };
    const algorithms = hasPins(endpoint.pins) ? hostKeyAlgorithms(endpoint.pins) : undefined;
    const config: ConnectConfig = {
      host: sock === undefined ? endpoint.host : undefined,
      port: sock === undefined ? endpoint.port : undefined,
      sock,
      username,
      readyTimeout: settings.connectTimeoutSeconds * 1000,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: KEEPALIVE_COUNT,
      hostVerifier: verify,
      ...(algorithms !== undefined && algorithms.length > 0
        ? { algorithms: { serverHostKey: algorithms as never } }
        : {}),
      ...(settings.privateKey !== undefined
        ? { privateKey: settings.privateKey, passphrase: settings.passphrase }
        : settings.password !== undefined
          ? { password: settings.password }
          : { agent: settings.agent }),
    };
    const onAbort = () => {
      client.end();
      reject(new CancelledError(String(hooks.signal?.reason ?? 'signal')));
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => hooks.signal?.removeEventListener('abort', onAbort);
    // The 'error' listener goes on before connect(): an unhandled 'error' would kill the process.
    let settled = false;
    // Further errors after the first (ssh2 may emit several while tearing down) are ignored here;
    // the session installs its own listener once connected.
    client.on('error', (error: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      settle();
      client.end();
      if (hostKeyProblem !== undefined) {
        reject(new ConnectError(hostKeyProblem, false));
      } else if (error.level === 'client-authentication') {
        reject(
          new ConnectError(
            `authentication as ${username} on ${endpoint.label} failed (${error.message}); not retried. ` +
              (settings.agent !== undefined
                ? `Check that one of the keys in the SSH agent (${settings.agent}) is in the user's authorized_keys`
                : "Check that the public key is in the user's authorized_keys"),
            false,
          ),
        );
      } else if (settings.agent !== undefined && error.level === 'agent') {
        reject(
          new ConnectError(`the SSH agent at ${settings.agent} could not be used (${error.message})`, false),
        );
      } else {
        reject(new ConnectError(`could not connect to ${endpoint.label}: ${error.message}`, true));
      }
    });
    client.once('ready', () => {
      settled = true;
      settle();
      resolve(client);
    });
    try {
      client.connect(config);
      // Small SSH packets otherwise wait on Nagle plus delayed ACKs: ~85 ms per command instead of ~5.
      client.setNoDelay(true);
    } catch (error) {
      settle();
      reject(new ConnectError(`could not connect to ${endpoint.label}: ${(error as Error).message}`, false));
    }
  });
}

function forward(bastion: Client, jump: Endpoint, target: Endpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    bastion.forwardOut('127.0.0.1', 0, target.host, target.port, (error, stream) => {
      if (error) {
        // RFC 4254 reason codes: 1 administratively prohibited, 2 connect failed.
        const reason = (error as Error & { reason?: number }).reason;
        const why =
          reason === 1
            ? 'it refuses to forward (is AllowTcpForwarding off on the jump host?)'
            : reason === 2
              ? 'the target did not accept the connection'
              : error.message;
        reject(
          new ConnectError(
            `jump host ${jump.label} could not open a connection to ${target.label}: ${why}`,
            reason !== 1,
          ),
        );
        return;
      }
      resolve(stream);
    });
  });
}
