"use strict";
exports.id = 489;
exports.ids = [489];
exports.modules = {

/***/ 7489:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var core = __webpack_require__(7484);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/ssh/known-hosts.ts
var known_hosts = __webpack_require__(3375);
// EXTERNAL MODULE: external "node:string_decoder"
var external_node_string_decoder_ = __webpack_require__(6193);
;// CONCATENATED MODULE: ./packages/shared/src/ssh/output.ts
/**
 * Remote output: split into lines (the runner masks secrets line by line), fenced inside a
 * `::stop-commands::` token so no remote text can act as a workflow command, and kept in memory
 * only up to a bound.
 */


/**
 * stdout is a pipe to the runner, and Node queues in memory whatever the pipe does not take at once:
 * a build that logs faster than the runner reads would grow the process by its whole log.
 */
const stdoutSink = {
    write: (text) => void process.stdout.write(text),
    backlog: () => roomIn(process.stdout),
};
const waitingForRoom = new WeakMap();
/** One shared wait per stream (every running command may ask), settled by 'drain' or 'close'. */
function roomIn(stream) {
    if (!stream.writableNeedDrain)
        return undefined;
    let waiting = waitingForRoom.get(stream);
    if (waiting === undefined) {
        waiting = new Promise((resolve) => {
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
class LineChunker {
    onLines;
    decoder = new external_node_string_decoder_.StringDecoder('utf8');
    carry = '';
    constructor(onLines) {
        this.onLines = onLines;
    }
    push(chunk) {
        const text = this.carry + this.decoder.write(chunk);
        const last = text.lastIndexOf('\n');
        let pieces = '';
        if (last >= 0) {
            this.carry = text.slice(last + 1);
            const complete = text.slice(0, last + 1);
            pieces = complete.includes('\r') ? complete.replaceAll('\r\n', '\n') : complete;
        }
        else {
            this.carry = text;
        }
        while (this.carry.length > MAX_LINE) {
            pieces += `${this.carry.slice(0, MAX_LINE)}\n`;
            this.carry = this.carry.slice(MAX_LINE);
        }
        if (pieces !== '')
            this.onLines(pieces);
    }
    end() {
        const rest = this.carry + this.decoder.end();
        this.carry = '';
        if (rest !== '')
            this.onLines(`${rest.endsWith('\r') ? rest.slice(0, -1) : rest}\n`);
    }
}
/** Calls `onLine` for each line of `text` (lines each ending in `\n`, as LineChunker hands them over). */
function eachLine(text, onLine) {
    for (let start = 0; start < text.length;) {
        const end = text.indexOf('\n', start);
        if (end < 0)
            return onLine(text.slice(start));
        onLine(text.slice(start, end));
        start = end + 1;
    }
}
/** LineChunker, one line at a time. */
class LineSplitter {
    chunker;
    constructor(onLine) {
        this.chunker = new LineChunker((text) => eachLine(text, onLine));
    }
    push(chunk) {
        this.chunker.push(chunk);
    }
    end() {
        this.chunker.end();
    }
}
/**
 * Writes remote lines between `::stop-commands::TOKEN` and `::TOKEN::`. The fence opens lazily at the
 * first line and must be closed before the action issues a workflow command of its own.
 */
class CommandFence {
    sink;
    token;
    constructor(sink) {
        this.sink = sink;
    }
    line(text) {
        this.open();
        this.sink.write(`${text}\n`);
    }
    /** Lines (each ending in `\n`) in one write: a chunk of remote output costs one write, not one per line. */
    lines(text) {
        if (text === '')
            return;
        this.open();
        this.sink.write(text);
    }
    open() {
        if (this.token !== undefined)
            return;
        this.token = (0,external_node_crypto_.randomUUID)();
        this.sink.write(`::stop-commands::${this.token}\n`);
    }
    close() {
        if (this.token === undefined)
            return;
        this.sink.write(`::${this.token}::\n`);
        this.token = undefined;
    }
}
/**
 * Remote text made inert for printing outside a fence (error messages, health answers, log tails):
 * the runner reads `::name::` at the start of a (trimmed) line and the legacy `##[name]` anywhere in
 * it. A zero-width space after the first character breaks both; the text still reads the same.
 */
function inert(text) {
    // The runner trims every kind of Unicode whitespace before it looks for `::`.
    return text.replace(/^([\s\u0085]*):/gm, '$1:\u200b').replaceAll('##[', '#\u200b#[');
}
/** Keeps the first `limit` bytes of a stream and counts the rest. */
class BoundedBuffer {
    limit;
    chunks = [];
    kept = 0;
    total = 0;
    constructor(limit) {
        this.limit = limit;
    }
    push(chunk) {
        this.total += chunk.length;
        if (this.kept >= this.limit)
            return;
        const part = chunk.subarray(0, this.limit - this.kept);
        this.chunks.push(Buffer.from(part));
        this.kept += part.length;
    }
    get truncated() {
        return this.total > this.kept;
    }
    text() {
        return Buffer.concat(this.chunks).toString('utf8');
    }
}
/** The last `limit` lines seen, for error messages (made inert when read: a build pushes millions). */
class TailLines {
    limit;
    lines = [];
    constructor(limit) {
        this.limit = limit;
    }
    push(line) {
        this.lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
        if (this.lines.length > this.limit)
            this.lines.shift();
    }
    /** As push for each line of `text` (lines each ending in `\n`), splitting only the last `limit`. */
    pushLines(text) {
        // From the last line's `\n` back to the one before the last `limit` lines (-1: all of them).
        let from = text.length - 1;
        for (let n = 0; n < this.limit && from >= 0; n++)
            from = from === 0 ? -1 : text.lastIndexOf('\n', from - 1);
        eachLine(text.slice(from + 1), (line) => this.push(line));
    }
    get() {
        return this.lines.map(inert);
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/sleep.ts

/** Waits `ms`, or rejects with CancelledError as soon as the run is cancelled. */
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(new errors/* CancelledError */.cc(String(signal.reason ?? 'signal')));
        const timer = setTimeout(done, ms);
        function done() {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }
        function onAbort() {
            clearTimeout(timer);
            reject(new errors/* CancelledError */.cc(String(signal?.reason ?? 'signal')));
        }
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}

;// CONCATENATED MODULE: ./packages/shared/src/shell.ts
/**
 * The one place that turns argument lists into shell text. Everything sent to a server is built as
 * argument arrays from validated values and rendered here, never pasted into a template string.
 */
/** Quote one argument for a POSIX shell: single quotes, with each `'` written as `'\''`. */
function quote(argument) {
    if (argument.includes('\0')) {
        // A NUL cannot travel in an argv; refusing is better than silently cutting the value.
        throw new Error('a shell argument cannot contain a NUL byte');
    }
    return `'${argument.replaceAll("'", `'\\''`)}'`;
}
/** One command: its argv, rendered with every word quoted. */
function quoteArgv(argv) {
    if (argv.length === 0)
        throw new Error('empty command');
    return argv.map(quote).join(' ');
}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Renders a command as POSIX sh text. The final program is `exec`ed: no intermediate shell stands
 * between it and the signals toSshCommand's wrapper passes on.
 */
function renderScript(command) {
    const parts = [];
    if (command.cwd !== undefined)
        parts.push(`cd ${quote(command.cwd)} &&`);
    for (const [name, value] of Object.entries(command.env ?? {})) {
        if (!ENV_NAME.test(name))
            throw new Error(`invalid environment variable name: ${name}`);
        parts.push(`export ${name}=${quote(value)} &&`);
    }
    parts.push('exec', quoteArgv(command.argv));
    return parts.join(' ');
}
/**
 * Runs the script ($1) in a subshell of its own and, on TERM/INT/HUP, passes the signal to every
 * process of the command's process group (sshd starts each command in a new session), so a timeout
 * or a cancel stops the whole tree (a restore's psql, a build's children), not only the shell that
 * received the signal. stdin is handed through fd 3 because a background job's stdin is /dev/null.
 * The exit status is the script's (a script killed by signal N exits 128+N, as in any shell).
 */
const GROUP_WRAPPER = [
    // $1 is the run's token (see withRunToken), exported so the server can find the run's processes.
    'TT_RUN=$1; export TT_RUN; script=$2; shift 2',
    // $$ is the wrapper: it is let exit with the script's status before the group is killed.
    'reap() { n=0; while [ "$n" -lt 25 ] && { kill -0 "$child" || kill -0 $$; } 2>/dev/null; do sleep 0.2; n=$((n + 1)); done; kill -KILL 0; }',
    'exec 3<&0',
    // TERM to the whole group; KILL to what is left once the script is gone, or after a 5 s grace
    // (a tool that ignores TERM).
    `trap 'trap "" TERM INT HUP; kill -TERM 0 2>/dev/null; reap >/dev/null 2>&1 </dev/null &' TERM INT HUP`,
    '( eval "$script" ) <&3 3<&- &',
    'child=$!',
    'exec 3<&-',
    'while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done',
    // A wait cut short by the trap returns 128+N; the child's own status is still there to collect.
    'wait "$child" 2>/dev/null; r=$?; [ "$r" -eq 127 ] || rc=$r',
    'exit "$rc"',
].join('\n');
/**
 * What is sent over SSH. sshd hands the string to the user's login shell, which may be bash, csh or
 * fish; wrapping the script in `sh -c` (one more quoting layer) makes it POSIX sh everywhere.
 * `args` become `$1...` of a fixed script, so a script constant never needs values pasted in.
 */
function toSshCommand(script, args = []) {
    return [WRAPPED, ...[NO_TOKEN, script, ...args].map(quote)].join(' ');
}
const WRAPPED = ['sh', '-c', GROUP_WRAPPER, 'sh'].map(quote).join(' ');
const NO_TOKEN = '';
/**
 * A command carrying the run's token in TT_RUN: inside the wrapper's own arguments where the command
 * is one of toSshCommand's (no process more), else through `env`, which works in any login shell.
 */
function withRunToken(command, token) {
    const unmarked = `${WRAPPED} ${quote(NO_TOKEN)} `;
    return command.startsWith(unmarked)
        ? `${WRAPPED} ${quote(token)} ${command.slice(unmarked.length)}`
        : `env TT_RUN=${quote(token)} ${command}`;
}
/** Convenience: a RemoteCommand as the text sent over SSH. */
function commandLine(command) {
    return toSshCommand(renderScript(command));
}

;// CONCATENATED MODULE: ./packages/shared/src/ssh/session.ts
/**
 * The one SSH session type: a pinned, authenticated ssh2 connection to one host, reused for every
 * command of the run. Retries only what failed before authentication; never a failed login, never
 * a command.
 */







function describeOutcome(outcome) {
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
class RemoteCommandError extends Error {
    host;
    what;
    result;
    constructor(host, what, result) {
        const tail = result.stderrTail.length > 0 ? `\n  stderr: ${result.stderrTail.slice(-5).join('\n  stderr: ')}` : '';
        super(`${what} on ${host} ${describeOutcome(result.outcome)}${tail}`);
        this.host = host;
        this.what = what;
        this.result = result;
        this.name = 'RemoteCommandError';
    }
}
/** A failure to connect; `retryable` only when nothing was authenticated yet and no pin was broken. */
class ConnectError extends Error {
    retryable;
    constructor(message, retryable) {
        super(message);
        this.retryable = retryable;
        this.name = 'ConnectError';
    }
}
const KEEPALIVE_MS = 10_000;
const KEEPALIVE_COUNT = 3;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 15_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
/**
 * The label (`<RUN_LABEL>=<runToken>`) on one-off containers a run starts: what the run leaves in
 * Docker when its client is stopped, found and removed by it (or by the deploy lock).
 */
const RUN_LABEL = 'tt.run';
class SshSession {
    endpoint;
    client;
    bastion;
    settings;
    hooks;
    active = new Set();
    /**
     * Carried in the environment of every command of this run (TT_RUN=...), so the server can find
     * what the run left running after its connection ended (see the deploy lock).
     */
    runToken = (0,external_node_crypto_.randomUUID)();
    lostReason;
    constructor(endpoint, client, bastion, settings, hooks) {
        this.endpoint = endpoint;
        this.client = client;
        this.bastion = bastion;
        this.settings = settings;
        this.hooks = hooks;
        const onLost = (reason) => {
            this.lostReason ??= reason;
        };
        client.on('error', (error) => onLost(`connection error: ${error.message}`));
        client.on('close', () => onLost('connection lost'));
        hooks.signal?.addEventListener('abort', () => void this.cancel(), { once: true });
    }
    /** Connects with retries and backoff (full jitter) for failures before authentication only. */
    static async open(settings, endpoint, hooks = {}) {
        const warn = hooks.warn ?? (() => undefined);
        // Each hop is checked against its own pins only (the inputs refuse an unpinned one already; this
        // keeps settings built any other way from connecting to an unpinned host without the warning).
        const hops = [[endpoint.label, endpoint]];
        if (settings.jumpHost !== undefined)
            hops.unshift([`jump host ${settings.jumpHost.label}`, settings.jumpHost]);
        for (const [name, hop] of hops) {
            if ((0,known_hosts/* hasPins */.Z9)(hop.pins))
                continue;
            if (!settings.insecureIgnoreHostKey) {
                throw new ConnectError(`no pinned host key for ${name} and insecure-ignore-host-key is false: not connecting`, false);
            }
            warn(`insecure-ignore-host-key is true: the host key of ${name} is NOT verified; anyone able to ` +
                'intercept the connection can impersonate it and read what is sent. Pin it with known-hosts ' +
                'or host-fingerprint (host=SHA256:...).');
        }
        for (let attempt = 0;; attempt++) {
            let bastion;
            try {
                let sock;
                if (settings.jumpHost !== undefined) {
                    bastion = await connectOnce(settings, settings.jumpHost, settings.jumpHost.username, undefined, hooks);
                    sock = await forward(bastion, settings.jumpHost, endpoint);
                }
                const client = await connectOnce(settings, endpoint, settings.username, sock, hooks);
                return new SshSession(endpoint, client, bastion, settings, hooks);
            }
            catch (error) {
                bastion?.end();
                if (!(error instanceof ConnectError) || !error.retryable || attempt >= settings.connectRetries) {
                    if (error instanceof ConnectError && error.retryable) {
                        throw new ConnectError(`${error.message} (gave up after ${attempt + 1} attempts)`, false);
                    }
                    throw error;
                }
                const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
                warn(`${error.message}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 2} of ${settings.connectRetries + 1})`);
                await sleep(delay, hooks.signal);
            }
        }
    }
    get label() {
        return this.endpoint.label;
    }
    /** Why the connection is gone, once it is; undefined while it lives. */
    get lost() {
        return this.lostReason;
    }
    /**
     * Runs one command text (already quoted by shell.ts) on the server. Never rejects for the remote
     * outcome: the result says whether it exited, was killed, timed out or was lost.
     */
    exec(command, options = {}) {
        return this.start(command, options).done;
    }
    /** As exec, but hands back control of stdin (see ExecOptions.keepStdinOpen). */
    start(command, options = {}) {
        let input;
        let inputEnded = false;
        let pending = '';
        const endInput = () => {
            inputEnded = true;
            input?.end();
        };
        const write = (data) => {
            if (inputEnded)
                return;
            if (input === undefined)
                pending += data;
            else
                input.write(data);
        };
        return {
            done: this.execute(command, options, (stream) => {
                input = stream;
                if (pending !== '')
                    stream.write(pending);
                if (inputEnded)
                    stream.end();
            }),
            write,
            endInput,
        };
    }
    execute(command, options, onStream) {
        const started = Date.now();
        const timeoutSeconds = options.timeoutSeconds ?? this.settings.commandTimeoutSeconds;
        const echo = options.echo ?? 'all';
        const sink = this.hooks.sink ?? stdoutSink;
        const fence = new CommandFence(sink);
        const prefix = this.hooks.prefix === undefined ? '' : `${this.hooks.prefix} | `;
        const stdout = new BoundedBuffer(options.maxBytes ?? DEFAULT_MAX_BYTES);
        const stderr = new BoundedBuffer(0);
        const stderrTail = new TailLines(20);
        const finish = (outcome) => {
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
                let stoppedAs;
                let forceTimer;
                let markFinished = () => undefined;
                const graceMs = (this.hooks.killGraceSeconds ?? 5) * 1000;
                const command = {
                    stream,
                    keepOnCancel: options.keepOnCancel ?? false,
                    finished: new Promise((resolve) => (markFinished = resolve)),
                    stop: (kind) => {
                        if (stoppedAs !== undefined)
                            return;
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
                    fence.lines(echoed);
                    echoed = '';
                };
                const echoLines = (text) => {
                    if (prefix === '')
                        echoed += text;
                    else
                        eachLine(text, (line) => (echoed += `${prefix}${line}\n`));
                };
                const outLines = new LineChunker((text) => {
                    const onLine = options.onStdoutLine;
                    if (onLine === undefined) {
                        if (echo === 'all')
                            echoLines(text);
                        return;
                    }
                    eachLine(text, (line) => {
                        writeEchoed();
                        onLine(line);
                        if (echo === 'all')
                            echoed += `${prefix}${line}\n`;
                    });
                });
                const errLines = new LineChunker((text) => {
                    const onLine = options.onStderrLine;
                    if (onLine === undefined) {
                        stderrTail.pushLines(text);
                        if (echo !== 'none')
                            echoLines(text);
                        return;
                    }
                    eachLine(text, (line) => {
                        writeEchoed();
                        onLine(line);
                        stderrTail.push(line);
                        if (echo !== 'none')
                            echoed += `${prefix}${line}\n`;
                    });
                });
                // While the log sink is behind, neither stream is read: ssh2 then stops widening the channel's
                // window and the server waits, so memory holds at most a window (2 MB) of this command's output.
                let waitingForSink = false;
                const keepPaceWithSink = () => {
                    writeEchoed();
                    if (echo === 'none' || waitingForSink)
                        return;
                    const room = sink.backlog?.();
                    if (room === undefined)
                        return;
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
                stream.on('data', (chunk) => {
                    stdout.push(chunk);
                    if (stdoutAsLines)
                        outLines.push(chunk);
                    keepPaceWithSink();
                });
                stream.stderr.on('data', (chunk) => {
                    stderr.push(chunk);
                    errLines.push(chunk);
                    keepPaceWithSink();
                });
                let settled = false;
                const done = (code, signal) => {
                    if (settled)
                        return;
                    settled = true;
                    clearTimeout(timeoutTimer);
                    clearTimeout(forceTimer);
                    this.active.delete(command);
                    markFinished();
                    outLines.end();
                    errLines.end();
                    writeEchoed();
                    if (stoppedAs === 'timeout')
                        resolve(finish({ kind: 'timeout', seconds: timeoutSeconds }));
                    else if (stoppedAs === 'cancelled')
                        resolve(finish({ kind: 'cancelled' }));
                    else if (typeof code === 'number')
                        resolve(finish({ kind: 'exited', code }));
                    else if (signal)
                        resolve(finish({ kind: 'signal', signal }));
                    else
                        resolve(finish({
                            kind: 'unknown',
                            reason: this.lostReason ?? 'the channel closed without an exit status',
                        }));
                };
                // Decide on 'close', not 'exit': output may still arrive after 'exit' (mscdex/ssh2#60).
                stream.on('close', (code, signal) => done(code, signal));
                stream.on('error', () => undefined);
                if (options.keepStdinOpen)
                    onStream(stream);
                else
                    stream.end(options.stdin);
            });
        });
    }
    /** Runs a command and returns its stdout; anything but exit code 0 throws RemoteCommandError. */
    async run(command, what, options = {}) {
        const result = await this.exec(command, options);
        if (result.outcome.kind === 'cancelled')
            throw new errors/* CancelledError */.cc(String(this.hooks.signal?.reason ?? 'signal'));
        if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) {
            throw new RemoteCommandError(this.label, what, result);
        }
        return result.stdout;
    }
    /**
     * Stops every running command (TERM to its process group, then close) but those that wind the
     * run down; resolves once they are gone.
     */
    async cancel() {
        const stopping = [...this.active].filter((command) => !command.keepOnCancel);
        for (const command of stopping)
            command.stop('cancelled');
        await Promise.all(stopping.map((command) => command.finished));
    }
    /** Ends the connection; running commands are stopped first. */
    close() {
        for (const command of this.active)
            command.stop('cancelled');
        this.client.end();
        this.bastion?.end();
    }
}
/**
 * Sends a signal request on a session channel. ssh2's Channel.signal() sends nothing once stdin was
 * ended (it needs the channel writable), and every command here ends stdin so nothing waits on it;
 * the protocol call is the same request without that check (ssh2 is pinned to 1.17.0 for it).
 */
function sendSignal(stream, name) {
    const channel = stream;
    if (channel.outgoing.state !== 'open' && channel.outgoing.state !== 'eof')
        return;
    try {
        channel._client._protocol.signal(channel.outgoing.id, name);
    }
    catch {
        // The connection is going away; closing the channel covers it.
    }
}
function connectOnce(settings, endpoint, username, sock, hooks) {
    return new Promise((resolve, reject) => {
        const client = new lib.Client();
        let hostKeyProblem;
        const verify = (key) => {
            const verdict = (0,known_hosts/* verifyHostKey */.Hj)(endpoint.pins, key);
            if (verdict === 'accepted')
                return true;
            // insecure-ignore-host-key covers hosts without any pin; a pin that is given is always enforced.
            if (settings.insecureIgnoreHostKey && !(0,known_hosts/* hasPins */.Z9)(endpoint.pins) && verdict !== 'revoked')
                return true;
            const name = endpoint === settings.jumpHost ? `jump host ${endpoint.label}` : endpoint.label;
            hostKeyProblem =
                verdict === 'revoked'
                    ? `the host key of ${name} (${(0,known_hosts/* fingerprintOf */.ax)(key)}) is marked @revoked in known-hosts`
                    : `the host key of ${name} (${(0,known_hosts/* fingerprintOf */.ax)(key)}) matches no pinned key: nothing was sent; ` +
                        'if the server was rebuilt, take its new key out of band and update known-hosts or host-fingerprint';
            return false;
        };
        const algorithms = (0,known_hosts/* hasPins */.Z9)(endpoint.pins) ? (0,known_hosts/* hostKeyAlgorithms */.Qb)(endpoint.pins) : undefined;
        const config = {
            host: sock === undefined ? endpoint.host : undefined,
            port: sock === undefined ? endpoint.port : undefined,
            sock,
            username,
            readyTimeout: settings.connectTimeoutSeconds * 1000,
            keepaliveInterval: KEEPALIVE_MS,
            keepaliveCountMax: KEEPALIVE_COUNT,
            hostVerifier: verify,
            ...(algorithms !== undefined && algorithms.length > 0
                ? { algorithms: { serverHostKey: algorithms } }
                : {}),
            ...(settings.privateKey !== undefined
                ? { privateKey: settings.privateKey, passphrase: settings.passphrase }
                : { password: settings.password }),
        };
        const onAbort = () => {
            client.end();
            reject(new errors/* CancelledError */.cc(String(hooks.signal?.reason ?? 'signal')));
        };
        hooks.signal?.addEventListener('abort', onAbort, { once: true });
        const settle = () => hooks.signal?.removeEventListener('abort', onAbort);
        // The 'error' listener goes on before connect(): an unhandled 'error' would kill the process.
        let settled = false;
        // Further errors after the first (ssh2 may emit several while tearing down) are ignored here;
        // the session installs its own listener once connected.
        client.on('error', (error) => {
            if (settled)
                return;
            settled = true;
            settle();
            client.end();
            if (hostKeyProblem !== undefined) {
                reject(new ConnectError(hostKeyProblem, false));
            }
            else if (error.level === 'client-authentication') {
                reject(new ConnectError(`authentication as ${username} on ${endpoint.label} failed (${error.message}); not retried. ` +
                    "Check that the public key is in the user's authorized_keys", false));
            }
            else {
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
        }
        catch (error) {
            settle();
            reject(new ConnectError(`could not connect to ${endpoint.label}: ${error.message}`, false));
        }
    });
}
function forward(bastion, jump, target) {
    return new Promise((resolve, reject) => {
        bastion.forwardOut('127.0.0.1', 0, target.host, target.port, (error, stream) => {
            if (error) {
                // RFC 4254 reason codes: 1 administratively prohibited, 2 connect failed.
                const reason = error.reason;
                const why = reason === 1
                    ? 'it refuses to forward (is AllowTcpForwarding off on the jump host?)'
                    : reason === 2
                        ? 'the target did not accept the connection'
                        : error.message;
                reject(new ConnectError(`jump host ${jump.label} could not open a connection to ${target.label}: ${why}`, reason !== 1));
                return;
            }
            resolve(stream);
        });
    });
}

;// CONCATENATED MODULE: ./packages/shared/src/ssh/fleet.ts
/** One session per host for the whole run, opened once and closed once. */


class Sessions {
    settings;
    hooks;
    open = [];
    constructor(settings, hooks = {}) {
        this.settings = settings;
        this.hooks = hooks;
    }
    /** Connects to every target in order, logging each; the hosts are prefixed in logs when several. */
    async connectAll() {
        const several = this.settings.targets.length > 1;
        for (const endpoint of this.settings.targets) {
            const started = Date.now();
            const session = await SshSession.open(this.settings, endpoint, {
                warn: (message) => core.warning(message),
                ...this.hooks,
                prefix: several ? endpoint.label : undefined,
            });
            this.open.push(session);
            core.info(`connected to ${this.settings.username}@${endpoint.label} in ${Date.now() - started} ms`);
        }
        return [...this.open];
    }
    closeAll() {
        for (const session of this.open.splice(0))
            session.close();
    }
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./packages/shared/src/compose/compose.ts
/**
 * Docker Compose on the server: which command works there (v2 plugin or the v1/v2 standalone
 * binary), and the state of each service's containers, read in a way both versions answer.
 */


const CANDIDATES = [['docker', 'compose'], ['docker-compose']];
async function versionOf(session, words) {
    const result = await session.exec(commandLine({ argv: [...words, 'version', '--short'] }), {
        echo: 'none',
        timeoutSeconds: 60,
    });
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0)
        return undefined;
    const match = /^v?(\d+)\./.exec(result.stdout.trim());
    return match ? Number(match[1]) : undefined;
}
/** `auto`: `docker compose` where it works, else `docker-compose`; or the command given. */
async function detectCompose(session, setting) {
    const candidates = setting === 'auto' ? CANDIDATES : [setting];
    for (const words of candidates) {
        const major = await versionOf(session, words);
        if (major !== undefined)
            return { command: words, major };
    }
    throw new Error(composeMissing(setting, session.label));
}
/** What to say when no compose command answers on a host. */
function composeMissing(setting, label) {
    return setting === 'auto'
        ? `neither "docker compose" nor "docker-compose" works on ${label} for this user ` +
            '(is Docker installed, and is the user in the docker group?)'
        : `the compose command "${setting.join(' ')}" does not answer "version --short" on ${label}`;
}
/** A compose invocation in app-dir with the project's compose file. */
function composeCommand(compose, settings, args, env) {
    return { argv: [...compose.command, '-f', settings.composeFile, ...args], cwd: settings.appDir, env };
}
/**
 * `docker inspect` prints labels and state as JSON, parsed here: a template that reads
 * `.State.Health` fails on containers without a healthcheck in some CLI versions, even behind
 * `{{if}}` ("map has no entry for key Health"; docker/docs#5368). JSON never holds a raw tab.
 */
const INSPECT_FORMAT = '{{.Id}}\t{{json .Config.Labels}}\t{{json .State}}\t{{.RestartCount}}\t{{.Image}}\t{{json .Config.Image}}';
function parseInspect(text) {
    const containers = [];
    for (const line of text.split('\n')) {
        const fields = line.split('\t');
        if (fields.length !== 6)
            continue;
        const labels = (JSON.parse(fields[1]) ?? {});
        const state = (JSON.parse(fields[2]) ?? {});
        // One-off `compose run` containers are not part of the running stack.
        if (labels['com.docker.compose.oneoff'] === 'True')
            continue;
        containers.push({
            id: fields[0],
            service: labels['com.docker.compose.service'] ?? '',
            status: state.Status ?? 'unknown',
            health: state.Health?.Status ?? 'none',
            restartCount: Number(fields[3]) || 0,
            image: fields[4],
            imageRef: (JSON.parse(fields[5]) ?? ''),
            startedAt: state.StartedAt?.startsWith('0001-') ? '' : (state.StartedAt ?? ''),
            exitCode: state.ExitCode ?? 0,
        });
    }
    return containers;
}
/**
 * The services that make up the running stack: all in the configuration but those behind a profile
 * (one-shot tools such as a migrator). v1's `config --services` lists those too, hence the parse.
 */
function stackServices(configYaml) {
    const config = (0,dist/* parse */.qg)(configYaml);
    return Object.entries(config?.services ?? {})
        .filter(([, service]) => (service?.profiles ?? []).length === 0)
        .map(([name]) => name);
}
/**
 * What each stack service's containers are made from in the checkout, besides its image, as paths
 * relative to app-dir: its env_file files, the sources of its bind mounts inside app-dir, the compose
 * file and the compose directory's `.env`.
 * v1 prints volumes as `source:target[:mode]` strings with absolute sources, v2 as objects.
 */
function runtimeInputs(configYaml, appDir, composeFile) {
    const config = parseYaml(configYaml);
    const root = appDir.replace(/\/+$/, '');
    const relative = (path) => path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path.startsWith('/') ? undefined : path;
    const composeDir = composeFile.includes('/') ? composeFile.slice(0, composeFile.lastIndexOf('/')) : '.';
    return Object.fromEntries(stackServices(configYaml).map((service) => {
        const settings = config?.services?.[service] ?? {};
        const envFiles = [settings.env_file ?? []]
            .flat()
            .map((entry) => (typeof entry === 'string' ? entry : entry.path))
            .filter((path) => typeof path === 'string');
        const binds = (settings.volumes ?? [])
            .map((volume) => typeof volume === 'string'
            ? volume.startsWith('/') || volume.startsWith('.')
                ? volume.split(':')[0]
                : undefined
            : volume.type === 'bind'
                ? volume.source
                : undefined)
            .filter((path) => path !== undefined);
        const paths = [...envFiles, ...binds]
            .map(relative)
            .filter((path) => path !== undefined)
            .map((path) => path.replace(/^\.\//, '').replace(/\/+$/, ''));
        return [service, [...paths, composeFile, composeDir === '.' ? '.env' : `${composeDir}/.env`]];
    }));
}
/** How many containers each stack service runs (`scale`, or v2's `deploy.replicas`; 1 by default). */
function replicasOf(configYaml) {
    const config = parseYaml(configYaml);
    return Object.fromEntries(stackServices(configYaml).map((service) => {
        const settings = config?.services?.[service];
        const replicas = Number(settings?.scale ?? settings?.deploy?.replicas ?? 1);
        return [service, Number.isInteger(replicas) && replicas >= 1 ? replicas : 1];
    }));
}
/**
 * Why a second container of each service could not run beside the first (so start-first cannot),
 * from `compose config`: a fixed name, a fixed host port, or the host's network. Services absent
 * from the result can. v1 prints ports as `ip:host:container/proto` strings, v2 as objects.
 */
function startFirstBlockers(configYaml) {
    const config = parseYaml(configYaml);
    const blockers = {};
    for (const service of stackServices(configYaml)) {
        const settings = config?.services?.[service] ?? {};
        const fixedPorts = (settings.ports ?? [])
            .map((port) => typeof port === 'object'
            ? port.published === undefined || port.published === ''
                ? undefined
                : `${port.host_ip ? `${port.host_ip}:` : ''}${port.published}`
            : String(port).split(':').length > 1
                ? String(port)
                : undefined)
            .filter((port) => port !== undefined);
        if (settings.container_name !== undefined)
            blockers[service] = `it has a fixed container_name (${settings.container_name})`;
        else if (fixedPorts.length > 0)
            blockers[service] =
                `it publishes fixed host ports (${fixedPorts.join(', ')}), which two containers cannot both bind`;
        else if (settings.network_mode === 'host')
            blockers[service] =
                "it uses the host's network (network_mode: host), where two containers would share its ports";
    }
    return blockers;
}
/** `ps -q` that lists stopped containers too: v2 needs -a; v1's -a would add one-off containers. */
function psArgs(compose, services = []) {
    return compose.major >= 2 ? ['ps', '-a', '-q', ...services] : ['ps', '-q', ...services];
}
/** The state of containers by id, via `docker inspect` (JSON, see INSPECT_FORMAT). */
async function inspectContainers(session, ids, options = {}) {
    if (ids.length === 0)
        return [];
    return parseInspect(await session.run(commandLine({ argv: ['docker', 'inspect', '--format', INSPECT_FORMAT, ...ids] }), 'inspecting the containers', { echo: 'stderr', timeoutSeconds: 120, ...options }));
}
function parseIds(text) {
    return text
        .split('\n')
        .map((id) => id.trim())
        .filter((id) => /^[0-9a-f]{12,64}$/.test(id));
}
/** The services of the stack, from `compose config` (it does not change during a run: read it once). */
async function readStackServices(session, compose, settings, env) {
    const configText = await session.run(commandLine(composeCommand(compose, settings, ['config'], env)), 'reading the compose configuration', { echo: 'stderr', timeoutSeconds: 120 });
    return stackServices(configText);
}
/** The containers of `services` now: `ps` for their ids, `docker inspect` for their state. */
async function readServicesState(session, compose, settings, services, env) {
    const ids = parseIds(await session.run(commandLine(composeCommand(compose, settings, psArgs(compose), env)), 'listing the containers', {
        echo: 'stderr',
        timeoutSeconds: 120,
    }));
    return { services, containers: await inspectContainers(session, ids) };
}
/** Every service running, and healthy where it has a healthcheck. */
function judgeServices(state) {
    return state.services.map((service) => {
        const containers = state.containers.filter((container) => container.service === service);
        if (containers.length === 0)
            return { service, ok: false, state: 'no container' };
        const bad = containers.find((c) => c.status !== 'running' || (c.health !== 'none' && c.health !== 'healthy'));
        const shownOne = bad ?? containers[0];
        const text = shownOne.status === 'running' && shownOne.health !== 'none'
            ? `running, ${shownOne.health}`
            : shownOne.status;
        return {
            service,
            ok: bad === undefined,
            state: containers.length > 1 ? `${text} (${containers.length} containers)` : text,
        };
    });
}

;// CONCATENATED MODULE: ./packages/shared/src/health/prometheus.ts
/** The Prometheus text exposition format, as far as the health thresholds need it. */
function parseLabels(text) {
    const labels = {};
    const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
    let match;
    while ((match = pattern.exec(text)) !== null) {
        labels[match[1]] = match[2].replace(/\\(.)/g, (_, char) => (char === 'n' ? '\n' : char));
        if (pattern.lastIndex >= text.length)
            break;
    }
    return labels;
}
function parseValue(text) {
    if (text === '+Inf')
        return Infinity;
    if (text === '-Inf')
        return -Infinity;
    return Number(text);
}
/** Samples of every line that is not a comment; malformed lines are skipped. */
function parseMetrics(text) {
    const samples = [];
    for (const rawLine of text.split('\n')) {
        const line = rawLine.trim();
        if (line === '' || line.startsWith('#'))
            continue;
        const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/.exec(line);
        if (!match)
            continue;
        const value = parseValue(match[3]);
        if (Number.isNaN(value))
            continue;
        samples.push({ name: match[1], labels: match[2] === undefined ? {} : parseLabels(match[2]), value });
    }
    return samples;
}
/**
 * The q-quantile of a histogram summed over all its label sets, interpolated linearly inside the
 * bucket as Prometheus's histogram_quantile does. Undefined when it has no observations.
 */
function histogramQuantile(q, samples, name) {
    const byBound = new Map();
    for (const sample of samples) {
        if (sample.name !== `${name}_bucket` || sample.labels.le === undefined)
            continue;
        const bound = parseValue(sample.labels.le);
        byBound.set(bound, (byBound.get(bound) ?? 0) + sample.value);
    }
    const buckets = [...byBound.entries()].sort((a, b) => a[0] - b[0]);
    if (buckets.length === 0 || buckets[buckets.length - 1][0] !== Infinity)
        return undefined;
    const total = buckets[buckets.length - 1][1];
    if (total <= 0)
        return undefined;
    const rank = q * total;
    let previousBound = 0;
    let previousCount = 0;
    for (const [bound, cumulative] of buckets) {
        if (cumulative >= rank) {
            // In the +Inf bucket the best estimate is the highest finite bound.
            if (bound === Infinity)
                return previousBound;
            if (cumulative === previousCount)
                return bound;
            return (previousBound + (bound - previousBound) * ((rank - previousCount) / (cumulative - previousCount)));
        }
        previousBound = bound;
        previousCount = cumulative;
    }
    return previousBound;
}
const STATUS_LABELS = ['status', 'code', 'status_code'];
/** The share of requests answered 5xx, from a counter labelled by status; undefined with none. */
function serverErrorRate(samples, name) {
    let total = 0;
    let errors = 0;
    for (const sample of samples) {
        if (sample.name !== name)
            continue;
        const status = STATUS_LABELS.map((label) => sample.labels[label]).find((value) => value !== undefined);
        total += sample.value;
        if (status !== undefined && /^5/.test(status))
            errors += sample.value;
    }
    if (total <= 0)
        return undefined;
    return { rate: errors / total, total };
}

;// CONCATENATED MODULE: ./packages/shared/src/health/checks.ts
/** action-health's checks, run on each server over its one SSH session, retried as a set. */






/** Warning levels from runbook §7; a critical threshold set below one lowers it. */
const WARN_P95_SECONDS = 2;
const WARN_ERROR_RATE = 0.01;
const WARN_DISK_PERCENT = 70;
const PROBE_TIMEOUT_SECONDS = 10;
/**
 * Fetches a URL on the server: curl where present, else wget. Prints the body, then a last line with
 * the HTTP status (000 when there was no answer). The URL arrives as $1, never pasted in.
 */
const PROBE_SCRIPT = `
if command -v curl >/dev/null 2>&1; then
  curl -sS -m "$2" -w '\\n%{http_code}' "$1"
elif command -v wget >/dev/null 2>&1; then
  if wget -q -O - -T "$2" "$1"; then printf '\\n200'; else rc=$?; printf '\\n000'; exit $rc; fi
else
  echo 'neither curl nor wget is installed on the server' >&2; exit 127
fi`;
async function probeOnServer(session, url, maxBytes = 64 * 1024) {
    const result = await session.exec(toSshCommand(PROBE_SCRIPT, [url, String(PROBE_TIMEOUT_SECONDS)]), {
        echo: 'none',
        timeoutSeconds: PROBE_TIMEOUT_SECONDS + 20,
        maxBytes,
    });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    const cut = result.stdout.lastIndexOf('\n');
    const status = Number(result.stdout.slice(cut + 1).trim()) || 0;
    const body = cut >= 0 ? result.stdout.slice(0, cut) : '';
    if (status === 0) {
        const why = result.stderrTail.join(' ').trim() ||
            `probe ${result.outcome.kind === 'exited' ? `exited with code ${result.outcome.code}` : result.outcome.kind}`;
        return { status, body, error: why };
    }
    return { status, body };
}
async function probeFromRunner(url) {
    try {
        const response = await fetch(url, {
            signal: AbortSignal.timeout(PROBE_TIMEOUT_SECONDS * 1000),
            redirect: 'manual',
        });
        return { status: response.status, body: (await response.text()).slice(0, 64 * 1024) };
    }
    catch (error) {
        const cause = error.cause;
        return { status: 0, body: '', error: cause?.code ?? cause?.message ?? error.message };
    }
}
/** Judges a /health answer: 2xx and JSON `status` equal to the expected word. */
function judgeHealthAnswer(answer, expect) {
    if (answer.status === 0)
        return { value: `no answer (${answer.error ?? 'unknown'})`, ok: false };
    let status;
    try {
        status = JSON.parse(answer.body).status;
    }
    catch {
        return { value: `HTTP ${answer.status}, body is not JSON`, ok: false };
    }
    const ok = answer.status >= 200 && answer.status < 300 && status === expect;
    return { value: `HTTP ${answer.status}, status ${JSON.stringify(status)}`, ok };
}
function grade(value, warnAt, failAt) {
    if (value > failAt)
        return 'fail';
    if (value > Math.min(warnAt, failAt))
        return 'warn';
    return 'pass';
}
async function diskPercent(session, path) {
    // df on app-dir when it exists, else on /: the disk that fills is the one the app writes to.
    const output = await session.run(toSshCommand('df -P "$1" 2>/dev/null || df -P /', [path]), 'reading disk use', {
        echo: 'stderr',
        timeoutSeconds: 60,
    });
    const fields = output.trim().split('\n').pop()?.trim().split(/\s+/) ?? [];
    const percent = Number(/^(\d+)%$/.exec(fields[4] ?? '')?.[1]);
    if (Number.isNaN(percent))
        throw new Error(`could not read disk use from df on ${session.label}`);
    return { percent, mount: fields[5] ?? '?' };
}
/** One round of every check on one server. */
async function checkServer(session, settings, compose) {
    const host = session.label;
    const results = [];
    const add = (check, value, threshold, verdict) => results.push({ host, check, value, threshold, verdict });
    const health = judgeHealthAnswer(await probeOnServer(session, settings.serverUrl), settings.expectStatus);
    add(`server-url ${settings.serverUrl}`, health.value, `status ${settings.expectStatus}`, health.ok ? 'pass' : 'fail');
    if (settings.checkServices) {
        try {
            const project = await compose();
            const verdicts = judgeServices(await readServicesState(session, project.compose, settings.connection, project.services));
            const bad = verdicts.filter((verdict) => !verdict.ok);
            const value = verdicts.length === 0
                ? 'no services defined'
                : bad.length === 0
                    ? `${verdicts.length} running/healthy`
                    : bad.map((verdict) => `${verdict.service}: ${verdict.state}`).join('; ');
            add('services', value, 'running, healthy where checked', bad.length === 0 && verdicts.length > 0 ? 'pass' : 'fail');
        }
        catch (error) {
            if (error instanceof errors/* CancelledError */.cc)
                throw error;
            add('services', error.message, 'running, healthy where checked', 'fail');
        }
    }
    else {
        add('services', 'not checked (check-services: false)', '', 'skip');
    }
    if (settings.metricsUrl !== undefined) {
        const answer = await probeOnServer(session, settings.metricsUrl, 8 * 1024 * 1024);
        if (answer.status < 200 || answer.status >= 300) {
            const value = answer.status === 0 ? `no answer (${answer.error})` : `HTTP ${answer.status}`;
            add('metrics', value, '2xx', 'fail');
        }
        else {
            const samples = parseMetrics(answer.body);
            const p95 = histogramQuantile(0.95, samples, 'http_request_duration_seconds');
            add('p95 latency', p95 === undefined ? 'no observations' : `${p95.toFixed(3)}s`, `warn > ${Math.min(WARN_P95_SECONDS, settings.maxP95Seconds)}s, fail > ${settings.maxP95Seconds}s`, p95 === undefined ? 'skip' : grade(p95, WARN_P95_SECONDS, settings.maxP95Seconds));
            const errors = serverErrorRate(samples, 'http_requests_total');
            add('5xx share', errors === undefined
                ? 'no requests counted'
                : `${(errors.rate * 100).toFixed(2)}% of ${errors.total}`, `warn > ${Math.min(WARN_ERROR_RATE, settings.maxErrorRate) * 100}%, fail > ${settings.maxErrorRate * 100}%`, errors === undefined ? 'skip' : grade(errors.rate, WARN_ERROR_RATE, settings.maxErrorRate));
        }
    }
    try {
        const disk = await diskPercent(session, settings.connection.appDir);
        add(`disk (${disk.mount})`, `${disk.percent}%`, `warn > ${Math.min(WARN_DISK_PERCENT, settings.maxDiskPercent)}%, fail > ${settings.maxDiskPercent}%`, grade(disk.percent, WARN_DISK_PERCENT, settings.maxDiskPercent));
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
            throw error;
        add('disk', error.message, `fail > ${settings.maxDiskPercent}%`, 'fail');
    }
    return results;
}
/**
 * Runs every check on every server (and the runner-side URL), repeating the whole set until all pass
 * or `retries` more rounds have failed.
 */
async function runHealthChecks(sessions, settings, signal) {
    // Which compose works and which services the stack has do not change between rounds: asked once per host.
    const projects = new Map();
    const projectFor = (session) => () => {
        let found = projects.get(session);
        if (found === undefined) {
            found = (async () => {
                const compose = await detectCompose(session, settings.connection.composeCommand);
                return { compose, services: await readStackServices(session, compose, settings.connection) };
            })();
            projects.set(session, found);
        }
        return found;
    };
    const rounds = settings.retries + 1;
    for (let round = 1;; round++) {
        const checks = [];
        for (const session of sessions)
            checks.push(...(await checkServer(session, settings, projectFor(session))));
        if (settings.url !== undefined) {
            const answer = judgeHealthAnswer(await probeFromRunner(settings.url), settings.expectStatus);
            checks.push({
                host: 'runner',
                check: `url ${settings.url}`,
                value: answer.value,
                threshold: `status ${settings.expectStatus}`,
                verdict: answer.ok ? 'pass' : 'fail',
            });
        }
        const failing = checks
            .filter((check) => check.verdict === 'fail')
            .map((check) => `${check.host}: ${check.check} (${check.value})`);
        if (failing.length === 0 || round >= rounds) {
            return { healthy: failing.length === 0, attempts: round, checks, failing };
        }
        core.info(`round ${round} of ${rounds} failed: ${failing.join('; ')}; next round in ${settings.intervalSeconds}s`);
        await sleep(settings.intervalSeconds * 1000, signal);
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/summary/markdown.ts
/**
 * Job summary text: every user or server value is escaped, since the summary renders HTML and
 * Markdown (no tags, no links, no table breaks). Quotes are left: no value goes into an attribute.
 */
function escapeHtml(text) {
    return text
        .replaceAll('&', '&amp;')
        .replaceAll('<', '&lt;')
        .replaceAll('>', '&gt;')
        .replaceAll('[', '&#91;')
        .replaceAll(']', '&#93;')
        .replaceAll('|', '&#124;');
}
/** A GitHub-flavoured Markdown table with escaped cells. */
function table(header, rows) {
    const line = (cells) => `| ${cells.map((cell) => escapeHtml(cell).replace(/\n/g, '<br>')).join(' | ')} |`;
    return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}
/** The job summary file holds at most 1 MiB per step; stay well below it. */
const SUMMARY_LIMIT = 512 * 1024;
function bounded(text, limit = SUMMARY_LIMIT) {
    return text.length <= limit
        ? text
        : `${text.slice(0, limit)}\n\n…(cut: the summary is limited to ${limit} characters)\n`;
}

;// CONCATENATED MODULE: ./packages/shared/src/summary/health.ts

const MARK = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skipped' };
function healthSummary(report, environment) {
    const verdict = report.healthy ? 'healthy' : 'NOT healthy';
    const rows = report.checks.map((check) => [
        check.host,
        check.check,
        check.value,
        check.threshold,
        MARK[check.verdict],
    ]);
    const failing = report.failing.map((name) => `- ${escapeHtml(name)}`).join('\n');
    return bounded(`## Health: ${escapeHtml(environment)} is ${verdict}\n\n` +
        `${table(['host', 'check', 'value', 'threshold', 'verdict'], rows)}\n\n` +
        `Rounds: ${report.attempts}\n` +
        (failing === '' ? '' : `\nFailing checks:\n${failing}\n`));
}

;// CONCATENATED MODULE: ./action-health/src/main.ts


async function main(settings, { signal }) {
    if (settings.connection.dryRun)
        core.info('dry-run: action-health only reads; it runs as usual');
    const sessions = new Sessions(settings.connection, { signal });
    try {
        core.startGroup(`Health of ${settings.connection.environment}`);
        let report;
        try {
            report = await runHealthChecks(await sessions.connectAll(), settings, signal);
        }
        finally {
            core.endGroup();
        }
        core.setOutput('healthy', String(report.healthy));
        core.setOutput('report', JSON.stringify(report));
        await core.summary.addRaw(healthSummary(report, settings.connection.environment)).write();
        for (const check of report.checks) {
            const line = `${check.host}: ${check.check}: ${check.value}`;
            if (check.verdict === 'fail')
                core.error(line);
            else if (check.verdict === 'warn')
                core.warning(line);
            else
                core.info(`${check.verdict}: ${line}`);
        }
        if (!report.healthy)
            throw new Error(`unhealthy: ${report.failing.join('; ')}`);
    }
    finally {
        sessions.closeAll();
    }
}


/***/ })

};
;