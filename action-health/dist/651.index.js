"use strict";
exports.id = 651;
exports.ids = [651];
exports.modules = {

/***/ 9651:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var lib_core = __webpack_require__(7484);
// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: external "node:async_hooks"
var external_node_async_hooks_ = __webpack_require__(6698);
;// CONCATENATED MODULE: ./packages/shared/src/ssh/host-log.ts
/**
 * Log lines of a fleet's hosts, worked on side by side: every line written to stdout while a host's
 * work runs is prefixed with that host's label, whichever code wrote it (ours, @actions/core, a
 * session). Workflow commands keep working: an annotation carries the label in its message, a
 * group becomes a plain line (groups of hosts running at once would interleave), a mask stays a mask.
 */

const current = new external_node_async_hooks_.AsyncLocalStorage();
let installed = false;
/** The label of the host whose work is running here; undefined outside a fleet. */
function hostLabel() {
    return current.getStore();
}
/** Runs `work` with its log lines prefixed by `label`. */
function withHostLabel(label, work) {
    install();
    return current.run(label, work);
}
/**
 * Runs `work` outside any host's log context: text that is labelled already (a session's remote
 * lines), or a connection that serves every host (the jump host's).
 */
function outsideHostLog(work) {
    return current.exit(work);
}
const ANNOTATION = /^::(error|warning|notice)( [^:]*)?::/;
/** One stdout line as a host's line. */
function labelLine(label, line) {
    if (line === '')
        return line;
    const annotation = ANNOTATION.exec(line);
    if (annotation)
        return `${annotation[0]}${label} | ${line.slice(annotation[0].length)}`;
    const group = /^::group::(.*)$/.exec(line);
    if (group)
        return `${label} | ▸ ${group[1]}`;
    if (line === '::endgroup::')
        return '';
    // Masks, and commands the runner reads whole, stay as they are.
    if (line.startsWith('::'))
        return line;
    return `${label} | ${line}`;
}
/** `write`, with each line written inside a host's work labelled as that host's. */
function labelling(write) {
    return (chunk, ...rest) => {
        const label = current.getStore();
        if (label === undefined || typeof chunk !== 'string')
            return write(chunk, ...rest);
        const lines = chunk.split('\n');
        const last = lines.pop() ?? '';
        let text = '';
        for (const line of lines) {
            const labelled = labelLine(label, line);
            if (labelled !== '' || line === '')
                text += `${labelled}\n`;
        }
        // A write that ends mid-line (rare: core writes whole lines) is labelled as it stands.
        if (last !== '')
            text += labelLine(label, last);
        return write(text, ...rest);
    };
}
function install() {
    if (installed)
        return;
    installed = true;
    process.stdout.write = labelling(process.stdout.write.bind(process.stdout));
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
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
    write: (text) => {
        writingRemote = true;
        try {
            process.stdout.write(text);
        }
        finally {
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
function keepOwnCommandsOutside() {
    if (ownCommandsKeptOutside)
        return;
    ownCommandsKeptOutside = true;
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk, ...rest) => {
        const fence = openFences.get(stdoutSink);
        if (writingRemote || fence === undefined || typeof chunk !== 'string' || !/(^|\n)::/.test(chunk))
            return write(chunk, ...rest);
        const token = (0,external_node_crypto_.randomUUID)();
        const text = `::${fence.token}::\n${chunk}${chunk.endsWith('\n') ? '' : '\n'}::stop-commands::${token}\n`;
        fence.token = token;
        return write(text, ...rest);
    });
}
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
/** The fence open on a sink: one for every command writing there at once. */
const openFences = new WeakMap();
/**
 * Writes remote lines between `::stop-commands::TOKEN` and `::TOKEN::`. The fence opens lazily at the
 * first line and must be closed before the action issues a workflow command of its own. Commands that
 * run at once on one sink (a build beside a migration check) share one fence, closed when the last of
 * them closes: fences of their own would nest, and the runner, which reads no nesting, would end the
 * outer one at the first end token and read the rest of the inner command's output as commands. On
 * stdout, the action's own workflow commands step outside a fence still open (keepOwnCommandsOutside).
 */
class CommandFence {
    sink;
    holding = false;
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
        if (this.holding)
            return;
        this.holding = true;
        const fence = openFences.get(this.sink);
        if (fence !== undefined) {
            fence.holders += 1;
            return;
        }
        if (this.sink === stdoutSink)
            keepOwnCommandsOutside();
        const token = (0,external_node_crypto_.randomUUID)();
        openFences.set(this.sink, { token, holders: 1 });
        this.sink.write(`::stop-commands::${token}\n`);
    }
    close() {
        if (!this.holding)
            return;
        this.holding = false;
        const fence = openFences.get(this.sink);
        if (fence === undefined)
            return;
        fence.holders -= 1;
        if (fence.holders > 0)
            return;
        openFences.delete(this.sink);
        this.sink.write(`::${fence.token}::\n`);
    }
}
/**
 * Remote text made inert for printing outside a fence (error messages, health answers, log tails):
 * the runner reads `::name::` at the start of a (trimmed) line and the legacy `##[name]` anywhere in
 * it. A zero-width space after the first character breaks both; the text still reads the same.
 */
function output_inert(text) {
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
        return this.lines.map(output_inert);
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/sleep.ts

/** Waits `ms`, or rejects with CancelledError as soon as the run is cancelled. */
function sleep_sleep(ms, signal) {
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
function shell_renderScript(command) {
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
function shell_toSshCommand(script, args = []) {
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
function shell_commandLine(command) {
    return shell_toSshCommand(shell_renderScript(command));
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
        hooks.signal?.addEventListener('abort', this.onAbort, { once: true });
    }
    /** A fleet opens a session per host: each lets go of the run's signal when it closes. */
    onAbort = () => void this.cancel();
    /** Connects with retries and backoff (full jitter) for failures before authentication only. */
    static async open(settings, endpoint, hooks = {}, bastion) {
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
        // A fleet shares one connection to the jump host; a single session opens its own.
        const ownBastion = bastion === undefined && settings.jumpHost !== undefined;
        const jump = ownBastion ? new Bastion(settings, hooks) : bastion;
        for (let attempt = 0;; attempt++) {
            try {
                const sock = jump === undefined ? undefined : await jump.forward(endpoint);
                const client = await connectOnce(settings, endpoint, endpoint.username, sock, hooks);
                return new SshSession(endpoint, client, ownBastion ? jump : undefined, settings, hooks);
            }
            catch (error) {
                if (!(error instanceof ConnectError) || !error.retryable || attempt >= settings.connectRetries) {
                    if (ownBastion)
                        jump?.close();
                    if (error instanceof ConnectError && error.retryable) {
                        throw new ConnectError(`${error.message} (gave up after ${attempt + 1} attempts)`, false);
                    }
                    throw error;
                }
                const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
                warn(`${error.message}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 2} of ${settings.connectRetries + 1})`);
                await sleep_sleep(delay, hooks.signal);
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
        // A fleet's hosts log side by side: their lines carry the host's label, made inert line by line,
        // since fences of hosts running at once would interleave (one host's end would reopen commands
        // in the middle of another's output).
        const label = hostLabel();
        const prefix = label === undefined ? '' : `${label} | `;
        const fence = new CommandFence(sink);
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
                    if (echoed === '')
                        return;
                    const text = echoed;
                    if (prefix === '')
                        fence.lines(text);
                    else
                        outsideHostLog(() => sink.write(text));
                    echoed = '';
                };
                const asLine = (line) => (prefix === '' ? `${line}\n` : `${prefix}${output_inert(line)}\n`);
                const echoLines = (text) => {
                    if (prefix === '')
                        echoed += text;
                    else
                        eachLine(text, (line) => (echoed += asLine(line)));
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
                            echoed += asLine(line);
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
                            echoed += asLine(line);
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
                // Once the command is settled (a forced close after a timeout or cancel), output that still
                // arrives is dropped: echoing it would reopen a fence that nothing closes.
                let settled = false;
                stream.on('data', (chunk) => {
                    if (settled)
                        return;
                    stdout.push(chunk);
                    if (stdoutAsLines)
                        outLines.push(chunk);
                    keepPaceWithSink();
                });
                stream.stderr.on('data', (chunk) => {
                    if (settled)
                        return;
                    stderr.push(chunk);
                    errLines.push(chunk);
                    keepPaceWithSink();
                });
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
    /**
     * Resolves once the connection's socket is closed (after close(), or when it is lost), or after
     * `timeoutMs`: a fleet's next batch then opens its connections once this one's are gone.
     */
    ended(timeoutMs) {
        if (this.lostReason !== undefined)
            return Promise.resolve();
        return new Promise((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            this.client.once('close', () => {
                clearTimeout(timer);
                resolve();
            });
        });
    }
    close() {
        this.hooks.signal?.removeEventListener('abort', this.onAbort);
        for (const command of this.active)
            command.stop('cancelled');
        this.client.end();
        this.bastion?.close();
    }
}
/**
 * The connection to the jump host: one for the whole run, however many hosts are reached through
 * it (one forwarded channel each). Opened at first use and again if it was lost; a failure to reach
 * it is retried by the session that asked, as any failure before authentication.
 */
class Bastion {
    settings;
    hooks;
    client;
    constructor(settings, hooks = {}) {
        this.settings = settings;
        this.hooks = hooks;
    }
    async forward(target) {
        const jump = this.settings.jumpHost;
        if (jump === undefined)
            throw new Error('no jump-host to forward through');
        if (this.client === undefined) {
            // Opened outside the host's log context that asked first: the forwarded connections of every
            // host ride on its socket, whose callbacks would otherwise all log under that host's label.
            const opening = outsideHostLog(() => connectOnce(this.settings, jump, jump.username, undefined, this.hooks));
            this.client = opening;
            opening.then((client) => client.once('close', () => this.client === opening && (this.client = undefined)), () => this.client === opening && (this.client = undefined));
        }
        return forward(await this.client, jump, target);
    }
    close() {
        const client = this.client;
        this.client = undefined;
        void client?.then((open) => open.end(), () => undefined);
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
                : settings.password !== undefined
                    ? { password: settings.password }
                    : { agent: settings.agent }),
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
                    (settings.agent !== undefined
                        ? `Check that one of the keys in the SSH agent (${settings.agent}) is in the user's authorized_keys`
                        : "Check that the public key is in the user's authorized_keys"), false));
            }
            else if (settings.agent !== undefined && error.level === 'agent') {
                reject(new ConnectError(`the SSH agent at ${settings.agent} could not be used (${error.message})`, false));
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
/**
 * One server or a fleet: the hosts are worked on in batches of `max-parallel`, after the canary (the
 * first host, alone) when `canary` is true. Each host gets its own connection for its own work,
 * opened when its batch starts and closed when its work ends, so connections and memory stay bounded
 * by `max-parallel` however many hosts there are; a fleet behind a jump host shares one connection
 * to it. A host that fails stops any later batch from starting (unless every host is to be checked
 * regardless, as health does); hosts already done stay as they are.
 */





/** The batches hosts are worked on in: the canary alone, then `maxParallel` at a time. */
function batchesOf(hosts, maxParallel, firstAlone) {
    const batches = [];
    let rest = [...hosts];
    if (firstAlone && rest.length > 1) {
        batches.push([rest[0]]);
        rest = rest.slice(1);
    }
    for (let at = 0; at < rest.length; at += maxParallel)
        batches.push(rest.slice(at, at + maxParallel));
    return batches;
}
const isFleet = (connection) => connection.targets.length > 1;
/**
 * Runs `work` on every host of `connection` with a session of its own, as the fleet options say, and
 * tells what became of each. Log lines carry the host's label when there are several.
 */
async function forEachHost(connection, options, work) {
    const { signal } = options;
    // Each open session (and the commands it runs) listens to the run's one signal: a batch of 50 is
    // 50 listeners and more, not a leak (closed sessions let go of theirs).
    (0,external_node_events_.setMaxListeners)(Math.max(10, connection.maxParallel * 4), signal);
    const passed = options.passed ?? (() => true);
    const fleet = isFleet(connection);
    const bastion = connection.jumpHost === undefined ? undefined : new Bastion(connection, { signal });
    const runs = connection.targets.map(() => undefined);
    const indexed = connection.targets.map((endpoint, index) => ({ endpoint, index }));
    const batches = batchesOf(indexed, connection.maxParallel, fleet && (connection.canary || options.firstAlone === true));
    let stopped;
    try {
        for (const [number, batch] of batches.entries()) {
            if (stopped === undefined && signal.aborted)
                stopped = 'the run was cancelled';
            if (stopped !== undefined) {
                for (const { endpoint, index } of batch)
                    runs[index] = { host: endpoint.label, result: 'not started', seconds: 0, error: stopped };
                continue;
            }
            if (fleet) {
                const names = batch.map(({ endpoint }) => endpoint.label).join(', ');
                lib_core.info(number === 0 && connection.canary && batches.length > 1
                    ? `canary: ${names}`
                    : `batch ${number + 1} of ${batches.length}: ${names}`);
            }
            const done = await Promise.all(batch.map(({ endpoint, index }) => {
                const run = () => runOnHost(connection, endpoint, index, bastion, signal, work, passed);
                return fleet ? withHostLabel(endpoint.label, run) : run();
            }));
            for (const [at, run] of done.entries())
                runs[batch[at].index] = run;
            const failed = done.filter((run) => run.result !== 'success');
            if (failed.length > 0 && !options.keepGoing && number < batches.length - 1) {
                const later = batches.slice(number + 1).flat().length;
                const names = failed.map((run) => `${run.host} ${run.result}`).join(', ');
                stopped = `${names} before it`;
                lib_core.error(`${names}: ${later === 1 ? 'the host after it is not started and stays as it is' : `the ${later} hosts after it are not started and stay as they are`}`);
            }
        }
    }
    finally {
        bastion?.close();
    }
    return runs.filter((run) => run !== undefined);
}
async function runOnHost(connection, endpoint, index, bastion, signal, work, passed) {
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 100) / 10;
    let session;
    try {
        session = await SshSession.open(connection, endpoint, { signal, warn: (message) => lib_core.warning(message) }, bastion);
        lib_core.info(`connected to ${endpoint.username}@${endpoint.label} in ${Date.now() - started} ms`);
    }
    catch (error) {
        const cancelled = error instanceof errors/* CancelledError */.cc || signal.aborted;
        // Said outside the host's log context: the message names the host itself.
        if (isFleet(connection) && !cancelled)
            outsideHostLog(() => lib_core.error(`${endpoint.label} is unreachable: ${(0,errors/* errorMessage */.gJ)(error)}`));
        return {
            host: endpoint.label,
            result: cancelled ? 'cancelled' : error instanceof ConnectError ? 'unreachable' : 'failed',
            seconds: seconds(),
            error: (0,errors/* errorMessage */.gJ)(error),
            cause: error,
        };
    }
    try {
        const value = await work(session, index);
        return { host: endpoint.label, result: passed(value) ? 'success' : 'failed', seconds: seconds(), value };
    }
    catch (error) {
        const cancelled = error instanceof errors/* CancelledError */.cc || signal.aborted;
        if (isFleet(connection) && !cancelled)
            lib_core.error((0,errors/* errorMessage */.gJ)(error));
        return {
            host: endpoint.label,
            result: cancelled ? 'cancelled' : 'failed',
            seconds: seconds(),
            error: (0,errors/* errorMessage */.gJ)(error),
            cause: error,
        };
    }
    finally {
        session.close();
        // The socket is gone before the next batch opens its own: open connections stay at max-parallel.
        await session.ended(2000);
    }
}
/**
 * A single host's failure is rethrown as it was (the run fails with its own message); a fleet's runs
 * are returned for the caller to report.
 */
function rethrowSingle(runs) {
    if (runs.length === 1 && runs[0].cause !== undefined)
        throw runs[0].cause;
}
/**
 * The error a fleet's run ends with: a LockTimeoutError when every host that failed found the deploy
 * lock busy (nothing changed there; the terminal CLI exits 3 for it), else an Error.
 */
function fleetError(message, runs) {
    const failed = runs.filter((run) => run.result === 'failed' || run.result === 'unreachable');
    return failed.length > 0 && failed.every((run) => run.cause instanceof LockTimeoutError)
        ? new LockTimeoutError(message)
        : new Error(message);
}
/** The hosts that did not pass, each with why: `a (failed: ...); b (not started)`. */
function fleetFailures(runs, why = () => undefined) {
    return runs
        .filter((run) => run.result !== 'success')
        .map((run) => {
        const reason = run.error ?? (run.value === undefined ? undefined : why(run.value));
        return `${run.host} (${run.result}${reason === undefined || run.result === 'not started' ? '' : `: ${reason}`})`;
    })
        .join('; ');
}
/**
 * Work done once, from the first host (a fleet's shared database is migrated from one server):
 * its value, or its error as it was thrown.
 */
async function onFirstHost(connection, signal, work) {
    if (isFleet(connection))
        core.info(`${connection.targets.length} hosts given: this runs once, on ${connection.targets[0].label}`);
    const runs = await forEachHost({ ...connection, targets: connection.targets.slice(0, 1) }, { signal }, work);
    rethrowSingle(runs);
    return runs[0].value;
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
    const result = await session.exec(shell_commandLine({ argv: [...words, 'version', '--short'] }), {
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
    return parseInspect(await session.run(shell_commandLine({ argv: ['docker', 'inspect', '--format', INSPECT_FORMAT, ...ids] }), 'inspecting the containers', { echo: 'stderr', timeoutSeconds: 120, ...options }));
}
function parseIds(text) {
    return text
        .split('\n')
        .map((id) => id.trim())
        .filter((id) => /^[0-9a-f]{12,64}$/.test(id));
}
/** The services of the stack, from `compose config` (it does not change during a run: read it once). */
async function readStackServices(session, compose, settings, env) {
    const configText = await session.run(shell_commandLine(composeCommand(compose, settings, ['config'], env)), 'reading the compose configuration', { echo: 'stderr', timeoutSeconds: 120 });
    return stackServices(configText);
}
/** The containers of `services` now: `ps` for their ids, `docker inspect` for their state. */
async function readServicesState(session, compose, settings, services, env) {
    const ids = parseIds(await session.run(shell_commandLine(composeCommand(compose, settings, psArgs(compose), env)), 'listing the containers', {
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

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./packages/shared/src/summary/markdown.ts

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
const VERDICT = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skipped' };
/** Check rows as tables: the runbook §1 preflight rows (with minimum and recommended) apart from the rest. */
function checksTables(checks, title = 'Checks') {
    const preflight = checks.filter((check) => check.minimum !== undefined);
    const others = checks.filter((check) => check.minimum === undefined);
    const parts = [];
    if (others.length > 0)
        parts.push(`### ${title}\n\n${table(['host', 'check', 'value', 'threshold', 'verdict'], others.map((check) => [
            check.host,
            check.check,
            check.value,
            check.threshold,
            VERDICT[check.verdict],
        ]))}`);
    if (preflight.length > 0)
        parts.push(`### Preflight (runbook §1)\n\n${table(['host', 'item', 'value', 'minimum', 'recommended', 'verdict'], preflight.map((check) => [
            check.host,
            check.check,
            check.value,
            check.minimum ?? '',
            check.recommended ?? '',
            VERDICT[check.verdict],
        ]))}`);
    return parts.join('\n\n');
}
/** A dry run's plan: each step, and the command it runs. */
function planSection(plan) {
    return `### Plan\n\n${plan
        .map((step, index) => `${index + 1}. ${escapeHtml(step.title)}${step.command ? `\n   \`${escapeHtml(renderScript(step.command))}\`` : ''}`)
        .join('\n')}`;
}

// EXTERNAL MODULE: ./packages/shared/src/workflow-commands.ts
var workflow_commands = __webpack_require__(6165);
;// CONCATENATED MODULE: ./packages/shared/src/diagnostics/diagnostics.ts
/**
 * Runbook §9 on failure: what the troubleshooting guide has a person collect when a service fails
 * (its last log lines, its container state, the stack's Docker events of the last 10 minutes, and the
 * answer of a failed health probe), gathered in one remote command and reported three ways: the job
 * summary, the log (inside a command fence) and a folder for a workflow artifact. Everything is
 * bounded, secrets are masked, and nothing in it can act as a workflow command.
 */








/** Runbook §9: `logs --tail=50`, `docker events --since 10m`. */
const LOG_LINES = 50;
const EVENTS_SINCE = '10m';
const EVENT_LINES = 100;
const LINE_CHARS = 2000;
/** The whole report, in the summary and the artifact. */
const DIAGNOSTICS_LIMIT = 64 * 1024;
const MARK = '@@tt:';
/**
 * A shell function: `mask FILE...` copies stdin to stdout with every value (4 characters or more) of
 * the env files named (`NAME=value` lines; app-dir's .env, the compose project's .env) replaced by ***,
 * so the secrets they hold never leave the server in a log line. Files that are missing are skipped.
 */
const MASK_FUNCTION = `
mask() {
  MASK_VALUES=$(cat -- "$@" 2>/dev/null) awk '
    BEGIN {
      q = sprintf("%c", 39)
      n = split(ENVIRON["MASK_VALUES"], lines, "\\n")
      for (i = 1; i <= n; i++) {
        line = lines[i]
        sub(/\\r$/, "", line); sub(/^[ \\t]*(export[ \\t]+)?/, "", line)
        if (line !~ /^[A-Za-z_][A-Za-z0-9_]*=/) continue
        v = substr(line, index(line, "=") + 1)
        f = substr(v, 1, 1); l = substr(v, length(v), 1)
        if (length(v) >= 2 && f == l && (f == "\\"" || f == q)) v = substr(v, 2, length(v) - 2)
        if (length(v) >= 4) values[++m] = v
      }
    }
    {
      out = $0
      for (i = 1; i <= m; i++) {
        done = ""
        while ((p = index(out, values[i])) > 0) {
          done = done substr(out, 1, p - 1) "***"
          out = substr(out, p + length(values[i]))
        }
        out = done out
      }
      print out
    }'
}`;
/** The env files whose values `mask` hides: app-dir's `.env` and the compose project directory's. */
function envFilesOf(place) {
    const projectDir = place.composeFile.includes('/')
        ? place.composeFile.slice(0, place.composeFile.lastIndexOf('/'))
        : '.';
    return [`${place.appDir}/.env`, `${place.appDir}/${projectDir}/.env`];
}
/**
 * $1 app dir, $2 compose file, $3 log lines, $4 events since, $5 services (one per line), then the
 * compose command words. Each part follows a `@@tt:` line; every line of a part is printed behind '|',
 * so no container output can pose as a marker.
 */
const DIAGNOSTICS_SCRIPT = `${MASK_FUNCTION}
cd "$1" || { echo "${MARK}problem"; echo "|app-dir $1 is missing"; exit 0; }
file=$2 lines=$3 since=$4 services=$5 env1=$6 env2=$7
shift 7
collect() {
project=
for service in $services; do
  ids=$("$@" -f "$file" ps -a -q "$service" 2>/dev/null | grep -E '^[0-9a-f]{12,64}$')
  printf '${MARK}service %s\\n' "$service"
  for id in $ids; do
    printf '${MARK}container %s\\n' "$(docker inspect --format '{{.Name}}' "$id" 2>/dev/null | cut -c2-)"
    docker inspect --format '{{json .State}}' "$id" 2>&1 | sed 's/^/|/'
    printf '${MARK}logs\\n'
    docker logs --tail "$lines" --timestamps "$id" 2>&1 | cut -c1-${LINE_CHARS} | sed 's/^/|/'
    [ -n "$project" ] || project=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}}' "$id" 2>/dev/null)
  done
done
[ -n "$project" ] || project=$("$@" -f "$file" ps -q 2>/dev/null | head -n 1 | xargs -r docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}}' 2>/dev/null)
printf '${MARK}events\\n'
if [ -n "$project" ]; then
  # Lifecycle events only: the healthchecks' exec_* events would fill the tail every second.
  timeout 30 docker events --since "$since" --until "$(date +%s)" --filter type=container \\
    --filter "label=com.docker.compose.project=$project" \\
    --filter event=create --filter event=start --filter event=restart --filter event=die \\
    --filter event=kill --filter event=oom --filter event=stop --filter event=health_status \\
    --filter event=destroy \\
    --format '{{.Time}} {{.Action}} {{index .Actor.Attributes "name"}} {{index .Actor.Attributes "exitCode"}}' 2>&1 |
    tail -n ${EVENT_LINES} | cut -c1-${LINE_CHARS} | sed 's/^/|/'
else
  echo '|(no container of the stack found: no events to filter)'
fi
printf '${MARK}end\\n'
}
collect "$@" | mask "$env1" "$env2"
`;
/** Parses the script's output into the services' containers and the events. */
function parseDiagnostics(text) {
    const services = [];
    const events = [];
    const problems = [];
    let into;
    let complete = false;
    for (const line of text.split('\n')) {
        if (line.startsWith('|')) {
            into?.push(line.slice(1));
            continue;
        }
        if (!line.startsWith(MARK))
            continue;
        const [part, ...rest] = line.slice(MARK.length).split(' ');
        const name = rest.join(' ');
        const service = services[services.length - 1];
        const container = service?.containers[service.containers.length - 1];
        if (part === 'service') {
            services.push({ service: name, containers: [] });
            into = undefined;
        }
        else if (part === 'container' && service !== undefined) {
            service.containers.push({ name, state: [], logs: [] });
            into = service.containers[service.containers.length - 1].state;
        }
        else if (part === 'logs' && container !== undefined)
            into = container.logs;
        else if (part === 'events')
            into = events;
        else if (part === 'problem')
            into = problems;
        else if (part === 'end')
            complete = true;
    }
    if (!complete)
        problems.push('the collection did not finish (its output ends early)');
    return {
        services: services.map(({ service, containers }) => ({
            service,
            containers: containers.map((c) => ({
                name: c.name,
                state: c.state.join('\n'),
                logs: c.logs.join('\n'),
            })),
        })),
        events: events.join('\n'),
        problems,
    };
}
/** Collects what runbook §9 asks for about `services`; never throws except for a cancel. */
async function collectDiagnostics(session, compose, place, request) {
    const base = {
        host: session.label,
        reason: request.reason,
        ...(request.probe
            ? {
                probe: {
                    url: request.probe.url,
                    answer: request.probe.answer.status === 0
                        ? `no answer (${request.probe.answer.error ?? 'unknown'})`
                        : `HTTP ${request.probe.answer.status}\n${request.probe.answer.body.slice(0, 4096)}`,
                },
            }
            : {}),
    };
    const withEarlier = (services) => services.map((entry) => {
        const earlier = request.earlierLogs?.[entry.service];
        return earlier ? { ...entry, earlierLogs: earlier } : entry;
    });
    if (session.lost !== undefined)
        return {
            ...base,
            services: withEarlier(request.services.map((service) => ({ service, containers: [] }))),
            events: '',
            problems: [`not collected: the connection is lost (${session.lost})`],
        };
    const result = await session.exec(shell_toSshCommand(DIAGNOSTICS_SCRIPT, [
        place.appDir,
        place.composeFile,
        String(LOG_LINES),
        EVENTS_SINCE,
        request.services.join('\n'),
        ...envFilesOf(place),
        ...compose.command,
    ]), { echo: 'none', timeoutSeconds: 90, maxBytes: 4 * 1024 * 1024 });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    const parsed = parseDiagnostics(result.stdout);
    return { ...base, ...parsed, services: withEarlier(parsed.services) };
}
/**
 * Masks what must never be shown: every value the action masked (keys, passwords, tokens), PEM
 * private keys, credentials in URLs, and the values of settings whose names say they are secret.
 */
function redact(text, secrets = (0,workflow_commands/* maskedValues */.ql)()) {
    let out = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length))
        if (secret.length >= 4)
            out = out.split(secret).join('***');
    return out
        .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '***private key***')
        .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@]+@/gi, '$1***@')
        .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***')
        .replace(/\b([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|encryption[_-]?key|credentials?)[A-Za-z0-9_.-]*)(["']?\s*[=:]\s*["']?)[^\s"',;&]+/gi, '$1$2***');
}
/** The report as text: what is in the log and the artifact. */
function diagnosticsText(diagnostics) {
    const parts = [`Diagnostics from ${diagnostics.host}: ${diagnostics.reason}`];
    for (const problem of diagnostics.problems)
        parts.push(`(${problem})`);
    if (diagnostics.probe)
        parts.push(`--- health probe ${diagnostics.probe.url}\n${diagnostics.probe.answer}`);
    for (const service of diagnostics.services) {
        if (service.containers.length === 0)
            parts.push(`--- ${service.service}: no container`);
        for (const container of service.containers)
            parts.push(`--- ${service.service}: container ${container.name}\nstate: ${container.state}\nlast ${LOG_LINES} log lines:\n${container.logs || '(none)'}`);
        if (service.earlierLogs)
            parts.push(`--- ${service.service}: log lines of a container removed since\n${service.earlierLogs}`);
    }
    parts.push(`--- Docker events of the stack, last ${EVENTS_SINCE}\n${diagnostics.events || '(none)'}`);
    // Inert in every form (log, summary, artifact), so the three read the same.
    const text = output_inert(redact(parts.join('\n\n')));
    return text.length <= DIAGNOSTICS_LIMIT
        ? text
        : `${text.slice(0, DIAGNOSTICS_LIMIT)}\n…(cut at ${DIAGNOSTICS_LIMIT} characters)`;
}
/** The report for the job summary: a collapsed section, every character escaped, in a <pre>. */
function diagnosticsMarkdown(diagnostics) {
    return (`\n<details><summary>Diagnostics (${escapeHtml(diagnostics.host)}: ${escapeHtml(diagnostics.reason.slice(0, 200))})</summary>\n\n` +
        `<pre>${escapeHtml(diagnosticsText(diagnostics))}</pre>\n\n</details>\n`);
}
/**
 * Reports the diagnostics: in the log inside a command fence, in the job summary, and as files in
 * `RUNNER_TEMP` (the workflows upload the folder named by the `diagnostics` output as an artifact).
 */
async function reportDiagnostics(diagnostics, action) {
    if (diagnostics.length === 0)
        return;
    const fence = new CommandFence(stdoutSink);
    for (const entry of diagnostics)
        for (const line of diagnosticsText(entry).split('\n'))
            fence.line(line);
    fence.close();
    await lib_core.summary.addRaw(diagnostics.map(diagnosticsMarkdown).join('')).write();
    const root = process.env.RUNNER_TEMP;
    if (root === undefined || root === '')
        return;
    const folder = (0,external_node_path_.join)(root, `thinktank-diagnostics-${action}-${process.env.GITHUB_RUN_ID ?? process.pid}`);
    (0,external_node_fs_.mkdirSync)(folder, { recursive: true });
    diagnostics.forEach((entry, index) => (0,external_node_fs_.writeFileSync)((0,external_node_path_.join)(folder, `${index + 1}-${entry.host.replace(/[^A-Za-z0-9._-]/g, '_')}.txt`), `${diagnosticsText(entry)}\n`));
    lib_core.setOutput('diagnostics', folder);
}

;// CONCATENATED MODULE: ./packages/shared/src/health/preflight.ts
/**
 * Runbook §1 preflight: the server against the runbook's requirement tables (CPU, memory, disk, OS,
 * Docker, Compose, tools), the `.env` secrets and the TLS certificate. One remote script reads it all
 * in one round trip; secret values never leave the server (the script answers present, empty or
 * missing per name). Also run by action-deploy before a first deployment.
 */



/** The runbook §1 table: its minimums (the inputs' defaults) and its recommended values. */
const RUNBOOK_PREFLIGHT = {
    minimum: {
        minCpus: 4,
        minMemoryGb: 8,
        minDiskGb: 50,
        minDockerVersion: '24.0',
        minComposeVersion: '2.20',
    },
    recommended: { cpus: 8, memoryGb: 16, diskGb: 100, ubuntu: '24.04' },
    minimumUbuntu: '22.04',
    requiredSecrets: ['DB_PASSWORD', 'JWT_SECRET_KEY', 'ENCRYPTION_KEY'],
};
/**
 * Tools the procedures and the actions use on the server. Missing a required one fails (git for
 * every deploy, curl for the health probes and the runbook, flock and timeout for the deploy lock,
 * stat for backups and the lock); the others warn (openssl reads the certificate and makes the
 * runbook's secrets; htop is in the runbook's install line, for people).
 */
const PREFLIGHT_TOOLS = {
    docker: 'required',
    git: 'required',
    curl: 'required',
    flock: 'required',
    timeout: 'required',
    stat: 'required',
    openssl: 'recommended',
    htop: 'recommended',
};
/** A certificate expiring within this many days warns. */
const CERT_WARN_DAYS = 14;
/** Memory and disk sizes count as meeting N GB from this share of N: the kernel and the file system keep part. */
const SIZE_ALLOWANCE = 0.9;
const preflight_ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Prints `present`, `empty` or `missing` for the variable `name` in an env file (Compose's dotenv
 * rules: `export ` allowed, the last assignment wins, quotes hold the value, ` #` starts a comment
 * outside quotes). `q` is a single quote (the program is single-quoted in the shell). The value is
 * looked at, never printed.
 */
const ENV_STATE_AWK = String.raw `
{ line = $0; sub(/\r$/, "", line); sub(/^[ \t]+/, "", line); sub(/^export[ \t]+/, "", line)
  if (substr(line, 1, length(name)) != name) next
  rest = substr(line, length(name) + 1)
  if (rest !~ /^[ \t]*=/) next
  sub(/^[ \t]*=/, "", rest)
  if (rest ~ /^[ \t]+#/) rest = ""
  sub(/^[ \t]+/, "", rest)
  c = substr(rest, 1, 1)
  if (c == "\"" || c == q) { rest = substr(rest, 2); e = index(rest, c); value = e ? substr(rest, 1, e - 1) : rest }
  else { value = rest; sub(/[ \t]+#.*$/, "", value); sub(/[ \t]+$/, "", value) }
  state = (value == "") ? "empty" : "present" }
END { print (state == "" ? "missing" : state) }`;
/**
 * $1 app-dir, $2 env-file (relative), $3 tls-cert (relative; empty = not checked), $4 the number of
 * secret names that follow, then the names, then the compose command's words (none = auto).
 * Prints `key<TAB>value...` lines; a secret's value is never printed, only present/empty/missing.
 */
const PREFLIGHT_SCRIPT = `
out() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
flat() { tr '\\n\\t' '  ' | cut -c1-200; }
app=$1; envfile=$1/$2; cert=$3; k=$4; shift 4
out now "$(date +%s)"
out nproc "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"
out memtotal "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo 2>/dev/null)"
d=$app; while [ ! -d "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done
out df "$d" "$(df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $2 " " $4 " " $6 }')"
if [ -r /etc/os-release ]; then
  (ID=; VERSION_ID=; PRETTY_NAME=; . /etc/os-release; out os "$ID" "$VERSION_ID"; out os_name "$PRETTY_NAME")
else
  out os '' ''
fi
for tool in docker git curl flock timeout stat openssl htop; do out tool "$tool" "$(command -v "$tool" 2>/dev/null)"; done
if ! command -v docker >/dev/null 2>&1; then out docker missing
elif v=$(docker version --format '{{.Server.Version}}' 2>&1); then out docker ok "$v"
else out docker error "$(printf '%s' "$v" | tail -n 3 | flat)"; fi
if [ ! -e "$envfile" ]; then out envfile missing
elif [ ! -r "$envfile" ]; then out envfile unreadable
else out envfile present "$(stat -c %a "$envfile" 2>/dev/null)"; fi
while [ "$k" -gt 0 ]; do
  if [ -r "$envfile" ]; then
    # The value is looked at here only, to say whether it is empty; it is never printed.
    state=$(awk -v name="$1" -v q="'" '${ENV_STATE_AWK}' "$envfile" 2>/dev/null) || state=unreadable
  else
    state=missing
  fi
  out secret "$1" "$state"
  shift; k=$((k - 1))
done
if [ $# -eq 0 ]; then
  if v=$(docker compose version --short 2>/dev/null); then out compose 'docker compose' "$v"
  elif v=$(docker-compose version --short 2>/dev/null); then out compose docker-compose "$v"
  else out compose '' ''; fi
elif v=$("$@" version --short 2>/dev/null); then out compose "$*" "$v"
else out compose '' "$*"; fi
if [ -n "$cert" ]; then
  cert=$app/$cert
  if [ ! -e "$cert" ]; then out tls missing
  elif [ ! -r "$cert" ]; then out tls unreadable
  elif ! command -v openssl >/dev/null 2>&1; then out tls no-openssl
  elif ! end=$(openssl x509 -in "$cert" -noout -enddate 2>/dev/null); then out tls unparseable
  elif ! openssl x509 -in "$cert" -noout -checkend 0 >/dev/null 2>&1; then out tls expired "$end"
  elif ! openssl x509 -in "$cert" -noout -checkend "$((${CERT_WARN_DAYS} * 86400))" >/dev/null 2>&1; then out tls expiring "$end"
  else out tls ok "$end"; fi
fi
`;
/** The script's `key<TAB>value<TAB>value` lines, grouped by key. */
function parseFacts(text) {
    const facts = new Map();
    for (const line of text.split('\n')) {
        if (line.trim() === '')
            continue;
        const [key, ...values] = line.split('\t');
        facts.set(key, [...(facts.get(key) ?? []), values.map((value) => value.trim())]);
    }
    return facts;
}
/** Numbers of a version such as `20.10.24+dfsg1`, `v2.24.5-desktop.1` or `1.29.2`; undefined when none. */
function parseVersion(text) {
    const match = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim().replace(/^v/, ''));
    if (!match)
        return undefined;
    return match
        .slice(1)
        .filter((part) => part !== undefined)
        .map(Number);
}
/** Compares versions part by part (a missing part counts as 0). */
function compareVersions(a, b) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const difference = (a[i] ?? 0) - (b[i] ?? 0);
        if (difference !== 0)
            return difference;
    }
    return 0;
}
/** Below the minimum fails; between minimum and recommended warns; else passes. */
function gradeAtLeast(value, minimum, recommended) {
    if (value < minimum)
        return 'fail';
    if (value < Math.max(minimum, recommended))
        return 'warn';
    return 'pass';
}
/** `MemTotal` in kB from /proc/meminfo (or the script's bare number). */
function parseMemTotalKb(text) {
    const match = /(?:MemTotal:\s*)?(\d+)(?:\s*kB)?/.exec(text.trim());
    return match ? Number(match[1]) : undefined;
}
/** `df -Pk` output (its last line) or the script's `size avail mount`. */
function parseDf(text) {
    const last = text.trim().split('\n').pop()?.trim().split(/\s+/) ?? [];
    const fields = last.length >= 6 ? [last[1], last[3], last[5]] : last;
    const [size, available, mount] = fields;
    if (!/^\d+$/.test(size ?? '') || !/^\d+$/.test(available ?? ''))
        return undefined;
    return { sizeKb: Number(size), availableKb: Number(available), mount: mount ?? '?' };
}
/** /etc/os-release text (KEY=value, values quoted or not). */
function parseOsRelease(text) {
    const values = {};
    for (const line of text.split('\n')) {
        const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
        if (match)
            values[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
    }
    return { id: values.ID ?? '', versionId: values.VERSION_ID ?? '', prettyName: values.PRETTY_NAME ?? '' };
}
/**
 * The runbook asks for Ubuntu 22.04+ (24.04 recommended). An older Ubuntu fails; another
 * distribution warns: it is not what the runbook was written for, but nothing here proves it unfit.
 */
function gradeOs(os) {
    const name = os.prettyName || [os.id, os.versionId].filter((part) => part !== '').join(' ') || 'unknown';
    if (os.id === '')
        return { value: 'unknown (no /etc/os-release)', verdict: 'warn' };
    if (os.id.toLowerCase() !== 'ubuntu')
        return { value: `${name} (not Ubuntu)`, verdict: 'warn' };
    const version = parseVersion(os.versionId);
    if (version === undefined)
        return { value: name, verdict: 'warn' };
    const minimum = parseVersion(RUNBOOK_PREFLIGHT.minimumUbuntu) ?? [];
    const recommended = parseVersion(RUNBOOK_PREFLIGHT.recommended.ubuntu) ?? [];
    if (compareVersions(version, minimum) < 0)
        return { value: name, verdict: 'fail' };
    if (compareVersions(version, recommended) < 0)
        return { value: name, verdict: 'warn' };
    return { value: name, verdict: 'pass' };
}
/** A version against a minimum (`major.minor`). */
function gradeVersion(text, minimum) {
    const version = parseVersion(text);
    const wanted = parseVersion(minimum);
    if (version === undefined || wanted === undefined)
        return 'fail';
    return compareVersions(version, wanted) < 0 ? 'fail' : 'pass';
}
/** `notAfter=May 10 12:00:00 2027 GMT` as a date and the days left from `nowSeconds`. */
function describeExpiry(enddate, nowSeconds) {
    const text = enddate.replace(/^notAfter=/, '').trim();
    const time = Date.parse(text.replace(/\s+/g, ' '));
    if (Number.isNaN(time))
        return `expires ${text}`;
    const days = Math.floor((time / 1000 - nowSeconds) / 86400);
    const date = new Date(time).toISOString().slice(0, 10);
    const plural = (n) => `${n} day${n === 1 ? '' : 's'}`;
    return days >= 0 ? `expires ${date} (in ${plural(days)})` : `expired ${date} (${plural(-days)} ago)`;
}
const GB = 1e9;
const GIB = 1024 ** 3;
const format = (value) => (Math.round(value * 10) / 10).toString();
/** Judges the script's answers; pure, so every row is unit-tested from text. */
function judgePreflight(host, output, options) {
    const facts = parseFacts(output);
    const first = (key) => facts.get(key)?.[0] ?? [];
    const results = [];
    const row = (check, value, minimum, recommended, verdict) => results.push({
        host,
        check,
        value,
        threshold: recommended === '' ? minimum : `min ${minimum}, recommended ${recommended}`,
        verdict,
        minimum,
        recommended,
    });
    const t = options.thresholds;
    const recommended = RUNBOOK_PREFLIGHT.recommended;
    const cpus = Number(first('nproc')[0]);
    const cpuRecommended = Math.max(t.minCpus, recommended.cpus);
    if (Number.isInteger(cpus) && cpus > 0)
        row('cpu cores', String(cpus), String(t.minCpus), String(cpuRecommended), gradeAtLeast(cpus, t.minCpus, cpuRecommended));
    else
        row('cpu cores', 'unknown (nproc gave nothing)', String(t.minCpus), String(cpuRecommended), 'fail');
    // GB = GiB for memory, as people speak of RAM; MemTotal leaves out what the kernel keeps.
    const memKb = parseMemTotalKb(first('memtotal')[0] ?? '');
    const memRecommended = Math.max(t.minMemoryGb, recommended.memoryGb);
    if (memKb !== undefined) {
        const gib = (memKb * 1024) / GIB;
        row('memory', `${format(gib)} GiB`, `${t.minMemoryGb} GB`, `${memRecommended} GB`, gradeAtLeast(gib / SIZE_ALLOWANCE, t.minMemoryGb, memRecommended));
    }
    else
        row('memory', 'unknown (no MemTotal)', `${t.minMemoryGb} GB`, `${memRecommended} GB`, 'fail');
    // Disk sizes are decimal GB, as disks are sold; df shows less than the device (file system overhead).
    const [dfPath, dfText] = first('df');
    const disk = parseDf(dfText ?? '');
    const diskRecommended = Math.max(t.minDiskGb, recommended.diskGb);
    if (disk !== undefined) {
        const size = (disk.sizeKb * 1024) / GB;
        row(`disk size (${disk.mount})`, `${format(size)} GB (${format((disk.availableKb * 1024) / GB)} GB free)`, `${t.minDiskGb} GB`, `${diskRecommended} GB`, gradeAtLeast(size / SIZE_ALLOWANCE, t.minDiskGb, diskRecommended));
    }
    else
        row('disk size', `unknown (df ${dfPath ?? options.appDir} gave nothing)`, `${t.minDiskGb} GB`, `${diskRecommended} GB`, 'fail');
    const [osId, osVersion] = first('os');
    const os = gradeOs({ id: osId ?? '', versionId: osVersion ?? '', prettyName: first('os_name')[0] ?? '' });
    row('os', os.value, `Ubuntu ${RUNBOOK_PREFLIGHT.minimumUbuntu}+`, `Ubuntu ${recommended.ubuntu} LTS`, os.verdict);
    const [dockerState, dockerText] = first('docker');
    if (dockerState === 'ok')
        row('docker', dockerText ?? '', `${t.minDockerVersion}+`, 'latest stable', gradeVersion(dockerText ?? '', t.minDockerVersion));
    else
        row('docker', dockerState === 'missing'
            ? 'not installed'
            : `engine not reachable: ${dockerText ?? 'no answer'} (is the user in the docker group?)`, `${t.minDockerVersion}+`, 'latest stable', 'fail');
    const [composeWords, composeVersion] = first('compose');
    if (composeWords)
        row('compose', `${composeWords} ${composeVersion}${parseVersion(composeVersion ?? '')?.[0] === 1 ? ' (v1, end of life since 2023)' : ''}`, `v${t.minComposeVersion}+`, 'latest stable', gradeVersion(composeVersion ?? '', t.minComposeVersion));
    else
        row('compose', options.composeCommand === 'auto'
            ? 'neither "docker compose" nor "docker-compose" answers'
            : `"${composeVersion ?? ''}" does not answer "version --short"`, `v${t.minComposeVersion}+`, 'latest stable', 'fail');
    const tools = new Map((facts.get('tool') ?? []).map(([name, path]) => [name, path ?? '']));
    for (const [tool, need] of Object.entries(PREFLIGHT_TOOLS)) {
        if (tool === 'docker')
            continue; // its own row
        const path = tools.get(tool) ?? '';
        row(`tool ${tool}`, path === '' ? 'not installed' : path, need === 'required' ? 'installed' : '', need === 'required' ? '' : 'installed', path !== '' ? 'pass' : need === 'required' ? 'fail' : 'warn');
    }
    const [envState, envMode] = first('envfile');
    const worldReadable = envMode !== undefined && /^[0-7]{3,4}$/.test(envMode) && (Number(envMode.at(-1)) & 4) !== 0;
    row(`env-file ${options.envFile}`, envState === 'present'
        ? `present${envMode ? `, mode ${envMode}` : ''}${worldReadable ? ' (readable by every user on the server)' : ''}`
        : (envState ?? 'not read'), 'present', 'not readable by others', envState !== 'present' ? 'fail' : worldReadable ? 'warn' : 'pass');
    const secrets = new Map((facts.get('secret') ?? []).map(([name, state]) => [name, state ?? '']));
    for (const name of options.requiredSecrets) {
        const state = secrets.get(name) ?? 'not read';
        const value = state === 'present'
            ? 'present (set, non-empty)'
            : state === 'empty'
                ? 'empty'
                : state === 'missing'
                    ? envState === 'present'
                        ? `missing from ${options.envFile}`
                        : `missing (no readable ${options.envFile})`
                    : state;
        row(`secret ${name}`, value, 'set, non-empty', '', state === 'present' ? 'pass' : 'fail');
    }
    if (options.tlsCert !== undefined) {
        const [tlsState, enddate] = first('tls');
        const now = Number(first('now')[0]) || Date.now() / 1000;
        const expiry = enddate === undefined ? '' : describeExpiry(enddate, now);
        const values = {
            ok: [expiry, 'pass'],
            expiring: [`${expiry}: expiring within ${CERT_WARN_DAYS} days`, 'warn'],
            expired: [expiry, 'fail'],
            missing: ['missing', 'fail'],
            unreadable: ['unreadable (permissions)', 'fail'],
            unparseable: ['not a PEM certificate openssl can read', 'fail'],
            'no-openssl': ['present; not verified: openssl is not installed on the server', 'warn'],
        };
        const [value, verdict] = values[tlsState ?? ''] ?? ['not read', 'fail'];
        row(`tls-cert ${options.tlsCert}`, value, 'valid', `valid > ${CERT_WARN_DAYS} days`, verdict);
    }
    return results;
}
/** Builds the argument list of the preflight script (exported for the unit tests). */
function preflightArgs(options) {
    for (const name of options.requiredSecrets) {
        // The inputs validate them; a caller building options by hand is held to the same rule.
        if (!preflight_ENV_NAME.test(name))
            throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
    }
    return [
        options.appDir,
        options.envFile,
        options.tlsCert ?? '',
        String(options.requiredSecrets.length),
        ...options.requiredSecrets,
        ...(options.composeCommand === 'auto' ? [] : options.composeCommand),
    ];
}
/**
 * The preflight on one server: one remote script, then a row per item (value, minimum, recommended,
 * verdict). A script that cannot run gives one failing row; a cancelled run throws CancelledError.
 */
async function preflightChecks(session, options) {
    const result = await session.exec(shell_toSshCommand(PREFLIGHT_SCRIPT, preflightArgs(options)), {
        echo: 'none',
        timeoutSeconds: 120,
    });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0 || result.stdout.trim() === '')
        return [scriptFailedRow(session.label, 'preflight', result, { minimum: 'runs', recommended: '' })];
    return judgePreflight(session.label, result.stdout, options);
}

;// CONCATENATED MODULE: ./packages/shared/src/health/backups.ts
/**
 * Runbook §8: the newest backup's age and size, and the retention tiers (daily 7, weekly 4,
 * monthly 3) as a report. The list comes from `restore-command --list` (as a full rollback reads it);
 * sizes and times from `stat` inside the backup container when one is set, else on the host.
 */



/** Runbook §8's retention table. */
const RETENTION = { daily: 7, weekly: 4, monthly: 3 };
/**
 * $1 app-dir, $2 restore-command (a validated command prefix, run as rollback runs it), $3 the backup
 * container (empty = the files are on the host). Prints `key<TAB>value` lines: the server's time and
 * UTC offset (for timestamps in names), the listing, and `stat` of every listed absolute path.
 */
const BACKUP_SCRIPT = `
out() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
t() { if command -v timeout >/dev/null 2>&1; then timeout 60 "$@"; else "$@"; fi; }
app=$1; restore=$2; c=$3
out now "$(date +%s)"
if [ -n "$c" ]; then
  if s=$(t docker container inspect --format '{{.State.Status}}' "$c" 2>&1); then :
  else case $s in *"No such"*|*"no such"*) s=absent ;; *) s="not inspectable: $(printf '%s' "$s" | tail -n 1)" ;; esac; fi
  if [ "$s" != running ]; then out container "$s"; exit 0; fi
  out tz "$(t docker exec "$c" date +%z 2>/dev/null)"
else
  out tz "$(date +%z)"
fi
cd "$app" || exit 3
list=$(eval "$restore --list" </dev/null) || { out list_failed "$?"; exit 0; }
printf '%s\\n' "$list" | sed -n 's/^/file\t/p'
printf '%s\\n' "$list" | awk '{ print $NF }' | grep '^/' | tr '\\n' '\\000' | if [ -n "$c" ]; then
  xargs -0 -r docker exec "$c" stat -c 'stat\t%s\t%Y\t%n' --
else
  xargs -0 -r stat -c 'stat\t%s\t%Y\t%n' --
fi 2>/dev/null
exit 0
`;
/** The files of a `restore-command --list` listing: the last word of each line that looks like one. */
function listedBackups(listing) {
    return listing
        .split('\n')
        .map((line) => line.trim().split(/\s+/).pop() ?? '')
        .filter((file) => /\//.test(file) || /\.(sql|gz|dump|bak|zst|xz|bz2)$/.test(file));
}
/** `daily`, `weekly` or `monthly` as a word of the path (`/backups/daily/`, `thinktank_daily_...`). */
function tierOf(path) {
    const match = /(?:^|[/_.-])(daily|weekly|monthly)(?=[/_.-]|$)/i.exec(path);
    return match ? match[1].toLowerCase() : undefined;
}
/** `+0100` → 3600; anything else → 0 (UTC). */
function offsetSeconds(text) {
    const match = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
    if (!match)
        return 0;
    return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}
/** The `YYYYMMDD_HHMMSS` of a backup's name as seconds since the epoch; undefined when none or not a date. */
function stampOf(path, utcOffsetSeconds = 0) {
    const name = path.split('/').pop() ?? path;
    const match = /(?:^|\D)(\d{4})(\d{2})(\d{2})[_-]?(\d{2})(\d{2})(\d{2})(?!\d)/.exec(name);
    if (!match)
        return undefined;
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
    const time = Date.UTC(year, month - 1, day, hour, minute, second);
    const date = new Date(time);
    // Date.UTC rolls 20261332 over to a later month: refuse what is not a real date and time.
    if (date.getUTCMonth() !== month - 1 ||
        date.getUTCDate() !== day ||
        hour > 23 ||
        minute > 59 ||
        second > 59)
        return undefined;
    return time / 1000 - utcOffsetSeconds;
}
function backupEntries(listing, utcOffsetSeconds = 0) {
    return listedBackups(listing).map((path) => ({
        path,
        tier: tierOf(path),
        stampSeconds: stampOf(path, utcOffsetSeconds),
    }));
}
/** Retention as a report: counts per tier against the runbook; warns only when a tier holds more (pruning broken). */
function retentionRow(entries) {
    const counts = { daily: 0, weekly: 0, monthly: 0, other: 0 };
    for (const entry of entries)
        counts[entry.tier ?? 'other']++;
    const tiers = Object.keys(RETENTION).map((tier) => `${tier} ${counts[tier]}/${RETENTION[tier]}${counts[tier] > RETENTION[tier] ? ' (more than kept: is pruning running?)' : ''}`);
    if (counts.other > 0)
        tiers.push(`unclassified ${counts.other}`);
    const over = Object.keys(RETENTION).some((tier) => counts[tier] > RETENTION[tier]);
    return { value: tiers.join(', '), verdict: over ? 'warn' : 'pass' };
}
/** Hours as people read them. */
function describeAge(seconds) {
    const hours = seconds / 3600;
    if (hours < 0)
        return `${(-hours).toFixed(1)} h in the future (clock skew?)`;
    return hours < 48 ? `${hours.toFixed(1)} h old` : `${(hours / 24).toFixed(1)} days old`;
}
function describeSize(bytes) {
    if (bytes < 1024)
        return `${bytes} bytes`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${value.toFixed(1)} ${units[unit]}`;
}
/** Judges the script's answers; pure, so every row is unit-tested from text. */
function judgeBackups(host, output, options, listFailure) {
    const facts = parseFacts(output);
    const first = (key) => facts.get(key)?.[0] ?? [];
    const maxAge = options.maxAgeHours;
    const ageThreshold = `warn > ${maxAge} h, fail > ${maxAge * 2} h`;
    const results = [];
    const add = (check, value, threshold, verdict) => results.push({ host, check, value, threshold, verdict });
    const skipRest = (why) => {
        add('backup size', why, 'more than 0 bytes', 'skip');
        add('backup retention', why, 'daily 7, weekly 4, monthly 3', 'skip');
    };
    const container = first('container')[0];
    if (container !== undefined) {
        const why = `not listed: the backup container ${options.backupContainer ?? ''} is ${container}`;
        add('newest backup', why, ageThreshold, 'skip');
        skipRest(why);
        return results;
    }
    const failed = first('list_failed')[0];
    if (failed !== undefined || listFailure !== undefined) {
        const why = listFailure ?? `restore-command --list exited with code ${failed}`;
        add('newest backup', why, ageThreshold, 'fail');
        skipRest('not listed');
        return results;
    }
    const now = Number(first('now')[0]) || Date.now() / 1000;
    const entries = backupEntries((facts.get('file') ?? []).map((values) => values.join('\t')).join('\n'), offsetSeconds(first('tz')[0] ?? ''));
    if (entries.length === 0) {
        add('newest backup', 'none: restore-command --list names no backup', ageThreshold, 'fail');
        skipRest('no backup listed');
        return results;
    }
    const stats = new Map();
    for (const [size, mtime, ...name] of facts.get('stat') ?? []) {
        if (/^\d+$/.test(size ?? '') && /^\d+$/.test(mtime ?? ''))
            stats.set(name.join('\t'), { size: Number(size), mtime: Number(mtime) });
    }
    // The newest by the name's timestamp (the runbook's naming); without one, by mtime.
    const timeOf = (entry) => entry.stampSeconds ?? stats.get(entry.path)?.mtime;
    const timed = entries.filter((entry) => timeOf(entry) !== undefined);
    const newest = timed.length > 0 ? timed.reduce((a, b) => ((timeOf(b) ?? 0) >= (timeOf(a) ?? 0) ? b : a)) : undefined;
    if (newest === undefined) {
        add('newest backup', `${entries.length} listed, none with a timestamp in its name or a readable modification time`, ageThreshold, 'fail');
    }
    else {
        const age = now - (timeOf(newest) ?? now);
        const source = newest.stampSeconds !== undefined ? 'by its name' : 'by its modification time';
        add('newest backup', `${newest.path}, ${describeAge(age)} (${source})`, ageThreshold, age > maxAge * 2 * 3600 ? 'fail' : age > maxAge * 3600 ? 'warn' : 'pass');
    }
    const sized = newest ?? entries.at(-1);
    const stat = sized === undefined ? undefined : stats.get(sized.path);
    if (stat === undefined)
        add('backup size', `unknown: stat found no ${sized?.path ?? 'file'} ${options.backupContainer ? `in ${options.backupContainer}` : 'on the host'}`, 'more than 0 bytes', 'warn');
    else
        add('backup size', `${describeSize(stat.size)}${stat.size === 0 ? ' (empty: the backup failed)' : ''}`, 'more than 0 bytes', stat.size > 0 ? 'pass' : 'fail');
    const retention = retentionRow(entries);
    add('backup retention', retention.value, 'daily 7, weekly 4, monthly 3', retention.verdict);
    return results;
}
/** The backup checks on one server (one round trip). A cancelled run throws CancelledError. */
async function backupChecks(session, options) {
    const result = await session.exec(shell_toSshCommand(BACKUP_SCRIPT, [options.appDir, options.restoreCommand, options.backupContainer ?? '']), { echo: 'none', timeoutSeconds: 180 });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    let failure;
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) {
        const why = result.stderrTail.slice(-3).join(' ').trim();
        failure =
            result.outcome.kind === 'exited' && result.outcome.code === 3
                ? `app-dir ${options.appDir} does not exist on the server`
                : `the backup script ${result.outcome.kind === 'exited' ? `exited with code ${result.outcome.code}` : result.outcome.kind}${why ? `: ${why}` : ''}`;
    }
    const facts = parseFacts(result.stdout);
    if (failure === undefined && facts.get('list_failed') !== undefined) {
        const why = result.stderrTail.slice(-3).join(' ').trim();
        failure = `restore-command --list exited with code ${facts.get('list_failed')?.[0]?.[0] ?? '?'}${why ? `: ${why}` : ''}`;
    }
    return judgeBackups(session.label, result.stdout, options, failure);
}

;// CONCATENATED MODULE: ./packages/shared/src/health/dependencies.ts
/**
 * Runbook §7 (and §8's "backup container running"): PostgreSQL (`pg_isready` in its container), Redis
 * (`redis-cli ping`), PostgreSQL connections against `max_connections`, the CPU and memory of the
 * stack's containers (`docker stats --no-stream`) and the backup container's state. One remote script
 * per round; container names travel as arguments. A container that does not exist is reported as
 * absent (a warning), never as a crash.
 */




/** Runbook §7 thresholds, in percent. */
const CONNECTIONS_WARN = 80;
const CONNECTIONS_FAIL = 95;
const CONTAINER_WARN = 70;
const CONTAINER_FAIL = 90;
const CONNECTIONS_SQL = "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), current_setting('max_connections') FROM pg_stat_activity";
/**
 * $1 app-dir, $2 compose file, $3 postgres, $4 redis, $5 backup container (each empty = not checked),
 * $6 the connections query, $7 `auto`, `none` or `words`, then the compose command's words. Prints
 * `key<TAB>value<TAB>value` lines.
 */
const DEPENDENCY_SCRIPT = `
out() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
flat() { tr '\\n\\t' '  ' | cut -c1-300; }
t() { if command -v timeout >/dev/null 2>&1; then timeout 30 "$@"; else "$@"; fi; }
state() {
  if s=$(t docker container inspect --format '{{.State.Status}}' "$1" 2>&1); then echo "$s"; return; fi
  case $s in *"No such"*|*"no such"*) echo absent ;; *) echo "error: $(printf '%s' "$s" | tail -n 2 | flat)" ;; esac
}
app=$1; file=$2; pg=$3; redis=$4; backup=$5; sql=$6; shift 6
# The stack's running containers: by the label Compose (v1 and v2) puts on them, the directory of the
# compose file (one fast docker call); else \`compose ps\` (about a second for v1). For \`auto\`, the
# command as detectCompose finds it, but with \`command -v\` rather than v1's slow \`version\`.
mode=$1; shift
ids=''
if [ "$mode" != none ]; then
  ids=$(t docker ps -q --filter "label=com.docker.compose.project.working_dir=$(dirname "$app/$file")" 2>/dev/null)
  if [ -z "$ids" ] && [ "$mode" = auto ]; then
    if docker compose version >/dev/null 2>&1; then set -- docker compose
    elif command -v docker-compose >/dev/null 2>&1; then set -- docker-compose; fi
  fi
  if [ -z "$ids" ] && [ $# -gt 0 ]; then ids=$(cd "$app" && t "$@" -f "$file" ps -q 2>/dev/null); fi
fi
if [ -n "$ids" ]; then out stack listed; else out stack unlisted; fi
# From here "$@" is the containers to measure: the stack's and the running dependency containers.
set --
for id in $ids; do set -- "$@" "$id"; done
pgs=; rs=; bs=
if [ -n "$pg" ]; then pgs=$(state "$pg"); out pg_state "$pgs"; [ "$pgs" = running ] && set -- "$@" "$pg"; fi
if [ -n "$redis" ]; then rs=$(state "$redis"); out redis_state "$rs"; [ "$rs" = running ] && set -- "$@" "$redis"; fi
if [ -n "$backup" ]; then bs=$(state "$backup"); out backup_state "$bs"; [ "$bs" = running ] && set -- "$@" "$backup"; fi
out nproc "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"
out measured $#
# docker stats --no-stream takes about 2 s (it samples twice): measured while the probes run.
tmp=$(mktemp 2>/dev/null) || tmp=/tmp/tt-health-stats.$$
if [ $# -gt 0 ]; then
  {
    t docker stats --no-stream --format '{{.Name}}\t{{.CPUPerc}}\t{{.MemPerc}}' "$@" 2>/dev/null | sed 's/^/stats\t/'
    t docker container inspect --format '{{.Name}}\t{{.HostConfig.NanoCpus}}\t{{.HostConfig.CpuQuota}}\t{{.HostConfig.CpuPeriod}}' "$@" 2>/dev/null | sed 's/^/limits\t/'
  } > "$tmp" &
fi
if [ "$pgs" = running ]; then
  r=$(t docker exec "$pg" pg_isready 2>&1); rc=$?; out pg_ready "$rc" "$(printf '%s' "$r" | flat)"
  r=$(t docker exec -e PGCONNECT_TIMEOUT=5 "$pg" sh -c 'psql -X -U "\${POSTGRES_USER:-postgres}" -d "\${POSTGRES_DB:-\${POSTGRES_USER:-postgres}}" -tAc "$1"' sh "$sql" 2>&1); rc=$?
  out pg_connections "$rc" "$(printf '%s' "$r" | flat)"
fi
if [ "$rs" = running ]; then
  r=$(t docker exec "$redis" sh -c 'if [ -n "\${REDIS_PASSWORD:-}" ]; then REDISCLI_AUTH=$REDIS_PASSWORD; export REDISCLI_AUTH; fi; exec redis-cli ping' 2>&1); rc=$?
  out redis_ping "$rc" "$(printf '%s' "$r" | flat)"
fi
wait
cat "$tmp" 2>/dev/null
rm -f "$tmp"
`;
/** `12.5%` → 12.5; `--` (a container without numbers yet) → undefined. */
function parsePercent(text) {
    const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
    return match ? Number(match[1]) : undefined;
}
/** Above `failAt` fails, above `warnAt` warns (runbook §7 says "> 80%", so exactly 80 passes). */
function gradeAbove(value, warnAt, failAt) {
    if (value > failAt)
        return 'fail';
    if (value > warnAt)
        return 'warn';
    return 'pass';
}
/** psql `-tA` output `count|max` → the numbers. */
function parseConnections(text) {
    const match = /^\s*(\d+)\|(\d+)\s*$/m.exec(text);
    if (!match || Number(match[2]) === 0)
        return undefined;
    return { used: Number(match[1]), max: Number(match[2]) };
}
/**
 * docker stats' CPU% counts one core as 100% (up to 100 × the host's CPUs). Runbook §7's 70/90% are
 * read as a share of what the container may use: its CPU limit (NanoCpus, or quota/period), else
 * every CPU of the host.
 */
function containerUsage(stats, limits, hostCpus) {
    const cpusOf = new Map();
    for (const [name, nano, quota, period] of limits) {
        const nanoCpus = Number(nano);
        const cpus = nanoCpus > 0
            ? nanoCpus / 1e9
            : Number(quota) > 0 && Number(period) > 0
                ? Number(quota) / Number(period)
                : 0;
        if (cpus > 0)
            cpusOf.set(name.replace(/^\//, ''), cpus);
    }
    const seen = new Map();
    for (const [name, cpu, memory] of stats) {
        const cpuPercent = parsePercent(cpu ?? '');
        const memoryPercent = parsePercent(memory ?? '');
        if (name === undefined || cpuPercent === undefined || memoryPercent === undefined)
            continue;
        const cpus = cpusOf.get(name) ?? Math.max(1, hostCpus);
        seen.set(name, { name, cpuPercent: cpuPercent / cpus, memoryPercent });
    }
    return [...seen.values()];
}
/** One row from the usage of every container: the highest, and the ones above the warning level. */
function usageRow(usages, key) {
    if (usages.length === 0)
        return { value: 'no running container to measure', verdict: 'skip' };
    const sorted = [...usages].sort((a, b) => b[key] - a[key]);
    const top = sorted[0];
    const over = sorted.filter((usage) => usage[key] > CONTAINER_WARN);
    const shown = (usage) => `${usage.name} ${usage[key].toFixed(1)}%`;
    const value = over.length > 0
        ? `${over.map(shown).join(', ')} (of ${usages.length} containers)`
        : `highest ${shown(top)} (of ${usages.length} containers)`;
    return { value, verdict: gradeAbove(top[key], CONTAINER_WARN, CONTAINER_FAIL) };
}
/** A container's state as a row: running passes, absent warns, anything else fails. */
function stateRow(state) {
    if (state === 'running')
        return { value: 'running', verdict: 'pass' };
    if (state === 'absent')
        return { value: 'absent (no such container)', verdict: 'warn' };
    return { value: state || 'state unknown', verdict: 'fail' };
}
/** Judges the script's answers; pure, so every row is unit-tested from text. */
function judgeDependencies(host, output, options) {
    const facts = parseFacts(output);
    const first = (key) => facts.get(key)?.[0] ?? [];
    const results = [];
    const add = (check, value, threshold, verdict) => results.push({ host, check, value, threshold, verdict });
    if (options.postgresContainer !== undefined) {
        const check = `postgres (${options.postgresContainer})`;
        const state = stateRow(first('pg_state')[0]);
        const [readyCode, readyText] = first('pg_ready');
        if (state.value !== 'running')
            add(check, state.value, 'pg_isready accepts', state.verdict);
        else
            add(check, readyText || `pg_isready exited with ${readyCode}`, 'pg_isready accepts', readyCode === '0' ? 'pass' : 'fail');
        const threshold = `warn > ${CONNECTIONS_WARN}%, fail > ${CONNECTIONS_FAIL}% of max_connections`;
        const [connectionsCode, connectionsText] = first('pg_connections');
        const connections = parseConnections(connectionsText ?? '');
        if (state.value !== 'running')
            add('postgres connections', 'not checked: postgres is not running', threshold, 'skip');
        else if (connectionsCode !== '0' || connections === undefined)
            add('postgres connections', `could not count them: ${connectionsText || `psql exited with ${connectionsCode}`}`, threshold, readyCode === '0' ? 'warn' : 'skip');
        else {
            const percent = (connections.used / connections.max) * 100;
            add('postgres connections', `${connections.used} of ${connections.max} (${percent.toFixed(0)}%)`, threshold, gradeAbove(percent, CONNECTIONS_WARN, CONNECTIONS_FAIL));
        }
    }
    if (options.redisContainer !== undefined) {
        const check = `redis (${options.redisContainer})`;
        const state = stateRow(first('redis_state')[0]);
        const [code, text] = first('redis_ping');
        if (state.value !== 'running')
            add(check, state.value, 'PONG', state.verdict);
        else
            add(check, text || `redis-cli exited with ${code}`, 'PONG', code === '0' && text === 'PONG' ? 'pass' : 'fail');
    }
    const usages = containerUsage(facts.get('stats') ?? [], facts.get('limits') ?? [], Number(first('nproc')[0]) || 1);
    // docker stats that answered nothing for the containers it was given is a problem, not "nothing to measure".
    const measured = Number(first('measured')[0]) || 0;
    const unanswered = measured > 0 && usages.length === 0
        ? { value: `docker stats answered nothing for ${measured} containers`, verdict: 'warn' }
        : undefined;
    const cpu = unanswered ?? usageRow(usages, 'cpuPercent');
    const memory = unanswered ?? usageRow(usages, 'memoryPercent');
    const scope = first('stack')[0] === 'listed' ? '' : ' (the stack was not listed: dependency containers only)';
    add('container cpu', cpu.value + scope, `warn > ${CONTAINER_WARN}%, fail > ${CONTAINER_FAIL}%`, cpu.verdict);
    add('container memory', memory.value + scope, `warn > ${CONTAINER_WARN}%, fail > ${CONTAINER_FAIL}%`, memory.verdict);
    if (options.backupContainer !== undefined) {
        // Unlike PostgreSQL or Redis (absent: perhaps not run in a container here), the backup container
        // must run (runbook §8): absent fails.
        const state = stateRow(first('backup_state')[0]);
        add(`backup container (${options.backupContainer})`, state.value, 'running', state.value === 'running' ? 'pass' : 'fail');
    }
    return results;
}
/**
 * The dependency checks on one server. The stack's containers (`compose ps` in appDir with
 * `compose`: its words, or `auto` as the compose-command input) are measured with the running
 * dependency containers; with `compose` undefined, the dependency containers only.
 */
async function dependencyChecks(session, options, compose) {
    const args = [
        options.appDir,
        options.composeFile,
        options.postgresContainer ?? '',
        options.redisContainer ?? '',
        options.backupContainer ?? '',
        CONNECTIONS_SQL,
        ...(compose === undefined ? ['none'] : compose === 'auto' ? ['auto'] : ['words', ...compose]),
    ];
    const result = await session.exec(shell_toSshCommand(DEPENDENCY_SCRIPT, args), {
        echo: 'none',
        timeoutSeconds: 180,
    });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0)
        return [scriptFailedRow(session.label, 'dependencies', result)];
    return judgeDependencies(session.label, result.stdout, options);
}

;// CONCATENATED MODULE: ./packages/shared/src/swarm/state.ts
const STACK_NAMESPACE = 'com.docker.stack.namespace';
/**
 * $1 stack: prints every service of the stack as `docker service inspect` JSON, one a line, then
 * `--tasks--` and the stack's tasks (running, stopping, and the short history Swarm keeps) as JSON,
 * one a line. A task gone between the listing and its inspection is left out.
 */
const STACK_STATE_SCRIPT = `
services=$(docker stack services -q "$1") || exit $?
if [ -n "$services" ]; then docker service inspect --format '{{json .}}' $services || exit $?; fi
echo --tasks--
tasks=$(docker stack ps -q --no-trunc "$1" 2>/dev/null) || tasks=
if [ -n "$tasks" ]; then docker inspect --type task --format '{{json .}}' $tasks 2>/dev/null; fi
exit 0`;
/** Prints `<LocalNodeState> <ControlAvailable>`: `active true` on a manager. */
const NODE_STATE_COMMAND = {
    argv: ['docker', 'info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'],
};
/** `docker stack deploy` of the checkout's compose file with IMAGE_TAG exported; nothing is built. */
/**
 * `docker stack` reads no `.env` (compose does): the stack's settings (the runbook keeps its secrets
 * there) would come through empty. This exports the `.env` beside the compose file as compose reads
 * it (`NAME=value` lines, `#` comments, one pair of surrounding quotes taken off, nothing expanded),
 * on the server, so no value is on a command line; IMAGE_TAG is the run's whatever `.env` says.
 * $1 the .env file, $2 the image tag, then the command.
 */
const STACK_ENV_SCRIPT = (/* unused pure expression or super */ null && (`envfile=$1 tag=$2; shift 2
cr=$(printf '\\r') dq='"' sq="'"
if [ -f "$envfile" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line=\${line%"$cr"}
    case $line in ''|'#'*) continue ;; esac
    key=\${line%%=*} value=\${line#*=}
    key=\${key#export }
    case $key in ''|[0-9]*|*[!A-Za-z0-9_]*) continue ;; esac
    case $value in
      "$dq"*"$dq") value=\${value#"$dq"} value=\${value%"$dq"} ;;
      "$sq"*"$sq") value=\${value#"$sq"} value=\${value%"$sq"} ;;
    esac
    export "$key=$value"
  done <"$envfile"
fi
IMAGE_TAG=$tag; export IMAGE_TAG
exec "$@"`));
/**
 * `command` (a `docker stack` command with IMAGE_TAG in its env) as it is run: with the stack's `.env`
 * exported first (STACK_ENV_SCRIPT). Plans show `command` itself, as a person would type it.
 */
function state_withStackEnv(connection, command) {
    const file = stackFile(connection);
    const envFile = `${file.slice(0, file.lastIndexOf('/'))}/.env`;
    return {
        argv: ['sh', '-c', STACK_ENV_SCRIPT, 'sh', envFile, command.env?.IMAGE_TAG ?? '', ...command.argv],
        cwd: command.cwd,
    };
}
const stackFile = (connection) => `${connection.appDir.replace(/\/+$/, '')}/${connection.composeFile}`;
/** `docker stack deploy` of the compose file with IMAGE_TAG (run through withStackEnv). */
function state_stackDeployCommand(connection, imageTag) {
    return {
        argv: [
            'docker',
            'stack',
            'deploy',
            '--resolve-image',
            connection.resolveImage,
            '-c',
            stackFile(connection),
            connection.stackName,
        ],
        cwd: connection.appDir,
        env: { IMAGE_TAG: imageTag },
    };
}
/** `docker stack config`: the stack file as Swarm reads it (run through withStackEnv). */
function stackConfigCommand(connection, imageTag) {
    return {
        argv: ['docker', 'stack', 'config', '-c', stackFile(connection)],
        cwd: connection.appDir,
        env: { IMAGE_TAG: imageTag },
    };
}
function serviceOf(json, stack) {
    const name = json.Spec?.Name ?? '';
    const namespace = json.Spec?.Labels?.[STACK_NAMESPACE] ?? stack;
    const service = name.startsWith(`${namespace}_`) ? name.slice(namespace.length + 1) : name;
    const status = json.UpdateStatus ?? undefined;
    return {
        id: json.ID ?? '',
        name,
        service,
        image: json.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '',
        replicas: json.Spec?.Mode?.Replicated === undefined ? undefined : (json.Spec.Mode.Replicated.Replicas ?? 0),
        updateStatus: status === undefined || status.State === undefined
            ? undefined
            : { state: status.State, startedAt: status.StartedAt ?? '', message: status.Message ?? '' },
    };
}
/** Parses STACK_STATE_SCRIPT's output; lines that are not JSON are skipped. */
function parseStackState(text, stack) {
    const services = [];
    const tasks = [];
    let inTasks = false;
    for (const line of text.split('\n')) {
        if (line.trim() === '--tasks--') {
            inTasks = true;
            continue;
        }
        let json;
        try {
            json = line.trim() === '' ? undefined : JSON.parse(line);
        }
        catch {
            continue;
        }
        if (typeof json !== 'object' || json === null)
            continue;
        if (!inTasks) {
            services.push(serviceOf(json, stack));
            continue;
        }
        const task = json;
        tasks.push({
            id: task.ID ?? '',
            serviceId: task.ServiceID ?? '',
            state: task.Status?.State ?? 'unknown',
            desiredState: task.DesiredState ?? '',
            image: task.Spec?.ContainerSpec?.Image ?? '',
            error: task.Status?.Err ?? '',
        });
    }
    services.sort((a, b) => a.service.localeCompare(b.service));
    return { services, tasks };
}
/** `repo/name:tag@sha256:...` → `tag` ('' when the reference names none). */
function state_tagOfImage(image) {
    const withoutDigest = image.split('@')[0];
    const colon = withoutDigest.lastIndexOf(':');
    return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : '';
}
/** `repo/name:tag@sha256:...` → `repo/name:tag`. */
const withoutDigest = (image) => image.split('@')[0];
const FAILED_STATES = {
    paused: 'update paused by Swarm',
    rollback_completed: 'rolled back by Swarm',
    rollback_paused: 'rollback paused by Swarm',
};
/**
 * Where each service stands. `before` holds each service's update status read before the deploy:
 * an unchanged status is an old update's, not this deploy's. Tasks count when they run the image of
 * the service's current spec (the spec changes at once; its tasks follow).
 */
function state_judgeProgress(state, before) {
    return state.services.map((service) => {
        const meant = state.tasks.filter((task) => task.serviceId === service.id && task.desiredState === 'running');
        const running = meant.filter((task) => task.state === 'running' && withoutDigest(task.image) === withoutDigest(service.image)).length;
        // An old task still running after its replacement started (start-first): not converged yet.
        const stopping = state.tasks.filter((task) => task.serviceId === service.id && task.desiredState !== 'running' && task.state === 'running').length;
        const desired = service.replicas ?? Math.max(1, meant.length);
        const tasks = `${running}/${desired} running ${withoutDigest(service.image)}`;
        const old = before.get(service.name);
        const status = service.updateStatus;
        const ours = status !== undefined &&
            (old === undefined || old.startedAt !== status.startedAt || old.state !== status.state);
        const base = { service: service.service, image: service.image, desired, running };
        if (ours && FAILED_STATES[status.state] !== undefined) {
            return {
                ...base,
                phase: 'failed',
                state: `${FAILED_STATES[status.state]}${status.message ? `: ${status.message}` : ''}`,
            };
        }
        if (ours && status.state !== 'completed') {
            const failing = meant.find((task) => task.error !== '')?.error;
            return {
                ...base,
                phase: 'pending',
                state: `${status.state} (${tasks})${failing ? `; a task failed: ${failing}` : ''}`,
            };
        }
        if (running >= desired && stopping === 0)
            return { ...base, phase: 'converged', state: `${ours ? 'updated, ' : ''}${tasks}` };
        if (running >= desired)
            return { ...base, phase: 'pending', state: `${tasks}, ${stopping} old stopping` };
        const failing = meant.find((task) => task.error !== '')?.error;
        return { ...base, phase: 'pending', state: `${tasks}${failing ? `; a task failed: ${failing}` : ''}` };
    });
}
/** Each service's update status by full name, to tell this deploy's updates from older ones. */
function state_updateStatuses(state) {
    return new Map(state.services.map((service) => [service.name, service.updateStatus]));
}
/** Health: a service is healthy when every replica it wants is running its current image. */
function replicaRows(state) {
    return state_judgeProgress(state, state_updateStatuses(state)).map((progress) => ({
        service: progress.service,
        value: `${progress.running}/${progress.desired} running (${withoutDigest(progress.image)})`,
        ok: progress.running >= progress.desired,
    }));
}

;// CONCATENATED MODULE: ./packages/shared/src/swarm/deploy.ts
/**
 * `orchestrator: swarm`: deploy and roll back a stack on a Swarm manager. The action checks the
 * commit out there (for the compose file), runs the migration once before the stack update, runs
 * `docker stack deploy` with IMAGE_TAG, and waits while Swarm rolls each service as its
 * `deploy.update_config` says: it reads the progress, never steers it. A service Swarm rolls back or
 * pauses fails the run, named.
 */













/** Refuses a host that is not a Swarm manager, saying what it is. */
async function requireManager(session) {
    const answer = (await session.run(shell_commandLine(NODE_STATE_COMMAND), 'docker info', { echo: 'stderr', timeoutSeconds: 60 })).trim();
    if (answer !== 'active true')
        throw new Error(output_inert(`${session.label} is not a Swarm manager (docker info says swarm state ${answer || 'unknown'}): ` +
            'orchestrator swarm needs host to be a manager node (docker swarm init, or docker node promote)'));
}
async function readStackState(session, stack) {
    const text = await session.run(shell_toSshCommand(STACK_STATE_SCRIPT, [stack]), `reading stack ${stack}`, {
        echo: 'none',
        timeoutSeconds: 120,
        maxBytes: 16 * 1024 * 1024,
    });
    return parseStackState(text, stack);
}
/** The tag most of the stack's services run now ('' when the stack does not exist). */
function runningTagOf(state) {
    const counts = new Map();
    for (const service of state.services) {
        const tag = tagOfImage(service.image);
        if (tag !== '')
            counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}
/** Thrown when the stack did not converge: names the services and what Swarm says of each. */
class ConvergeError extends Error {
    services;
    constructor(message, services) {
        super(message);
        this.services = services;
        this.name = 'ConvergeError';
    }
}
/**
 * Waits until every service of the stack has converged (its update completed, or never started,
 * and every replica running the image of its spec), logging each change. Fails once a service is
 * rolled back or paused by Swarm (after any rollback still under way has ended), or when the stack
 * has taken `perServiceSeconds` (wait-timeout) for each of its services: Swarm updates them side by
 * side, each as its update_config says, so the budget is the one the compose path's serial restarts have.
 */
async function waitForConvergence(session, stack, before, perServiceSeconds, signal) {
    const statuses = updateStatuses(before);
    const started = Date.now();
    let timeoutSeconds;
    const said = new Map();
    for (;;) {
        const progress = judgeProgress(await readStackState(session, stack), statuses);
        for (const service of progress) {
            if (said.get(service.service) === service.state)
                continue;
            said.set(service.service, service.state);
            core.info(inert(`${service.service}: ${service.state}`));
        }
        if (progress.length === 0)
            throw new ConvergeError(`stack ${stack} has no services on ${session.label} after docker stack deploy`, []);
        timeoutSeconds = perServiceSeconds * progress.length;
        const failed = progress.filter((service) => service.phase === 'failed');
        const rollingBack = progress.some((service) => service.state.startsWith('rollback_started'));
        if (failed.length > 0 && !rollingBack)
            throw new ConvergeError(inert(`Swarm did not complete the update of ${failed.map((service) => `${service.service} (${service.state})`).join('; ')}`), progress);
        if (progress.every((service) => service.phase === 'converged'))
            return progress;
        if (Date.now() >= started + timeoutSeconds * 1000) {
            const pending = progress.filter((service) => service.phase !== 'converged');
            throw new ConvergeError(inert(`the stack did not converge within ${timeoutSeconds}s: ${pending
                .map((service) => `${service.service} (${service.state})`)
                .join('; ')}`), progress);
        }
        await sleep(1000, signal);
    }
}
/**
 * Puts `release` in place: checks its commit out, `docker stack deploy` with its tag, waits for
 * convergence and for health-url. Returns what the wait saw; throws ConvergeError or HealthUrlError.
 */
async function rollOut(session, settings, release, signal, 
/** Called just before `docker stack deploy`: from then on the stack may have changed. */
onStackDeploy = () => undefined) {
    const { connection } = settings;
    const before = await readStackState(session, connection.stackName);
    await session.run(commandLine(checkoutCommand(connection.appDir, release.ref)), 'git checkout');
    const deploy = withStackEnv(connection, stackDeployCommand(connection, release.imageTag));
    onStackDeploy();
    await stage(`docker stack deploy ${connection.stackName} (${release.imageTag})`, () => session.run(commandLine(deploy), 'docker stack deploy'));
    const services = await stage('Wait for Swarm to converge', () => waitForConvergence(session, connection.stackName, before, settings.waitTimeoutSeconds, signal));
    const health = await stage(`Wait for ${settings.healthUrl}`, () => waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal));
    core.info(inert(`${settings.healthUrl}: ${health}`));
    return { services, health };
}
/** The stack's services as they are now, for an outcome after a failure. */
async function servicesNow(session, stack) {
    try {
        const state = await readStackState(session, stack);
        return judgeProgress(state, updateStatuses(state));
    }
    catch (error) {
        if (error instanceof CancelledError)
            throw error;
        return [];
    }
}
/** A swarm deploy, with the stages it went through. */
async function runSwarmDeploy(settings, context) {
    return withStages(() => runSwarmDeployUntimed(settings, context));
}
async function runSwarmDeployUntimed(settings, context) {
    const started = Date.now();
    const { session, signal } = context;
    const { connection } = settings;
    const imageTag = settings.imageTag ?? '';
    const notes = [];
    await requireManager(session);
    const resolve = () => resolveRef(session, connection.appDir, settings.ref, settings.remote);
    const cloned = await ensureCheckout(session, settings, resolve);
    const previousRef = cloned === undefined
        ? (await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
            echo: 'stderr',
        })).trim()
        : '';
    if (cloned === undefined)
        await session.run(commandLine(fetchRemote(connection.appDir, settings.remote)), `git fetch ${settings.remote}`);
    const target = cloned ?? (await resolve());
    const before = await readStackState(session, connection.stackName);
    const releases = releasesOnly(await readReleases(session, connection.stateDir));
    // The ledger's tag of the running release first: the most common tag among the services would count
    // third-party images (postgres:16) too.
    const previousImageTag = [...releases].reverse().find((r) => r.ref === previousRef && GOOD_RESULTS.includes(r.result))
        ?.image_tag || runningTagOf(before);
    core.info(`swarm deploy of ${target.slice(0, 12)} (${imageTag}) to stack ${connection.stackName} on ${session.label}; ` +
        `running now: ${previousRef ? previousRef.slice(0, 12) : '(new checkout)'} (${previousImageTag || 'no stack yet'})`);
    const base = {
        action: 'deploy',
        stack: connection.stackName,
        previousRef,
        previousImageTag,
        attemptedRef: target,
        imageTag,
        notes,
    };
    const migrates = settings.migrate !== 'false';
    const plan = [
        {
            title: `check out ${target.slice(0, 12)} in ${connection.appDir}`,
            command: checkoutCommand(connection.appDir, target),
        },
        ...(migrates ? swarmMigrationSteps(settings, imageTag) : []),
        {
            title: `docker stack deploy ${connection.stackName} with IMAGE_TAG=${imageTag} (and the stack's .env exported)`,
            command: stackDeployCommand(connection, imageTag),
        },
        {
            title: `wait until every service of ${connection.stackName} converged (UpdateStatus, replicas), then ${settings.healthUrl}`,
        },
    ];
    if (connection.dryRun) {
        printPlan(session.label, 'deploy', plan);
        return {
            ...base,
            result: 'unchanged',
            dryRun: true,
            deployedRef: previousRef,
            deployedImageTag: previousImageTag,
            migrated: false,
            migration: undefined,
            rolledBack: false,
            durationSeconds: seconds(started),
            services: judgeProgress(before, updateStatuses(before)),
            health: undefined,
            failure: undefined,
            plan,
        };
    }
    if (connection.stateDir.startsWith(`${connection.appDir}/`))
        await session.run(toSshCommand(EXCLUDE_SCRIPT, [
            connection.appDir,
            `${connection.stateDir.slice(connection.appDir.length)}/`,
        ]), 'keeping the state dir out of git');
    const journal = (result, migration) => appendRelease(session, connection.stateDir, {
        time: new Date().toISOString(),
        environment: connection.environment,
        ref: target,
        image_tag: imageTag,
        previous_ref: previousRef,
        migration: migration?.applied === true
            ? `${migration.revisionBefore || 'base'} -> ${migration.revisionAfter}`
            : '',
        actor: context.actor,
        run_url: context.runUrl,
        result,
        action: 'deploy',
        run_id: context.runId,
        ...(migration?.backup ? { backup: migration.backup } : {}),
    });
    await journal('started');
    let migration;
    /** Whether the stack was touched: a failed migration leaves the stack as it was, nothing to roll back. */
    let stackTouched = false;
    try {
        if (migrates) {
            // The migration needs the target's compose file (its migrate-service and the image's tag).
            await session.run(commandLine(checkoutCommand(connection.appDir, target)), 'git checkout');
            migration = await stage('Migrate (one-off container of the new image)', () => migrateForSwarm(session, settings, imageTag, signal));
        }
        const { services, health } = await rollOut(session, settings, { ref: target, imageTag }, signal, () => {
            stackTouched = true;
        });
        await journal('success', migration);
        return {
            ...base,
            result: 'success',
            dryRun: false,
            deployedRef: target,
            deployedImageTag: imageTag,
            migrated: migration?.applied === true,
            migration,
            rolledBack: false,
            durationSeconds: seconds(started),
            services,
            health,
            failure: undefined,
            plan,
        };
    }
    catch (error) {
        if (error instanceof MigrationError)
            migration = { ...error.partial, applied: false };
        if (session.lost !== undefined)
            throw new Error(`${errorMessage(error)}: the connection to ${session.label} was lost ` +
                (stackTouched
                    ? `after docker stack deploy of ${imageTag} started: Swarm goes on with the update as its update_config says; ` +
                        'run the health check (or docker stack services on a manager) to see where it is'
                    : 'before the stack was changed'), { cause: error });
        if (error instanceof CancelledError || signal.aborted) {
            await journal('cancelled', migration).catch((why) => core.warning(`could not record the cancel in the ledger: ${errorMessage(why)}`));
            throw error;
        }
        const failure = errorMessage(error);
        core.error(inert(failure));
        // Back to the release that ran before, through Swarm as well (its own rollbacks stay as they are).
        let rolledBack = false;
        const canRollBack = settings.autoRollback && previousRef !== '' && previousImageTag !== '';
        if (!stackTouched) {
            notes.push('the stack was not changed');
            if (previousRef !== '')
                await session
                    .run(commandLine(checkoutCommand(connection.appDir, previousRef)), 'git checkout (back)')
                    .catch((why) => notes.push(`the checkout stays at the target: ${errorMessage(why)}`));
        }
        else if (canRollBack) {
            try {
                core.info(`auto-rollback: redeploying ${previousRef.slice(0, 12)} (${previousImageTag})`);
                await rollOut(session, settings, { ref: previousRef, imageTag: previousImageTag }, signal);
                rolledBack = true;
            }
            catch (why) {
                if (why instanceof CancelledError || signal.aborted)
                    throw why;
                notes.push(`the automatic rollback to ${previousRef.slice(0, 12)} failed too: ${errorMessage(why)}`);
                core.error(inert(notes[notes.length - 1]));
            }
        }
        else if (!settings.autoRollback)
            notes.push('auto-rollback is false: the stack is left as Swarm left it');
        else
            notes.push('no previous release with an image tag is known: nothing to roll back to');
        await journal(rolledBack ? 'rolled-back' : 'failed', migration).catch((why) => core.warning(`could not append to the ledger: ${errorMessage(why)}`));
        const services = error instanceof ConvergeError && error.services.length > 0
            ? error.services
            : await servicesNow(session, connection.stackName);
        // What runs now, where the action did not put the previous release back itself: Swarm may have
        // (failure_action: rollback), or left the update paused half way.
        let runsPrevious = rolledBack || !stackTouched;
        if (!runsPrevious) {
            const now = await readStackState(session, connection.stackName).catch(() => undefined);
            const tags = new Set(now?.services.map((service) => tagOfImage(service.image)));
            const onTarget = tags.has(imageTag);
            runsPrevious = !onTarget && previousImageTag !== '' && tags.has(previousImageTag);
            if (onTarget && previousImageTag !== '' && tags.has(previousImageTag))
                notes.push(`the stack runs a mix: some services ${imageTag}, others ${previousImageTag}`);
            else if (runsPrevious)
                notes.push(`Swarm put ${previousImageTag} back`);
        }
        return {
            ...base,
            result: rolledBack ? 'rolled-back' : 'failed',
            dryRun: false,
            deployedRef: runsPrevious ? previousRef : target,
            deployedImageTag: runsPrevious ? previousImageTag : imageTag,
            migrated: migration?.applied === true,
            migration,
            rolledBack,
            durationSeconds: seconds(started),
            services,
            health: undefined,
            failure,
            plan,
        };
    }
}
/** A dry run's plan, in the log: each step and the command it runs. */
function printPlan(host, what, plan) {
    core.info(`dry run on ${host}: nothing will be changed; the ${what} would:`);
    plan.forEach((step, index) => {
        core.info(inert(`  ${index + 1}. ${step.title}`));
        if (step.command)
            core.info(inert(`     $ ${renderScript(step.command)}`));
    });
}
const seconds = (since) => Math.round((Date.now() - since) / 100) / 10;
/**
 * An image rollback of the stack: the release `to` names (from the ledger: its commit and image tag)
 * is checked out and redeployed with `docker stack deploy`, and waited for as a deploy.
 */
async function runSwarmRollback(settings, context) {
    return withStages(() => runSwarmRollbackUntimed(settings, context));
}
async function runSwarmRollbackUntimed(settings, context) {
    const started = Date.now();
    const { session, signal } = context;
    const deploy = settings.deploy;
    const { connection } = deploy;
    await requireManager(session);
    const fromRef = (await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
        echo: 'stderr',
    })).trim();
    const releases = await readReleases(session, connection.stateDir);
    const before = await readStackState(session, connection.stackName);
    const fromTag = runningTagOf(before);
    const target = await resolveTarget(session, connection.appDir, releases, fromRef, settings.to);
    if (target.imageTag === undefined)
        throw new Error(`the ledger on ${session.label} names no image tag for ${target.sha.slice(0, 12)}: give to as an image tag the ledger knows`);
    const imageTag = target.imageTag;
    core.info(`swarm rollback of stack ${connection.stackName} from ${fromRef.slice(0, 12)} (${fromTag || 'no stack'}) to ${target.sha.slice(0, 12)} (${imageTag})`);
    const plan = [
        {
            title: `check out ${target.sha.slice(0, 12)} in ${connection.appDir}`,
            command: checkoutCommand(connection.appDir, target.sha),
        },
        {
            title: `docker stack deploy ${connection.stackName} with IMAGE_TAG=${imageTag} (and the stack's .env exported)`,
            command: stackDeployCommand(connection, imageTag),
        },
        { title: `wait until every service converged, then ${deploy.healthUrl}` },
    ];
    const base = {
        action: 'rollback',
        stack: connection.stackName,
        previousRef: fromRef,
        previousImageTag: fromTag,
        attemptedRef: target.sha,
        imageTag,
        migrated: false,
        migration: undefined,
        rolledBack: false,
        notes: [],
        plan,
    };
    if (connection.dryRun) {
        printPlan(session.label, 'rollback', plan);
        return {
            ...base,
            result: 'unchanged',
            dryRun: true,
            deployedRef: fromRef,
            deployedImageTag: fromTag,
            durationSeconds: seconds(started),
            services: judgeProgress(before, updateStatuses(before)),
            health: undefined,
            failure: undefined,
        };
    }
    const journal = (result) => appendRelease(session, connection.stateDir, {
        time: new Date().toISOString(),
        environment: connection.environment,
        ref: target.sha,
        image_tag: imageTag,
        previous_ref: fromRef,
        migration: '',
        actor: context.actor,
        run_url: context.runUrl,
        result,
        action: 'rollback',
        run_id: context.runId,
    });
    await journal('started');
    try {
        await session
            .run(commandLine(fetchRemote(connection.appDir, deploy.remote)), `git fetch ${deploy.remote}`)
            .catch((error) => {
            // The target is a commit the checkout had: a fetch that fails does not stop the rollback.
            if (error instanceof CancelledError)
                throw error;
            core.warning(inert(`git fetch failed (${errorMessage(error)}); rolling back with the commits already there`));
        });
        const { services, health } = await rollOut(session, deploy, { ref: target.sha, imageTag }, signal);
        await journal('success');
        return {
            ...base,
            result: 'success',
            dryRun: false,
            deployedRef: target.sha,
            deployedImageTag: imageTag,
            durationSeconds: seconds(started),
            services,
            health,
            failure: undefined,
        };
    }
    catch (error) {
        if (error instanceof CancelledError || signal.aborted) {
            await journal('cancelled').catch(() => undefined);
            throw error;
        }
        const failure = errorMessage(error);
        await journal('failed').catch((why) => core.warning(`could not append to the ledger: ${errorMessage(why)}`));
        return {
            ...base,
            result: 'failed',
            dryRun: false,
            deployedRef: target.sha,
            deployedImageTag: imageTag,
            durationSeconds: seconds(started),
            services: error instanceof ConvergeError && error.services.length > 0
                ? error.services
                : await servicesNow(session, connection.stackName),
            health: undefined,
            failure,
        };
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/swarm/health.ts
/**
 * action-health with `orchestrator: swarm`: on the manager, every service of the stack with the
 * replicas it wants running its current image, and server-url probed on the server as the compose
 * path does; repeated as a set until it passes or `retries` more rounds have failed.
 */







/** One round on the manager: a row per service (desired vs running), then server-url. */
async function swarmHealthRound(session, settings) {
    const host = session.label;
    const stack = settings.connection.stackName;
    const rows = [];
    if (settings.checkServices) {
        try {
            await requireManager(session);
            const services = replicaRows(await readStackState(session, stack));
            if (services.length === 0)
                rows.push({
                    host,
                    check: `stack ${stack}`,
                    value: 'no services (is the stack deployed?)',
                    threshold: 'deployed',
                    verdict: 'fail',
                });
            for (const service of services)
                rows.push({
                    host,
                    check: `service ${service.service}`,
                    value: service.value,
                    threshold: 'every desired replica running',
                    verdict: service.ok ? 'pass' : 'fail',
                });
        }
        catch (error) {
            if (error instanceof errors/* CancelledError */.cc)
                throw error;
            rows.push({
                host,
                check: `stack ${stack}`,
                value: (0,errors/* errorMessage */.gJ)(error),
                threshold: 'readable',
                verdict: 'fail',
            });
        }
    }
    else
        rows.push({
            host,
            check: 'services',
            value: 'not checked (check-services: false)',
            threshold: '',
            verdict: 'skip',
        });
    const health = judgeHealthAnswer(await probeOnServer(session, settings.serverUrl), settings.expectStatus);
    rows.push({
        host,
        check: `server-url ${settings.serverUrl}`,
        value: health.value,
        threshold: `status ${settings.expectStatus}`,
        verdict: health.ok ? 'pass' : 'fail',
    });
    return rows;
}
/** Rounds of swarmHealthRound until every row passes or the retries are spent. */
async function swarmHealth(session, settings, signal) {
    const rounds = settings.retries + 1;
    for (let round = 1;; round++) {
        const checks = await swarmHealthRound(session, settings);
        const failing = checks
            .filter((check) => check.verdict === 'fail')
            .map((check) => `${check.host}: ${check.check} (${check.value})`);
        if (failing.length === 0 || round >= rounds)
            return { healthy: failing.length === 0, attempts: round, checks, failing, diagnostics: [] };
        lib_core.info(output_inert(`round ${round} of ${rounds} failed: ${failing.join('; ')}; next round in ${settings.intervalSeconds}s`));
        await sleep_sleep(settings.intervalSeconds * 1000, signal);
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/ledger/ledger.ts
/**
 * The release ledger: `<state-dir>/releases.jsonl`, one JSON object per line (contract: "State on
 * the server"). It is a journal, not a belief: a run appends `started` before its first change and
 * its result after, so a `started` with no result marks a run that was interrupted. Nothing decides
 * what runs from it; the live state does.
 */

/** $1 state dir, $2 the line; appended with one write, so a reader never sees half a line. */
const APPEND_SCRIPT = (/* unused pure expression or super */ null && (`mkdir -p -- "$1" && printf '%s\\n' "$2" >> "$1/releases.jsonl"`));
const READ_SCRIPT = `if [ -f "$1/releases.jsonl" ]; then tail -n "$2" "$1/releases.jsonl"; fi`;
async function ledger_appendRelease(session, stateDir, release) {
    await session.run(toSshCommand(APPEND_SCRIPT, [stateDir, JSON.stringify(release)]), 'appending to the release ledger', 
    // A cancelled run still records that it was cancelled, before it lets go of the lock.
    { echo: 'stderr', timeoutSeconds: 60, keepOnCancel: release.result === 'cancelled' });
}
/** The newest `count` entries, oldest first; lines that are not JSON are skipped. */
async function ledger_readReleases(session, stateDir, count = 200) {
    const text = await session.run(shell_toSshCommand(READ_SCRIPT, [stateDir, String(count)]), 'reading the release ledger', {
        echo: 'stderr',
        timeoutSeconds: 60,
    });
    return parseReleases(text);
}
function parseReleases(text) {
    const releases = [];
    for (const line of text.split('\n')) {
        try {
            const entry = (line.trim() === '' ? undefined : JSON.parse(line));
            if (isRelease(entry))
                releases.push(entry);
        }
        catch {
            // A torn or hand-edited line: skip it rather than refuse to deploy.
        }
    }
    return releases;
}
const RESULTS = ['success', 'failed', 'rolled-back', 'unchanged', 'cancelled', 'started'];
const TEXT_FIELDS = [
    'time',
    'environment',
    'ref',
    'image_tag',
    'previous_ref',
    'migration',
    'actor',
    'run_url',
];
/** A ledger line of the shape this module writes; anything else (hand-edited, torn) is skipped. */
function isRelease(entry) {
    if (typeof entry !== 'object' || entry === null)
        return false;
    const fields = entry;
    return (TEXT_FIELDS.every((field) => typeof fields[field] === 'string') &&
        typeof fields.result === 'string' &&
        RESULTS.includes(fields.result) &&
        ['run_id', 'action', 'operation', 'backup', 'emergency_backup'].every((field) => fields[field] === undefined || typeof fields[field] === 'string') &&
        (fields.untrusted_backups === undefined ||
            (Array.isArray(fields.untrusted_backups) &&
                fields.untrusted_backups.every((backup) => typeof backup === 'string'))));
}
/** Results that say a release ended well. */
const ledger_GOOD_RESULTS = (/* unused pure expression or super */ null && (['success', 'unchanged']));
/**
 * The entries that put a release in place (deploys, rollbacks, migrations), without the emergency
 * operations (`action` ops), which work on whatever runs and never make it a release to go back to.
 */
function ledger_releasesOnly(releases) {
    return releases.filter((release) => release.action !== 'ops');
}
/**
 * Runs since the newest one that ended well whose journal ends in `started` (interrupted: no result)
 * or `cancelled`, oldest first: what the next run reports before it converges.
 */
function interruptedRuns(releases) {
    const last = new Map();
    for (const release of releases) {
        // An emergency operation that went well converges nothing: what an earlier run left stays to report.
        if (release.action !== 'ops' &&
            (ledger_GOOD_RESULTS.includes(release.result) || release.result === 'rolled-back'))
            last.clear();
        else if (release.run_id !== undefined) {
            last.delete(release.run_id);
            last.set(release.run_id, release);
        }
    }
    return [...last.values()].filter((release) => release.result === 'started' || release.result === 'cancelled');
}
/** What an entry's run was doing: "deploying", "rolling back to", "running restart gateway on". */
function doing(release) {
    if (release.action === 'rollback')
        return 'rolling back to';
    if (release.action === 'ops')
        return `running ${release.operation ?? 'an emergency operation'} on`;
    return 'deploying';
}
/** "run 123 by alice, deploying abc123def456, was interrupted at 2026-11-28T10:03:00Z". */
function describeInterrupted(release) {
    return (`run ${release.run_id ?? '?'} by ${release.actor}, ${doing(release)} ` +
        `${release.ref.slice(0, 12)}, ${release.result === 'cancelled' ? 'was cancelled' : 'was interrupted'} ` +
        `(${release.result === 'cancelled' ? 'at' : 'started'} ${release.time}${release.run_url ? `, ${release.run_url}` : ''})`);
}

;// CONCATENATED MODULE: ./packages/shared/src/health/delivery.ts
/**
 * Release history and delivery figures from the server's own journal (`<state-dir>/releases.jsonl`),
 * for action-health's summary. Everything here but readDeliveryHistory is pure: entries (and commit
 * times) in, runs and figures out. How each figure is counted, as the summary states it:
 *
 * - A run is a run_id's entries: its first `started` to its last result. A later `started` of the same
 *   run (a rollback's own deploy) belongs to it; a `started` after a result begins a new run (a re-run
 *   of the workflow keeps GITHUB_RUN_ID). A `started` with no result is `interrupted` (not a success;
 *   the journal's newest one may still be running). An entry without run_id is a run of its own with
 *   no duration (a `started` without one cannot be paired and is not shown).
 * - Deploys are runs with `action` deploy, or none (entries older than the field). Rollbacks,
 *   migrations and emergency operations are in the history, not in the figures, but for one thing: a
 *   successful rollback ends a failure (time to restore).
 * - The window: the last 4 weeks, or from the oldest entry read (the last JOURNAL_LINES lines) when
 *   that is later, never shorter than 1 week; it ends now (or at the newest entry, should the server's
 *   clock be ahead). A run is in it when its result (else its start) is.
 * - Deploys per week: successful deploys in the window / its weeks; `unchanged` changed nothing and is
 *   not counted.
 * - Lead time: the median, over successful deploys in the window, of the commit's committer time (read
 *   from the app-dir git repository on the server) to the time the deploy's success was journalled.
 *   A ref that is not a commit id, or a commit the server does not have, is skipped and counted.
 * - Change failure rate: (failed + rolled-back) / (success + failed + rolled-back) deploys in the
 *   window; `unchanged`, `cancelled` and interrupted deploys did not finish a change: not counted.
 * - Time to restore: the median, over failures that began in the window, of the first failed or
 *   rolled-back deploy of a streak to the next successful deploy or rollback; one still open is shown.
 */



/** Lines of the journal read: enough for the history and, on most servers, the whole window. */
const JOURNAL_LINES = 500;
const HISTORY_RUNS = 10;
const DAY_MS = 24 * 3600 * 1000;
const WINDOW_DAYS = 28;
const MIN_WINDOW_DAYS = 7;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Epoch ms of an ISO 8601 time with its zone; anything else (local times, prose) is undefined. */
function parseTime(text) {
    if (!ISO_TIME.test(text))
        return undefined;
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
}
/** The journal's entries (oldest first) as runs, oldest first. */
function pairRuns(entries) {
    const drafts = [];
    const open = new Map();
    for (const entry of entries) {
        const id = entry.run_id === '' ? undefined : entry.run_id;
        const isStart = entry.result === 'started';
        if (id === undefined) {
            if (!isStart)
                drafts.push({ first: entry, result: entry, last: entry });
            continue;
        }
        const current = open.get(id);
        if (current === undefined || (isStart && current.result !== undefined)) {
            const draft = isStart
                ? { first: entry, started: entry, last: entry }
                : { first: entry, result: entry, last: entry };
            drafts.push(draft);
            open.set(id, draft);
            continue;
        }
        if (isStart)
            current.started ??= entry;
        else
            current.result = entry;
        current.last = entry;
    }
    const newest = entries.at(-1);
    return drafts.map((draft) => {
        const shown = draft.result ?? draft.first;
        const time = (draft.started ?? draft.first).time;
        const startedAt = parseTime(time);
        const finishedAt = draft.result === undefined ? undefined : parseTime(draft.result.time);
        const duration = draft.started !== undefined && startedAt !== undefined && finishedAt !== undefined
            ? (finishedAt - startedAt) / 1000
            : undefined;
        return {
            runId: shown.run_id === '' ? undefined : shown.run_id,
            action: draft.first.action ?? 'deploy',
            operation: shown.operation,
            ref: shown.ref,
            migration: shown.migration,
            actor: draft.first.actor,
            result: draft.result === undefined ? 'interrupted' : draft.result.result,
            time,
            startedAt,
            finishedAt,
            durationSeconds: duration !== undefined && duration >= 0 ? duration : undefined,
            newest: draft.last === newest,
        };
    });
}
const isDeploy = (run) => run.action === 'deploy';
/** The refs the lead time may ask the server about: a commit id, 7 to 40 hex digits, nothing else. */
const COMMIT_REF = /^[0-9a-f]{7,40}$/;
/** See the module comment: the last 4 weeks, or less when the journal read is younger, at least 1 week. */
function figureWindow(runs, now) {
    // A clock a little ahead moves the end; a line dated far ahead (a wrong clock, a hand edit) does not
    // drag the whole window into the future.
    const times = runs.flatMap((run) => [run.startedAt, run.finishedAt].filter((time) => time !== undefined && time <= now + DAY_MS));
    const to = Math.max(now, ...times);
    const oldest = times.length === 0 ? to : Math.min(...times);
    const from = Math.min(Math.max(to - WINDOW_DAYS * DAY_MS, oldest), to - MIN_WINDOW_DAYS * DAY_MS);
    return { from, to };
}
const inWindow = (run, window) => {
    const at = run.finishedAt ?? run.startedAt;
    return at !== undefined && at >= window.from && at <= window.to;
};
/** Successful deploys whose success was journalled (at a time that is a date) in the window. */
const successfulDeploys = (runs, window) => runs.filter((run) => isDeploy(run) && run.result === 'success' && run.finishedAt !== undefined && inWindow(run, window));
/** The distinct commit ids whose commit time the lead time needs (successful deploys in the window). */
function leadTimeRefs(runs, now) {
    const window = figureWindow(runs, now);
    return [
        ...new Set(successfulDeploys(runs, window)
            .map((run) => run.ref)
            .filter((ref) => COMMIT_REF.test(ref))),
    ];
}
/** $1 the app dir, then the commit ids; one line `<sha> <committer time>` per commit the server has. */
const COMMIT_TIMES_SCRIPT = `dir=$1; shift; exec git -C "$dir" log --no-walk=unsorted --ignore-missing --format='%H %ct' "$@"`;
/** The one remote command that reads every commit's time; a ref that is not a commit id is refused. */
function commitTimesCommand(appDir, refs) {
    const bad = refs.find((ref) => !COMMIT_REF.test(ref));
    if (bad !== undefined)
        throw new Error(`not a commit id (7 to 40 hex digits): ${JSON.stringify(bad)}`);
    if (refs.length === 0)
        throw new Error('no commit to read');
    return shell_toSshCommand(COMMIT_TIMES_SCRIPT, [appDir, ...refs]);
}
/** Commit id → committer time (epoch seconds), for each ref whose commit the output names. */
function parseCommitTimes(text, refs) {
    const commits = [];
    for (const line of text.split('\n')) {
        const match = /^([0-9a-f]{40,64}) (\d+)$/.exec(line.trim());
        if (match)
            commits.push([match[1], Number(match[2])]);
    }
    const times = new Map();
    for (const ref of refs) {
        const found = commits.find(([sha]) => sha.startsWith(ref));
        if (found !== undefined)
            times.set(ref, found[1]);
    }
    return times;
}
function median(values) {
    if (values.length === 0)
        return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
/** The four figures; `commits` is commit id → committer time (s), or why it could not be read. */
function deliveryFigures(runs, now, commits) {
    const window = figureWindow(runs, now);
    const weeks = (window.to - window.from) / (7 * DAY_MS);
    const successes = successfulDeploys(runs, window);
    const leads = [];
    let notACommit = 0;
    let notOnServer = 0;
    for (const { ref, finishedAt = 0 } of successes) {
        if (!COMMIT_REF.test(ref))
            notACommit++;
        else if (typeof commits !== 'string') {
            const committed = commits.get(ref);
            if (committed === undefined)
                notOnServer++;
            else
                leads.push((finishedAt - committed * 1000) / 1000);
        }
    }
    const deploys = runs.filter((run) => isDeploy(run) && inWindow(run, window));
    const failed = deploys.filter((run) => run.result === 'failed' || run.result === 'rolled-back').length;
    const notCounted = {};
    for (const run of deploys)
        if (run.result === 'unchanged' || run.result === 'cancelled' || run.result === 'interrupted')
            notCounted[run.result] = (notCounted[run.result] ?? 0) + 1;
    const finished = failed + successes.length;
    const restores = [];
    let openSince;
    for (const run of runs) {
        if (run.finishedAt === undefined)
            continue;
        if (isDeploy(run) && (run.result === 'failed' || run.result === 'rolled-back'))
            openSince ??= run.finishedAt;
        else if (openSince !== undefined &&
            run.result === 'success' &&
            (isDeploy(run) || run.action === 'rollback')) {
            if (openSince >= window.from)
                restores.push((run.finishedAt - openSince) / 1000);
            openSince = undefined;
        }
    }
    return {
        window,
        weeks,
        successfulDeploys: successes.length,
        deploysPerWeek: successes.length / weeks,
        leadTime: {
            medianSeconds: median(leads),
            counted: leads.length,
            notACommit,
            notOnServer,
            unread: typeof commits === 'string' ? commits : undefined,
        },
        changeFailure: { failed, finished, rate: finished === 0 ? undefined : failed / finished, notCounted },
        restore: { medianSeconds: median(restores), restored: restores.length, openSince },
    };
}
const journalPath = (stateDir) => `${stateDir}/releases.jsonl`;
/** The history and its figures from the journal read now (two remote commands); never throws but a cancel. */
async function readDeliveryHistory(session, connection, now = Date.now) {
    const journal = journalPath(connection.stateDir);
    try {
        const runs = pairRuns(await ledger_readReleases(session, connection.stateDir, JOURNAL_LINES));
        const refs = leadTimeRefs(runs, now());
        let commits = new Map();
        if (refs.length > 0) {
            try {
                const text = await session.run(commitTimesCommand(connection.appDir, refs), 'reading commit times for the lead time', { echo: 'stderr', timeoutSeconds: 60 });
                commits = parseCommitTimes(text, refs);
            }
            catch (error) {
                if (error instanceof errors/* CancelledError */.cc)
                    throw error;
                commits = (0,errors/* errorMessage */.gJ)(error);
            }
        }
        return {
            host: session.label,
            journal,
            runs: runs.slice(-HISTORY_RUNS).reverse(),
            figures: deliveryFigures(runs, now(), commits),
        };
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
            throw error;
        return { host: session.label, journal, error: (0,errors/* errorMessage */.gJ)(error), runs: [] };
    }
}
/** `2026-11-28T10:03Z`: UTC, to the minute. */
function formatUtcMinute(ms) {
    return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}
/** 42s, 3m 05s, 2h 03m, 4d 06h; negative (a commit dated after its deploy) keeps its sign. */
function formatDuration(seconds) {
    if (seconds < 0)
        return `-${formatDuration(-seconds)}`;
    const total = Math.round(seconds);
    const two = (value) => String(value).padStart(2, '0');
    if (total < 60)
        return `${total}s`;
    if (total < 3600)
        return `${Math.floor(total / 60)}m ${two(total % 60)}s`;
    if (total < 86400)
        return `${Math.floor(total / 3600)}h ${two(Math.floor((total % 3600) / 60))}m`;
    return `${Math.floor(total / 86400)}d ${two(Math.floor((total % 86400) / 3600))}h`;
}
/** 25%, 33.3%. */
function formatPercent(rate) {
    return `${Number((rate * 100).toFixed(1))}%`;
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
/** The one row of a check script that could not run (or said nothing): what happened, failing. */
function scriptFailedRow(host, check, result, extra = {}) {
    const why = result.stderrTail.slice(-3).join(' ').trim();
    const what = result.outcome.kind === 'exited' ? `exited with code ${result.outcome.code}` : result.outcome.kind;
    return {
        host,
        check,
        value: `the ${check} script ${what}${why ? `: ${why}` : ''}`,
        threshold: 'runs',
        verdict: 'fail',
        ...extra,
    };
}
async function probeOnServer(session, url, maxBytes = 64 * 1024) {
    const result = await session.exec(shell_toSshCommand(PROBE_SCRIPT, [url, String(PROBE_TIMEOUT_SECONDS)]), {
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
    const output = await session.run(shell_toSshCommand('df -P "$1" 2>/dev/null || df -P /', [path]), 'reading disk use', {
        echo: 'stderr',
        timeoutSeconds: 60,
    });
    const fields = output.trim().split('\n').pop()?.trim().split(/\s+/) ?? [];
    const percent = Number(/^(\d+)%$/.exec(fields[4] ?? '')?.[1]);
    if (Number.isNaN(percent))
        throw new Error(`could not read disk use from df on ${session.label}`);
    return { percent, mount: fields[5] ?? '?' };
}
/** One round of every check on one server; `failed` gets what failed, for the diagnostics. */
async function checkServer(session, settings, compose, failed = { services: [] }) {
    const host = session.label;
    const results = [];
    const add = (check, value, threshold, verdict) => results.push({ host, check, value, threshold, verdict });
    // The dependency script (docker stats alone takes about 2 s) runs on a channel of its own while
    // the checks below run; its rows come last.
    const dependencies = settings.dependencies;
    const dependencyRows = dependencies === undefined
        ? undefined
        : guarded(host, 'dependencies', () => dependencyChecks(session, {
            ...dependencies,
            appDir: settings.connection.appDir,
            composeFile: settings.connection.composeFile,
        }, settings.connection.composeCommand));
    // Awaited below; should a check before it throw (a cancel), its rejection is not left unhandled.
    dependencyRows?.catch(() => undefined);
    const answer = await probeOnServer(session, settings.serverUrl);
    const health = judgeHealthAnswer(answer, settings.expectStatus);
    if (!health.ok)
        failed.probe = { url: settings.serverUrl, answer };
    add(`server-url ${settings.serverUrl}`, health.value, `status ${settings.expectStatus}`, health.ok ? 'pass' : 'fail');
    if (settings.checkServices) {
        try {
            const project = await compose();
            const verdicts = judgeServices(await readServicesState(session, project.compose, settings.connection, project.services));
            const bad = verdicts.filter((verdict) => !verdict.ok);
            failed.services = bad.map((verdict) => verdict.service);
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
    if (dependencyRows !== undefined)
        results.push(...(await dependencyRows));
    return results;
}
/** Runs a group of checks; anything it throws but a cancel becomes one failing row. */
async function guarded(host, check, run) {
    try {
        return await run();
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
            throw error;
        return [{ host, check, value: error.message, threshold: 'runs', verdict: 'fail' }];
    }
}
/**
 * The checks whose answer does not change within a run's retry window: the newest backup's age, size
 * and retention (backups are taken hours apart) and the preflight (cores, memory, versions, secrets,
 * certificate). They run once per server, in the first round, and their rows are repeated in every
 * round; failing alone, they end the run without waiting for rounds that could not change them.
 */
async function checkServerOnce(session, settings) {
    const results = [];
    const backups = settings.backups;
    if (backups !== undefined)
        results.push(...(await guarded(session.label, 'backups', () => backupChecks(session, backups))));
    const preflight = settings.preflight;
    if (preflight !== undefined)
        results.push(...(await guarded(session.label, 'preflight', () => preflightChecks(session, preflight))));
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
    const once = new Map();
    const onceFor = (session) => {
        let found = once.get(session);
        if (found === undefined) {
            found = checkServerOnce(session, settings);
            once.set(session, found);
        }
        return found;
    };
    const rounds = settings.retries + 1;
    for (let round = 1;; round++) {
        const checks = [];
        const fixed = new Set();
        const failed = new Map();
        for (const session of sessions) {
            // The once-only checks of the first round run beside it, on a channel of their own.
            const pending = onceFor(session);
            pending.catch(() => undefined);
            const subjects = { services: [] };
            failed.set(session, subjects);
            checks.push(...(await checkServer(session, settings, projectFor(session), subjects)));
            const rows = await pending;
            for (const row of rows)
                fixed.add(row);
            checks.push(...rows);
        }
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
        const mayChange = checks.some((check) => check.verdict === 'fail' && !fixed.has(check));
        if (failing.length === 0 || round >= rounds || !mayChange) {
            if (failing.length > 0 && round < rounds)
                lib_core.info('only checks that do not change between rounds (backups, preflight) failed: no more rounds');
            const diagnostics = [];
            for (const [session, subjects] of failed) {
                if (subjects.services.length === 0 && subjects.probe === undefined)
                    continue;
                // Runbook §9 about what failed on this server; the compose command is known when services were read.
                const project = await projectFor(session)().catch(() => undefined);
                if (project === undefined)
                    continue;
                diagnostics.push(await collectDiagnostics(session, project.compose, settings.connection, {
                    reason: failing
                        .filter((line) => line.startsWith(`${session.label}: `))
                        .map((line) => line.slice(session.label.length + 2))
                        .join('; '),
                    services: subjects.services,
                    ...(subjects.probe ? { probe: subjects.probe } : {}),
                }));
            }
            return { healthy: failing.length === 0, attempts: round, checks, failing, diagnostics };
        }
        lib_core.info(`round ${round} of ${rounds} failed: ${failing.join('; ')}; next round in ${settings.intervalSeconds}s`);
        await sleep_sleep(settings.intervalSeconds * 1000, signal);
    }
}
/**
 * Health of every host (`max-parallel` at a time; each host checked whatever the others gave, an
 * unreachable one a failing row of its own), then health-url once from the runner.
 */
async function checkHosts(settings, signal) {
    const perHost = { ...settings, url: undefined };
    const runs = await forEachHost(settings.connection, { signal, keepGoing: true, passed: (report) => report.healthy }, async (session, index) => {
        // A Swarm manager is checked as a stack: replicas per service and server-url (swarm/health.ts).
        const report = settings.connection.orchestrator === 'swarm'
            ? await swarmHealth(session, perHost, signal)
            : await runHealthChecks([session], perHost, signal);
        // The journal of the first host only: a fleet's deploys journal the same runs on every host.
        // Read after the checks, whatever they gave; it never fails them.
        return index === 0
            ? { ...report, history: await readDeliveryHistory(session, settings.connection) }
            : report;
    });
    rethrowSingle(runs);
    const first = runs[0];
    const history = first?.value?.history ??
        (first === undefined
            ? undefined
            : {
                host: first.host,
                journal: journalPath(settings.connection.stateDir),
                error: `the host was not checked (${first.result}${first.error ? `: ${first.error}` : ''})`,
                runs: [],
            });
    const reports = runs.flatMap((run) => {
        if (run.value !== undefined)
            return [run.value];
        // Unreachable, cancelled or not started: no check ran there; the row says which.
        const row = {
            host: run.host,
            check: run.result === 'unreachable' ? 'connect' : run.result,
            value: run.error ?? run.result,
            threshold: 'reachable',
        };
        return [
            {
                healthy: false,
                attempts: 0,
                checks: [{ ...row, verdict: 'fail' }],
                failing: [`${run.host}: ${row.check} (${row.value})`],
            },
        ];
    });
    if (settings.url !== undefined)
        reports.push(await runHealthChecks([], settings, signal));
    return {
        healthy: reports.every((report) => report.healthy),
        attempts: Math.max(0, ...reports.map((report) => report.attempts)),
        checks: reports.flatMap((report) => report.checks),
        failing: reports.flatMap((report) => report.failing),
        diagnostics: reports.flatMap((report) => report.diagnostics ?? []),
        ...(history === undefined ? {} : { history }),
    };
}

;// CONCATENATED MODULE: ./packages/shared/src/summary/health.ts


const health_MARK = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skipped' };
function healthSummary(report, environment) {
    const verdict = report.healthy ? 'healthy' : 'NOT healthy';
    const preflight = report.checks.filter((check) => check.minimum !== undefined);
    const rows = report.checks
        .filter((check) => check.minimum === undefined)
        .map((check) => [check.host, check.check, check.value, check.threshold, health_MARK[check.verdict]]);
    const preflightRows = preflight.map((check) => [
        check.host,
        check.check,
        check.value,
        check.minimum ?? '',
        check.recommended ?? '',
        health_MARK[check.verdict],
    ]);
    const failing = report.failing.map((name) => `- ${escapeHtml(name)}`).join('\n');
    return bounded(`## Health: ${escapeHtml(environment)} is ${verdict}\n\n` +
        `${table(['host', 'check', 'value', 'threshold', 'verdict'], rows)}\n\n` +
        (preflightRows.length === 0
            ? ''
            : `### Preflight (runbook §1)\n\n` +
                `${table(['host', 'item', 'value', 'minimum', 'recommended', 'verdict'], preflightRows)}\n\n`) +
        `Rounds: ${report.attempts}\n` +
        (failing === '' ? '' : `\nFailing checks:\n${failing}\n`) +
        (report.history === undefined ? '' : `\n${historySection(report.history)}\n`));
}
/**
 * Journal text (server data: actor, ref, operation) as inert Markdown inline text: escapeHtml, and
 * what could still break a table row or start markup made inert too: every line ending (a lone CR is
 * one in Markdown) a `<br>`, backticks an entity, other control characters a space; cut at `max`.
 */
function inertText(text, max = 80) {
    const chars = [...text];
    const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
    return (escapeHtml(cut)
        .replaceAll('`', '&#96;')
        .replace(/\r\n?|\n/g, '<br>')
        .replace(/\p{Cc}/gu, ' ')
        // Bidi and other format characters would reorder what is shown.
        .replace(/\p{Cf}/gu, '')
        // GitHub links bare URLs, www. names and e-mail addresses: a zero-width space keeps them text.
        .replace(/:\/\/|www\.|@/gi, (link) => `${link[0]}\u200b${link.slice(1)}`));
}
/** A table whose cells are inertText. */
function inertTable(header, rows) {
    const line = (cells) => `| ${cells.map((cell) => inertText(cell, 200)).join(' | ')} |`;
    return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}
const RESULT = {
    success: '✅ success',
    failed: '❌ failed',
    'rolled-back': '↩️ rolled back',
    unchanged: '➖ unchanged',
    cancelled: '⏹️ cancelled',
    interrupted: '⚠️ interrupted',
};
function historyRow(run) {
    const what = run.action === 'ops'
        ? (run.operation ?? 'an emergency operation')
        : `${[...run.ref].slice(0, 12).join('')}${run.migration === '' ? '' : `, migration ${run.migration}`}`;
    return [
        run.startedAt === undefined ? run.time : formatUtcMinute(run.startedAt),
        run.action,
        what,
        run.actor,
        // The journal's newest run has no result while it runs: it may not be interrupted at all.
        run.result === 'interrupted' && run.newest
            ? '⚠️ no result (interrupted, or still running)'
            : RESULT[run.result],
        run.durationSeconds === undefined ? '—' : formatDuration(run.durationSeconds),
    ];
}
const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
function figureRows(figures) {
    const lead = figures.leadTime;
    const skipped = [
        lead.notOnServer > 0 ? `${lead.notOnServer} skipped: commit not on the server` : '',
        lead.notACommit > 0 ? `${lead.notACommit} skipped: ref is not a commit id` : '',
    ].filter((part) => part !== '');
    const leadValue = lead.unread !== undefined
        ? `unknown: the commit times could not be read (${lead.unread})`
        : lead.medianSeconds === undefined
            ? `no deploy to measure${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}`
            : `${formatDuration(lead.medianSeconds)} (${plural(lead.counted, 'deploy')}${skipped.map((part) => `; ${part}`).join('')})`;
    const failure = figures.changeFailure;
    const notCounted = Object.entries(failure.notCounted)
        .map(([result, count]) => `${count} ${result}`)
        .join(', ');
    const restore = figures.restore;
    const open = restore.openSince === undefined ? '' : `not restored yet since ${formatUtcMinute(restore.openSince)}`;
    return [
        [
            'deploys per week',
            `${figures.deploysPerWeek.toFixed(1)} (${plural(figures.successfulDeploys, 'successful deploy')} in ${figures.weeks.toFixed(1)} weeks)`,
            'successful deploys in the window / its weeks; unchanged not counted',
        ],
        [
            'lead time (median)',
            leadValue,
            "commit's committer time (git on the server) to the deploy's success in the journal",
        ],
        [
            'change failure rate',
            failure.rate === undefined
                ? 'no finished deploy'
                : `${formatPercent(failure.rate)} (${failure.failed} of ${plural(failure.finished, 'finished deploy')}${notCounted === '' ? '' : `; not counted: ${notCounted}`})`,
            '(failed + rolled back) / (success + failed + rolled back); unchanged, cancelled, interrupted not counted',
        ],
        [
            'time to restore (median)',
            restore.medianSeconds === undefined
                ? open || 'no failed deploy'
                : `${formatDuration(restore.medianSeconds)} (${plural(restore.restored, 'failure')}${open ? `; ${open}` : ''})`,
            'first failed or rolled-back deploy of a streak to the next successful deploy or rollback',
        ],
    ];
}
/** The release history (the newest runs) and the delivery figures, or why the journal was not read. */
function historySection(history) {
    const where = `${inertText(history.journal, 200)} on ${inertText(history.host)}`;
    if (history.error !== undefined)
        return `### Release history\n\nThe journal (${where}) could not be read: ${inertText(history.error, 500)}. The health checks above do not depend on it.`;
    const figures = history.figures;
    const parts = [
        history.runs.length === 0
            ? `### Release history\n\nNo run in the journal (${where}).`
            : `### Release history\n\nThe last ${Math.min(HISTORY_RUNS, history.runs.length)} runs in ${where}, newest first ` +
                '(when a run started; duration from its `started` entry to its result).\n\n' +
                inertTable(['when (UTC)', 'action', 'what', 'who', 'result', 'duration'], history.runs.map(historyRow)),
    ];
    if (figures !== undefined)
        parts.push(`### Delivery figures\n\nDeploys only (action \`deploy\`, or none in older entries), ` +
            `${formatUtcMinute(figures.window.from)} to ${formatUtcMinute(figures.window.to)} ` +
            `(${figures.weeks.toFixed(1)} weeks: the last 4, or since the oldest entry read when later, at least 1).\n\n` +
            inertTable(['figure', 'value', 'counted as'], figureRows(figures)));
    return parts.join('\n\n');
}

;// CONCATENATED MODULE: ./action-health/src/main.ts


async function main(settings, { signal }) {
    if (settings.connection.dryRun)
        lib_core.info('dry-run: action-health only reads; it runs as usual');
    lib_core.startGroup(`Health of ${settings.connection.environment}`);
    let report;
    try {
        report = await checkHosts(settings, signal);
    }
    finally {
        lib_core.endGroup();
    }
    lib_core.setOutput('healthy', String(report.healthy));
    // The journal's history and figures are for people (the summary); `report` keeps its documented fields.
    const { diagnostics = [], history: _history, ...shown } = report;
    lib_core.setOutput('report', JSON.stringify(shown));
    await lib_core.summary.addRaw(healthSummary(report, settings.connection.environment)).write();
    for (const check of report.checks) {
        // Values come from the server (backup names, os-release): inert in the log.
        const line = output_inert(`${check.host}: ${check.check}: ${check.value}`);
        if (check.verdict === 'fail')
            lib_core.error(line);
        else if (check.verdict === 'warn')
            lib_core.warning(line);
        else
            lib_core.info(`${check.verdict}: ${line}`);
    }
    await reportDiagnostics(diagnostics, 'health');
    if (!report.healthy)
        throw new Error(`unhealthy: ${report.failing.join('; ')}`);
}


/***/ })

};
;