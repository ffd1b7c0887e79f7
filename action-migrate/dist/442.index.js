"use strict";
exports.id = 442;
exports.ids = [442];
exports.modules = {

/***/ 6442:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var lib_core = __webpack_require__(7484);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
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

;// CONCATENATED MODULE: ./packages/shared/src/shell.ts
/**
 * The one place that turns argument lists into shell text. Everything sent to a server is built as
 * argument arrays from validated values and rendered here, never pasted into a template string.
 */
/** Quote one argument for a POSIX shell: single quotes, with each `'` written as `'\''`. */
function shell_quote(argument) {
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
    return argv.map(shell_quote).join(' ');
}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Renders a command as POSIX sh text. The final program is `exec`ed: no intermediate shell stands
 * between it and the signals toSshCommand's wrapper passes on.
 */
function shell_renderScript(command) {
    const parts = [];
    if (command.cwd !== undefined)
        parts.push(`cd ${shell_quote(command.cwd)} &&`);
    for (const [name, value] of Object.entries(command.env ?? {})) {
        if (!ENV_NAME.test(name))
            throw new Error(`invalid environment variable name: ${name}`);
        parts.push(`export ${name}=${shell_quote(value)} &&`);
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
    return [WRAPPED, ...[NO_TOKEN, script, ...args].map(shell_quote)].join(' ');
}
const WRAPPED = ['sh', '-c', GROUP_WRAPPER, 'sh'].map(shell_quote).join(' ');
const NO_TOKEN = '';
/**
 * A command carrying the run's token in TT_RUN: inside the wrapper's own arguments where the command
 * is one of toSshCommand's (no process more), else through `env`, which works in any login shell.
 */
function withRunToken(command, token) {
    const unmarked = `${WRAPPED} ${shell_quote(NO_TOKEN)} `;
    return command.startsWith(unmarked)
        ? `${WRAPPED} ${shell_quote(token)} ${command.slice(unmarked.length)}`
        : `env TT_RUN=${shell_quote(token)} ${command}`;
}
/** Convenience: a RemoteCommand as the text sent over SSH. */
function shell_commandLine(command) {
    return shell_toSshCommand(shell_renderScript(command));
}

// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/ssh/known-hosts.ts
var known_hosts = __webpack_require__(3375);
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
class session_RemoteCommandError extends Error {
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
            throw new session_RemoteCommandError(this.label, what, result);
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

;// CONCATENATED MODULE: ./packages/shared/src/lock/lock.ts
/**
 * The deploy lock: `flock` on `<state-dir>/lock`, held by a remote shell whose stdin is this run's
 * SSH channel. Deploy, migrate and rollback all take this same lock.
 *
 * How it ends:
 * - release(): this run closes the channel's stdin; the holder exits and the kernel frees the lock.
 * - The runner dies: its connection ends, stdin closes, same thing.
 * - The runner freezes or vanishes without closing its connection (a paused VM, a `kill -STOP`, a
 *   dropped network where the server never learns of it): the kernel may still ACK TCP, so neither
 *   the channel nor sshd notices. So the run proves it is alive: every HEARTBEAT seconds (10) it
 *   touches `<state-dir>/lock.beat` on a short channel of its own (a started command's stdin can only
 *   be closed, not written to), from a timer that does not wait on any remote command (a ten-minute
 *   build never starves it). A touch writes no data, so it works on a full disk too. The holder polls
 *   the file's mtime; after LAPSE seconds (60) without a change it cuts the run off: it stops the `sshd` process
 *   serving the run's connection (the holder's nearest sshd ancestor), TERMs the process group of
 *   every other session of that connection (every child of that sshd: the run's commands and their
 *   trees), KILLs what is left after KILL_GRACE seconds (5) and the sshd itself, records the lapse
 *   and only then exits, freeing the lock. The sshd is stopped first and killed, never continued, so
 *   nothing the run sent after the lapse is ever acted on. From the last heartbeat to a free lock:
 *   at most LAPSE + HEARTBEAT/2 (the holder's poll) + KILL_GRACE = 70 s, within the contract's 90 s.
 *   The lapse goes to `<state-dir>/lock.log` and into `<state-dir>/lock` as `LAPSED <time> ...`,
 *   which the next holder reports ("the previous holder ... was cut off at ...").
 *
 * A cancel (SIGINT/SIGTERM) does not stop the lock's channel or its heartbeats (keepOnCancel): the
 * run first stops its commands and records `cancelled` in the ledger, and only then releases.
 * While still waiting for the lock, a cancel (given `signal`) stops the wait at once.
 *
 * Server needs: `flock` (util-linux), `timeout` (coreutils), /proc (Linux). POSIX sh (dash).
 */






/** The contract's timing (a frozen holder frees the lock within 90 s); tests shorten it. */
const LOCK_TIMING = Object.freeze({
    heartbeatSeconds: 10,
    lapseSeconds: 60,
    killGraceSeconds: 5,
});
/**
 * $1 state dir, $2 lock timeout (s), $3 holder JSON, $4 poll (s), $5 lapse (s), $6 kill grace (s). Prints BUSY <holder> when another run holds it, PREVIOUS LAPSED ... when
 * the last holder was cut off, LOCKED once taken, then holds it until stdin closes (nothing is ever
 * written to it) or the heartbeats stop (then it cuts the run off, see the module comment; when it
 * cannot, it says so in lock.log and keeps the lock).
 * Exit 75 (EX_TEMPFAIL): still busy after $2 s; 76: stdin closed while waiting (a cancel);
 * 69: a tool is missing.
 */
const LOCK_SCRIPT = `
dir=$1 wait_max=$2 holder=$3 poll=$4 lapse=$5 grace=$6 token=$7 label=$8
for tool in flock timeout stat; do
  command -v "$tool" >/dev/null 2>&1 || { echo "the deploy lock needs $tool on the server" >&2; exit 69; }
done
mkdir -p -- "$dir" && exec 9>>"$dir/lock" || exit 1
# 0 once this run's channel has closed (a release, or its connection ended), 124 after $1 seconds.
input_closed() { timeout --foreground "$1" head -c 1 >/dev/null 9>&-; }
# Field $2 of /proc/$1/stat after the command name: 2 parent, 3 process group, 4 session.
stat_field() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"; }
if ! flock -n 9; then
  printf 'BUSY %s\\n' "$(head -c 2000 "$dir/lock" | tr '\\n' ' ')"
  deadline=$(($(date +%s) + wait_max))
  # flock's child takes the lock on the shared open file, so this shell holds it once flock returns.
  until flock -w 1 9; do
    input_closed 0.2 && exit 76
    [ "$(date +%s)" -lt "$deadline" ] || exit 75
  done
fi
previous=$(head -c 2000 "$dir/lock" | tr '\\n' ' ')
case $previous in 'LAPSED '*) printf 'PREVIOUS %s\\n' "$previous" ;; esac
printf '%s\\n' "$holder" >"$dir/lock"
touch -- "$dir/lock.beat"
echo LOCKED

# Every session of the connection served by sshd $1 but this one: -pgid for each process group of a
# session, a pid for a child that leads none.
connection_targets() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v conn="$1" -v self="$(stat_field $$ 4)" '
    { pid = $1; sub(/^.*\\) /, ""); parent[pid] = $2; group[pid] = $3; session[pid] = $4 }
    END {
      for (p in parent) if (parent[p] == conn && session[p] != self) {
        if (session[p] == p) lead[p] = 1; else pick[p] = 1
      }
      for (p in session) if (session[p] in lead) pick["-" group[p]] = 1
      for (t in pick) print t
    }'
}
# Prints a pid when a process of the targets ($@) is still alive (not a zombie).
any_alive() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v targets=" $* " '
    { pid = $1; sub(/^.*\\) /, "")
      if ($1 != "Z" && (index(targets, " " pid " ") || index(targets, " -" $3 " "))) { print pid; exit } }'
}
cut_off() {
  at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  conn= pid=$$
  while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do
    case $(cat "/proc/$pid/comm" 2>/dev/null) in sshd | sshd-session) conn=$pid; break ;; esac
    pid=$(stat_field "$pid" 2)
  done
  if [ -z "$conn" ] || ! kill -s STOP -- "$conn"; then
    # Freeing the lock without ending the connection would let two runs change the server.
    printf '%s %s: no heartbeat for %ss, but its connection could not be stopped (sshd "%s"): kept the lock\\n' \\
      "$at" "$holder" "$quiet" "$conn" >>"$dir/lock.log"
    return 1
  fi
  targets=$(connection_targets "$conn")
  for target in $targets; do kill -s TERM -- "$target" 2>/dev/null; done
  tenths=0
  while [ -n "$(any_alive $targets)" ] && [ "$tenths" -lt $((grace * 10)) ]; do
    sleep 0.2
    tenths=$((tenths + 2))
  done
  for target in $targets; do kill -s KILL -- "$target" 2>/dev/null; done
  # Stopped, it would act on nothing but KILL; continuing it for a TERM could let it start what the
  # run sent meanwhile.
  kill -s KILL -- "$conn"
  remove_run_containers
  printf 'LAPSED %s %s %s\\n' "$at" "$quiet" "$holder" >"$dir/lock"
  printf '%s %s: no heartbeat for %ss; cut off its connection (sshd %s, sessions %s) and released the lock\\n' \\
    "$at" "$holder" "$quiet" "$conn" "$(echo $targets)" >>"$dir/lock.log"
}

# This run's processes outside this session: none after a release; after a lost connection, what it
# left running, stopped before the lock is let go. Each command's wrapper has the token among its
# arguments (its shells too), and exports TT_RUN=<token> to every program it starts.
run_leftovers() {
  own=$(stat_field $$ 4)
  for file in $({ grep -lzx "TT_RUN=$token" /proc/[0-9]*/environ; grep -lzx -e "$token" /proc/[0-9]*/cmdline; } 2>/dev/null | sort -u); do
    pid=\${file#/proc/}; pid=\${pid%/*}
    # Gone already (the grep itself, a command that just ended), or of this session: not left over.
    sid=$(stat_field "$pid" 4)
    [ -z "$sid" ] || [ "$sid" = "$own" ] || echo "$pid"
  done
}
reap_run() {
  [ -n "$token" ] || return 0
  pids=$(run_leftovers)
  if [ -n "$pids" ]; then
    kill -s TERM $pids 2>/dev/null
    tenths=0
    while [ -n "$(run_leftovers)" ] && [ "$tenths" -lt $((grace * 10)) ]; do sleep 0.2; tenths=$((tenths + 2)); done
    left=$(run_leftovers)
    [ -z "$left" ] || kill -s KILL $left 2>/dev/null
    printf '%s %s: its connection ended with commands still running (pids %s); stopped them, then released the lock\\n' \\
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$holder" "$(echo $pids)" >>"$dir/lock.log"
  fi
  remove_run_containers
}
# One-off containers the run started (compose run, labelled $label=<token>) go on when their client
# is stopped: removed too.
remove_run_containers() {
  [ -n "$token" ] && [ -n "$label" ] && command -v docker >/dev/null 2>&1 || return 0
  ids=$(timeout 20 docker ps -aq --filter "label=$label=$token" 2>/dev/null)
  [ -z "$ids" ] || timeout 30 docker rm -f $ids >/dev/null 2>&1
}

seen= quiet=0 stuck=
while :; do
  # A release writes R, then closes: only a channel that ended without it (a lost connection, a
  # killed runner) can have left commands running. The substitution lets go of fd 9 (the lock) first.
  got=$(exec 9>&-; timeout --foreground "$poll" head -c 1)
  case $? in
    0) [ "$got" = R ] || reap_run; exit 0 ;;
    124) ;;
    *) echo 'the lock holder cannot wait on its input (timeout failed)' >&2; exit 70 ;;
  esac
  beat=$(stat -c %y -- "$dir/lock.beat" 2>/dev/null)
  if [ -n "$beat" ] && [ "$beat" != "$seen" ]; then
    seen=$beat quiet=0
    continue
  fi
  quiet=$((quiet + poll))
  if [ "$quiet" -ge "$lapse" ] && [ -z "$stuck" ]; then
    cut_off && exit 0
    stuck=1
  fi
done
`;
/** $1 state dir. */
const HEARTBEAT_SCRIPT = `touch -- "$1/lock.beat"`;
async function takeDeployLock(session, stateDir, timeoutSeconds, holder, onBusy, options = {}) {
    const timing = lockTiming(options.timing);
    const { signal } = options;
    if (signal?.aborted)
        throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'));
    const started = Date.now();
    let waitedFor;
    let previousLapse;
    let locked = () => undefined;
    const ready = new Promise((resolve) => (locked = resolve));
    const held = session.start(shell_toSshCommand(LOCK_SCRIPT, [
        stateDir,
        String(timeoutSeconds),
        JSON.stringify(holder),
        String(pollSeconds(timing)),
        String(timing.lapseSeconds),
        String(timing.killGraceSeconds),
        session.runToken,
        RUN_LABEL,
    ]), {
        keepStdinOpen: true,
        // Not stopped by a cancel: the run records `cancelled` first, then releases.
        keepOnCancel: true,
        echo: 'none',
        timeoutSeconds: 7 * 24 * 3600,
        onStdoutLine: (line) => {
            if (line.startsWith('BUSY ')) {
                waitedFor = line.slice(5).trim();
                onBusy(waitedFor);
            }
            else if (line.startsWith('PREVIOUS LAPSED ')) {
                previousLapse = describePreviousLapse(line.slice('PREVIOUS '.length), session.label);
            }
            else if (line === 'LOCKED') {
                locked();
            }
        },
    });
    // Closing stdin ends the remote wait; once the lock is held, a cancel no longer touches it.
    let stoppedWaiting = false;
    const stopWaiting = () => {
        stoppedWaiting = true;
        held.endInput();
    };
    signal?.addEventListener('abort', stopWaiting, { once: true });
    const outcome = await Promise.race([ready.then(() => undefined), held.done]);
    signal?.removeEventListener('abort', stopWaiting);
    if (stoppedWaiting || outcome?.outcome.kind === 'cancelled') {
        await held.done;
        throw new errors/* CancelledError */.cc(String(signal?.reason ?? 'signal'));
    }
    if (outcome !== undefined)
        throw notTaken(outcome, session.label, stateDir, timeoutSeconds, waitedFor);
    let released = false;
    let lost;
    let beating = false;
    let beatFailing = false;
    // A runner that was frozen learns of its lapse from the gap in its own timer (the server has no
    // way left to tell it: the connection is gone).
    let lastTick = Date.now();
    let longestGapMs = 0;
    const heartbeat = () => {
        const now = Date.now();
        longestGapMs = Math.max(longestGapMs, now - lastTick);
        lastTick = now;
        // One at a time: on a server too slow to answer one within the interval, more would only pile up.
        if (beating || session.lost !== undefined)
            return;
        beating = true;
        void session
            .exec(shell_toSshCommand(HEARTBEAT_SCRIPT, [stateDir]), {
            echo: 'none',
            keepOnCancel: true,
            timeoutSeconds: timing.lapseSeconds,
        })
            .then((result) => {
            beating = false;
            const ok = result.outcome.kind === 'exited' && result.outcome.code === 0;
            if (!ok && !beatFailing && session.lost === undefined && !released) {
                options.warn?.(`a heartbeat of the deploy lock on ${session.label} failed (it ${describeOutcome(result.outcome)}` +
                    `${result.stderrTail.length > 0 ? `: ${result.stderrTail.join(' ')}` : ''}); if none gets through for ` +
                    `${timing.lapseSeconds}s, the server cuts this run off and frees the lock`);
            }
            beatFailing = !ok;
        });
    };
    const timer = setInterval(heartbeat, timing.heartbeatSeconds * 1000);
    timer.unref();
    const ended = held.done.then((result) => {
        clearInterval(timer);
        if (released)
            return;
        const stalledMs = Math.max(longestGapMs, Date.now() - lastTick);
        lost =
            stalledMs >= timing.lapseSeconds * 1000
                ? describeStall(stalledMs, timing, session.label)
                : describeLoss(result, session, stateDir);
        options.onLost?.(lost);
    });
    return {
        waitedFor,
        waitedMs: Date.now() - started,
        previousLapse,
        get lost() {
            return lost;
        },
        release: async () => {
            if (lost === undefined)
                released = true;
            clearInterval(timer);
            held.write('R');
            held.endInput();
            await ended;
        },
    };
}
function lockTiming(overrides = {}) {
    const timing = { ...LOCK_TIMING, ...overrides };
    for (const [name, value] of Object.entries(timing)) {
        if (!Number.isInteger(value) || value < 1)
            throw new Error(`lock timing: ${name} must be a whole number ≥ 1`);
    }
    if (timing.lapseSeconds < 3 * timing.heartbeatSeconds)
        throw new Error('lock timing: the lapse must span at least three heartbeats');
    return timing;
}
/** How often the holder looks for a heartbeat (and counts the quiet time): twice per heartbeat. */
function pollSeconds(timing) {
    return Math.max(1, Math.round(timing.heartbeatSeconds / 2));
}
function notTaken(result, host, stateDir, timeoutSeconds, waitedFor) {
    const { outcome } = result;
    if (outcome.kind === 'exited' && outcome.code === 75) {
        return new errors/* LockTimeoutError */.XB(`the deploy lock in ${stateDir} on ${host} is still held after ${timeoutSeconds}s by ${waitedFor ?? 'another run'}; nothing was changed`);
    }
    return new Error(`could not take the deploy lock in ${stateDir} on ${host}: the lock command ${describeOutcome(outcome)}` +
        (result.stderrTail.length > 0 ? ` (${result.stderrTail.join(' ')})` : ''));
}
/** "LAPSED <time> <quiet seconds> <holder JSON>", as the holder records it, in words. */
function describePreviousLapse(line, host) {
    const [, at = '?', quiet = '?', holderText = ''] = /^LAPSED (\S+) (\S+) (.*)$/.exec(line) ?? [];
    let who = holderText.trim();
    try {
        const previous = JSON.parse(who);
        who =
            `run ${previous.run_id ?? '?'} (${previous.action ?? 'deploy'} by ${previous.actor ?? '?'}` +
                `${previous.run_url ? `, ${previous.run_url}` : ''})`;
    }
    catch {
        // A hand-edited record: quote it as it is.
    }
    return (`the previous holder of the deploy lock on ${host}, ${who}, stopped answering (no heartbeat for ${quiet}s) ` +
        `and was cut off at ${at}: its commands there were stopped mid-way; the ledger says what it had started`);
}
function describeStall(stalledMs, timing, host) {
    return (`this run did not run for ${Math.round(stalledMs / 1000)}s (the runner was paused or starved), longer than ` +
        `the deploy lock's lapse (${timing.lapseSeconds}s without a heartbeat), so ${host} cut this run's connection ` +
        'off: every command of this run there was stopped, then the deploy lock was released; another run may ' +
        'hold it now, and nothing this run sends reaches the server any more');
}
function describeLoss(result, session, stateDir) {
    if (session.lost !== undefined || result.outcome.kind === 'unknown') {
        return (`the connection to ${session.label} was lost while this run held the deploy lock (${session.lost ?? describeOutcome(result.outcome)}): ` +
            `the server released the lock when the connection ended, so another run may hold it now; nothing this run sends reaches ${session.label} any more`);
    }
    return (`the deploy lock's holder on ${session.label} ended while this run held the lock (it ${describeOutcome(result.outcome)}` +
        `${result.stderrTail.length > 0 ? `: ${result.stderrTail.join(' ')}` : ''}): the lock in ${stateDir} is free, and another run may take it`);
}
/** The holder record for this run, from the runner's environment. */
function holderFromEnvironment(environment, action) {
    const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    const runId = process.env.GITHUB_RUN_ID ?? `local-${process.pid}`;
    return {
        run_id: runId,
        run_url: repository === '' ? '' : `${server}/${repository}/actions/runs/${runId}`,
        actor: process.env.GITHUB_ACTOR ?? process.env.USER ?? 'unknown',
        environment,
        action,
        since: new Date().toISOString(),
    };
}
/**
 * Runs `work` holding the deploy lock, released whatever happens, and only after `work` has settled
 * (a cancelled run records `cancelled` inside `work`, then lets go). A dry run changes nothing, so
 * it takes no lock (taking it writes the holder into state-dir). Pass the run's `signal` so a cancel
 * stops the wait for a busy lock.
 */
async function withDeployLock(session, connection, timeoutSeconds, holder, work, options = {}) {
    if (connection.dryRun)
        return work();
    const started = Date.now();
    lib_core.startGroup('Take the deploy lock');
    let lock;
    try {
        lock = await takeDeployLock(session, connection.stateDir, timeoutSeconds, holder, (busy) => lib_core.info(`the deploy lock is held by ${output_inert(busy)}; waiting up to ${timeoutSeconds}s`), {
            ...options,
            onLost: (message) => {
                lib_core.error(message);
                options.onLost?.(message);
            },
            warn: (message) => {
                lib_core.warning(message);
                options.warn?.(message);
            },
        });
    }
    finally {
        lib_core.endGroup();
    }
    if (lock.previousLapse !== undefined)
        lib_core.warning(output_inert(lock.previousLapse));
    lib_core.info(`Take the deploy lock: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    let result;
    try {
        result = await work();
    }
    finally {
        await lock.release();
    }
    // The work went well, but not all of it under the lock: the step must not pass as if it had.
    if (lock.lost !== undefined)
        throw new Error(`${lock.lost}; the work that followed ran without the lock`);
    return result;
}

// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
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
        lib_core.info(`${connection.targets.length} hosts given: this runs once, on ${connection.targets[0].label}`);
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
    const config = parseYaml(configYaml);
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
    const configText = await session.run(commandLine(composeCommand(compose, settings, ['config'], env)), 'reading the compose configuration', { echo: 'stderr', timeoutSeconds: 120 });
    return stackServices(configText);
}
/** The containers of `services` now: `ps` for their ids, `docker inspect` for their state. */
async function compose_readServicesState(session, compose, settings, services, env) {
    const ids = parseIds(await session.run(shell_commandLine(composeCommand(compose, settings, psArgs(compose), env)), 'listing the containers', {
        echo: 'stderr',
        timeoutSeconds: 120,
    }));
    return { services, containers: await inspectContainers(session, ids) };
}
/** Every service running, and healthy where it has a healthcheck. */
function compose_judgeServices(state) {
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

;// CONCATENATED MODULE: ./packages/shared/src/deploy/plan.ts



/** An image reference without its tag. */
const plan_repositoryOf = (ref) => ref.slice(0, ref.length - (tagOf(ref)?.length ?? -1) - 1);
const plan_short = (sha) => sha.slice(0, 12);
function plan_imageMode(build, imageTagGiven) {
    if (build === 'auto')
        return imageTagGiven ? 'pull' : 'build';
    return build === 'true' ? 'build' : 'none';
}
/** The tag part of an image reference (`repo:tag`), or undefined for a digest or none. */
function tagOf(ref) {
    if (ref.includes('@'))
        return undefined;
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    const colon = name.lastIndexOf(':');
    return colon === -1 ? 'latest' : name.slice(colon + 1);
}
function describeContainer(container) {
    if (container.status === 'running')
        return container.health === 'none' ? 'running' : `running, ${container.health}`;
    if (container.status === 'exited')
        return `exited (code ${container.exitCode})`;
    return container.status;
}
/** One listed service now: its containers judged against the target image. */
/** A container that restarted within this many seconds is crash-looping, not running. */
const RECENT_RESTART_SECONDS = 60;
function serviceNow(state, service) {
    const containers = state.containers.filter((container) => container.service === service);
    const targetRef = state.targetImages[service];
    const targetId = targetRef === undefined ? undefined : state.localImages[targetRef];
    const imageTag = containers.map((container) => tagOf(container.imageRef)).find((tag) => tag !== undefined);
    if (containers.length === 0)
        return { service, state: 'no container', onTarget: false, ok: false, imageTag, sameButTag: undefined };
    const sinceStart = (c) => Math.round(state.serverTime - Date.parse(c.startedAt) / 1000);
    const restartedRecently = (c) => c.restartCount > 0 && sinceStart(c) < RECENT_RESTART_SECONDS;
    const bad = containers.find((c) => c.status !== 'running' || (c.health !== 'none' && c.health !== 'healthy') || restartedRecently(c));
    // The same image id under the target's reference; or under another tag of the same repository
    // where nothing else in the service's configuration depends on the tag (a cached build gives two
    // tags one id): what runs is then exactly what the target would run.
    const image = containers.every((c) => c.image === containers[0].image) ? containers[0].image : undefined;
    const sameButTag = image !== undefined &&
        targetRef !== undefined &&
        state.tagOnlyInImage.includes(service) &&
        !state.composeFileChanged &&
        containers.every((c) => plan_repositoryOf(normaliseImageRef(c.imageRef)) === plan_repositoryOf(targetRef) &&
            unchangedForService(state, service, tagOf(c.imageRef)))
        ? image
        : undefined;
    const onTarget = targetId !== undefined &&
        containers.every((c) => c.image === targetId && (normaliseImageRef(c.imageRef) === targetRef || sameButTag !== undefined));
    const shown = bad !== undefined && bad.status === 'running' && restartedRecently(bad)
        ? `restarting repeatedly (${bad.restartCount} restarts, the last ${sinceStart(bad)}s ago)`
        : describeContainer(bad ?? containers[0]);
    return {
        service,
        state: containers.length > 1 ? `${shown} (${containers.length} containers)` : shown,
        onTarget,
        ok: bad === undefined,
        imageTag,
        sameButTag,
    };
}
/**
 * Between the release a container runs (its git-<sha12> tag) and the target, git changed neither the
 * compose file nor anything the service reads at run time (env_file, bind mounts, `.env`): only then
 * is the same image the same container. An unknown release (another kind of tag) never is.
 */
function unchangedForService(state, service, tag) {
    const sha = /^git-([0-9a-f]{12})$/.exec(tag ?? '')?.[1];
    const changed = sha === undefined ? undefined : state.releaseChanges[sha];
    if (changed === undefined)
        return false;
    const inputs = state.runtimeInputs[service] ?? [];
    return !changed.some((file) => inputs.some((input) => file === input || file.startsWith(`${input}/`)));
}
/** Where the database stands against the target's migrations, and whether to migrate. */
function planMigration(state, request, notes) {
    if (request.migrate === 'false' || state.migrations === undefined)
        return undefined;
    const heads = state.migrations.heads;
    const head = heads.join(',');
    const to = head === '' ? '(no migrations)' : head;
    if (state.dbRevision === undefined) {
        const why = `the database revision could not be read (${state.dbRevisionProblem ?? 'not read'})`;
        if (heads.length === 0 && request.migrate === 'auto')
            return undefined;
        return { kind: 'migrate', from: '(unknown)', to, why: `${why}; the migration reads it again` };
    }
    const from = state.dbRevision === '' ? '(base)' : state.dbRevision;
    if (request.migrate === 'true')
        return { kind: 'migrate', from, to, why: 'migrate is true' };
    if (heads.length === 0 && state.dbRevision !== '')
        notes.push(`the database is at ${from} but ${plan_short(state.target)} has no migrations under migrations-path: nothing is migrated (is migrations-path right?)`);
    if (heads.length === 0 || state.dbRevision === head)
        return undefined;
    if (heads.length > 1)
        return { kind: 'migrate', from, to, why: `the target has ${heads.length} heads (the migration refuses)` };
    const known = state.dbRevision
        .split(',')
        .every((revision) => state.migrations?.revisions.includes(revision));
    if (state.dbRevision !== '' && !known) {
        notes.push(`the database is at ${from}, which ${plan_short(state.target)}'s migrations do not contain (a newer release's?); ` +
            'it is left as it is: a downgrade is never automatic (action-migrate, or a full rollback)');
        return undefined;
    }
    return { kind: 'migrate', from, to, why: `the database is behind ${plan_short(state.target)}'s head` };
}
function plan_planDeploy(state, request) {
    const notes = interruptedRuns(state.releases).map((run) => `${describeInterrupted(run)}; converging`);
    const services = request.services.map((service) => serviceNow(state, service));
    const firstStart = state.containers.length === 0;
    const refuse = (refusal) => ({ steps: [], notes, refusal, services, firstStart });
    if (state.target === '')
        return refuse('the ref names no commit on the server after git fetch');
    const unknown = request.services.filter((service) => !(service in state.targetImages));
    if (unknown.length > 0 && !state.composeFileChanged) {
        return refuse(`${unknown.join(', ')}: not a service with an image in ${plan_short(state.target)}'s compose configuration ` +
            `(it has: ${Object.keys(state.targetImages).join(', ') || 'none'})`);
    }
    // A service the configuration read does not name (new in a changed compose file) counts as missing.
    const missing = request.services.filter((service) => state.targetImages[service] === undefined ||
        state.localImages[state.targetImages[service]] === undefined);
    const mode = plan_imageMode(request.build, request.imageTagGiven);
    if (mode === 'none' && missing.length > 0) {
        return refuse(`build is false but the target images of ${missing.join(', ')} are not on the server ` +
            `(${missing.map((service) => state.targetImages[service]).join(', ')})`);
    }
    const blocked = request.services.filter((service) => strategyOf(request, service) === 'start-first' && state.startFirstBlockers[service] !== undefined);
    if (blocked.length > 0) {
        return refuse(`strategy start-first cannot run ${blocked.map((service) => `${service}: ${state.startFirstBlockers[service]}`).join('; ')}. ` +
            `Give ${blocked.length === 1 ? 'it' : 'them'} recreate, e.g. strategy: start-first,${blocked.map((service) => `${service}:recreate`).join(',')}`);
    }
    const steps = [];
    if (state.head !== state.target)
        steps.push({ kind: 'checkout', sha: state.target, from: state.head });
    if (mode === 'build' && (request.build === 'true' || missing.length > 0))
        steps.push({ kind: 'build', imageTag: state.imageTag, missing });
    const latest = request.services.filter((service) => {
        const ref = state.targetImages[service];
        return ref !== undefined && tagOf(ref) === 'latest';
    });
    if (mode === 'pull' && (missing.length > 0 || latest.length > 0))
        steps.push({ kind: 'pull', imageTag: state.imageTag, services: [...new Set([...missing, ...latest])] });
    // The stack's dependencies (database, cache, backup) run before the migration and the services.
    const absent = Object.keys(state.targetImages).filter((service) => !request.services.includes(service) &&
        !state.containers.some((container) => container.service === service));
    if (absent.length > 0)
        steps.push({ kind: 'start', services: absent });
    const migration = planMigration(state, request, notes);
    if (migration)
        steps.push(migration);
    for (const now of services) {
        const why = !now.ok
            ? now.state
            : missing.includes(now.service)
                ? `its target image ${state.targetImages[now.service] ?? '(named by the changed compose file)'} is not on the server yet`
                : !now.onTarget
                    ? `runs ${now.imageTag ?? 'another image'}, not ${state.imageTag}`
                    : state.composeFileChanged
                        ? `the compose file changed in ${plan_short(state.target)}`
                        : undefined;
        // `up` leaves a container alone when its image and settings match: recreate it when it is on the
        // target but not healthy, or when only its settings may have changed.
        const force = now.onTarget && (!now.ok || state.composeFileChanged);
        const strategy = strategyOf(request, now.service) === 'start-first' && now.ok ? 'start-first' : 'recreate';
        // Its new image is built or pulled first: it may prove to be the one it runs.
        const unlessImageIs = now.ok && missing.includes(now.service) ? now.sameButTag : undefined;
        if (why !== undefined)
            steps.push({
                kind: 'restart',
                service: now.service,
                why,
                force,
                strategy,
                ...(unlessImageIs ? { unlessImageIs } : {}),
            });
    }
    return { steps, notes, refusal: undefined, services, firstStart };
}
function plan_describeStep(step) {
    switch (step.kind) {
        case 'checkout':
            return `check out ${plan_short(step.sha)} (detached; now ${plan_short(step.from)})`;
        case 'build':
            return `build images (IMAGE_TAG=${step.imageTag})${step.missing.length > 0 ? `: missing for ${step.missing.join(', ')}` : ''}`;
        case 'pull':
            return `pull images (IMAGE_TAG=${step.imageTag}) for ${step.services.join(', ')}`;
        case 'start':
            return `start ${step.services.join(', ')} (no container of them exists), then wait until each is healthy`;
        case 'migrate':
            return `migrate the database ${step.from} -> ${step.to} (${step.why}): backup, SQL preview, destructive guard, alembic upgrade head`;
        case 'restart':
            return ((step.strategy === 'start-first'
                ? `start a new ${step.service} beside the old (${step.why}), wait until it is healthy, let both serve for start-first-overlap, stop and remove the old, then probe health-url`
                : `restart ${step.service} (${step.why}), then wait until it is healthy and probe health-url`) +
                (step.unlessImageIs ? '; skipped if its new image is the one it runs' : ''));
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/deploy/deploy.ts
/**
 * action-deploy's work, in three parts that each stay small: read what runs (live-state.ts), plan
 * from it (plan.ts, pure), and apply exactly the plan (here). Every run is journalled: `started`
 * before its first change, its result after (`cancelled` too, when it can).
 */




















const IMAGE_TAG = 'IMAGE_TAG';
const UPGRADE_HEAD = { direction: 'upgrade', target: 'head', preview: false };
const deploy_short = (sha) => sha.slice(0, 12);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const defaultImageTag = (sha) => `git-${deploy_short(sha)}`;
function rollbackCommand(environment, ref, full = false) {
    return `gh workflow run rollback.yml -f environment=${environment} -f to=${ref}${full ? ` -f mode=full -f confirm=${environment}` : ''}`;
}
/**
 * The stage lists being recorded where the code runs: the innermost recorder's, and those around it
 * (a rollback's list holds its deploy's stages too). Scoped to the async work that started each
 * recorder, so the hosts of a fleet, worked on side by side, never see each other's stages.
 */
const recorders = new external_node_async_hooks_.AsyncLocalStorage();
/** Runs `work`, and gives what it returned with the stages it ran, in the order they began. */
async function recordStages(work) {
    const stages = [];
    const value = await recorders.run([...(recorders.getStore() ?? []), stages], work);
    return { value, stages: inStartOrder(stages) };
}
/** `work`'s outcome with the stages it went through (runDeploy, runRollback, runOps and swarm's). */
async function withStages(work) {
    const { value, stages } = await recordStages(work);
    return { ...value, stages };
}
/**
 * Runs `work` inside a log group named for the stage, and says how long it took; the recorders in
 * scope (see recordStages) get its timing. Without one, only the log has it.
 */
async function stage(name, work, 
/** For work that says it failed in its value instead of throwing (a rollback, a command's result). */
failed = () => false) {
    const started = Date.now();
    let result = 'failed';
    lib_core.startGroup(name);
    try {
        const value = await work();
        result = failed(value) ? 'failed' : 'ok';
        return value;
    }
    finally {
        const ms = Date.now() - started;
        lib_core.endGroup();
        lib_core.info(`${name}: ${(ms / 1000).toFixed(1)}s`);
        const host = hostLabel();
        const timing = {
            name,
            startedAt: new Date(started).toISOString(),
            seconds: ms / 1000,
            result,
            ...(host === undefined ? {} : { host }),
        };
        for (const stages of recorders.getStore() ?? [])
            stages.push(timing);
    }
}
/** health-url never reported healthy: its last answer goes into the diagnostics. */
class HealthUrlError extends Error {
    url;
    answer;
    constructor(message, url, answer) {
        super(message);
        this.url = url;
        this.answer = answer;
    }
}
/** Probes health-url on the server until it answers 2xx with status "healthy", or until the timeout. */
async function waitForHealthUrl(session, url, timeoutSeconds, signal) {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const answer = await probeOnServer(session, url);
        const verdict = judgeHealthAnswer(answer, 'healthy');
        if (verdict.ok)
            return verdict.value;
        if (Date.now() >= deadline)
            throw new HealthUrlError(`${url} did not report healthy within ${timeoutSeconds}s (last: ${verdict.value})`, url, answer);
        await sleep(250, signal);
    }
}
async function resolveRef(session, appDir, ref, remote) {
    for (const candidate of refCandidates(ref, remote)) {
        const result = await session.exec(commandLine(resolveCommand(appDir, candidate)), {
            echo: 'none',
            timeoutSeconds: 60,
        });
        const sha = result.stdout.trim();
        if (result.outcome.kind === 'exited' && result.outcome.code === 0 && /^[0-9a-f]{40}$/.test(sha))
            return sha;
    }
    throw new Error(`ref "${ref}" names no branch of ${remote}, tag or commit in ${appDir} on ${session.label} after git fetch`);
}
/** Shell text for `alembic current`, evaluated inside the live-state script ("$@" = compose). */
function alembicCurrentText(settings) {
    const { migration, connection } = settings;
    if (migration.migrateService === undefined)
        return `cd ${quote(connection.appDir)} && ${migration.alembicCommand} current`;
    // The running container answers fastest, and no image of the target is needed for it.
    return `"$@" -f "$file" exec -T ${quote(migration.migrateService)} sh -c ${quote(`${migration.alembicCommand} current`)}`;
}
function liveStateRequest(settings, fetch = true) {
    const { connection } = settings;
    const migrations = settings.migrate !== 'false';
    return {
        appDir: connection.appDir,
        composeFile: connection.composeFile,
        composeCommand: connection.composeCommand,
        remote: settings.remote,
        ref: settings.ref,
        imageTag: settings.imageTag,
        stateDir: connection.stateDir,
        migrationsPath: migrations ? settings.migrationsPath : undefined,
        alembicCurrent: migrations ? alembicCurrentText(settings) : undefined,
        fetch,
    };
}
/** The commands the plan's steps run, for the dry run's listing. */
function planSteps(plan, settings, compose, state) {
    const env = { [IMAGE_TAG]: state.imageTag };
    const { connection } = settings;
    return plan.steps.map((step) => {
        const title = describeStep(step);
        switch (step.kind) {
            case 'checkout':
                return { title, command: checkoutCommand(connection.appDir, step.sha) };
            case 'build':
                return { title, command: buildCommand(compose, connection, env) };
            case 'pull':
                return { title, command: pullCommand(compose, connection, env, step.services) };
            case 'start':
                return { title, command: startCommand(compose, connection, env, step.services) };
            case 'migrate':
                return { title };
            case 'restart':
                return {
                    title,
                    command: step.strategy === 'start-first'
                        ? scaleUpCommand(compose, connection, env, step.service, containersOf(state, step.service) + (state.replicas[step.service] ?? 1))
                        : upCommand(compose, connection, env, step.service, step.force),
                };
        }
    });
}
const containersOf = (state, service) => state.containers.filter((container) => container.service === service).length;
/** The IMAGE_TAG the listed services run now: the tag most of their containers were made with. */
function runningTag(plan) {
    const tags = plan.services.map((service) => service.imageTag).filter((tag) => tag !== undefined);
    const counts = new Map();
    for (const tag of tags)
        counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}
/** An outcome of the run that began at `started`: what is given, and nothing done for the rest. */
function outcomeOf(started, given) {
    return {
        migrated: false,
        rolledBack: false,
        durationSeconds: Math.round((Date.now() - started) / 100) / 10,
        services: [],
        restored: [],
        migration: undefined,
        failure: undefined,
        down: [],
        diagnostics: [],
        ...given,
    };
}
/** A dry run where app-dir is not a checkout: the first deployment's steps, nothing read beyond that. */
function firstDeploymentDryRun(settings, label, started) {
    const steps = firstDeploymentSteps(settings);
    core.info(`dry run on ${label}: ${settings.connection.appDir} is not a checkout; a first deployment would:`);
    steps.forEach((step, index) => core.info(inert(`  ${index + 1}. ${step}`)));
    return outcomeOf(started, {
        result: 'unchanged',
        dryRun: true,
        previousRef: '',
        deployedRef: '',
        attemptedRef: '',
        imageTag: settings.imageTag ?? '',
        previousImageTag: '',
        plan: steps.map((title) => ({ title })),
        notes: [],
        checks: [],
    });
}
/** A deploy (or an image rollback done as one), with the stages it went through. */
async function runDeploy(settings, context) {
    return withStages(() => runDeployUntimed(settings, context));
}
async function runDeployUntimed(settings, context) {
    const started = Date.now();
    const { session, signal } = context;
    const { connection } = settings;
    const run = (command, what) => session.run(commandLine(command), what);
    /** Runbook §1 before a first deployment: its rows into `checks`; why it must stop, if it must. */
    const preflightFirst = async (first) => {
        const preflight = await stage('Preflight (runbook §1)', () => firstDeploymentPreflight(session, first));
        checks = preflight.rows;
        if (preflight.refusal !== undefined)
            core.error(preflight.refusal);
        return preflight.refusal;
    };
    // Runbook §2: app-dir not a checkout yet. A rollback (which passes its state) never gets here.
    let cloned = false;
    // The first deployment's preflight (runbook §1) rows, then its checklist's (§2).
    let checks = [];
    if (context.state === undefined) {
        if (connection.dryRun && (await readCheckoutState(session, connection.appDir)).kind !== 'checkout')
            return firstDeploymentDryRun(settings, session.label, started);
        const sha = await stage('Check app-dir', () => ensureCheckout(session, settings, () => resolveRef(session, connection.appDir, settings.ref, settings.remote)));
        cloned = sha !== undefined;
        // Before the live state: its `compose config` may need the .env the preflight asks for.
        if (sha !== undefined && settings.firstDeployment !== undefined) {
            const refusal = await preflightFirst(settings.firstDeployment);
            if (refusal !== undefined)
                return outcomeOf(started, {
                    result: 'failed',
                    dryRun: false,
                    previousRef: '',
                    deployedRef: '',
                    attemptedRef: sha,
                    imageTag: settings.imageTag ?? defaultImageTag(sha),
                    previousImageTag: '',
                    plan: [],
                    notes: [],
                    checks,
                    failure: refusal,
                });
        }
    }
    const state = context.state ??
        (await stage('Read the live state', () => readLiveState(session, liveStateRequest(settings))));
    if (state.target === '')
        throw new Error(`ref "${settings.ref}" names no branch of ${settings.remote}, tag or commit in ${connection.appDir} on ${session.label} after git fetch`);
    const compose = state.compose;
    const plan = planDeploy(state, {
        services: settings.services,
        build: settings.build,
        imageTagGiven: settings.imageTag !== undefined,
        migrate: settings.migrate,
        strategy: settings.strategy,
    });
    // What ran before: the checkout, unless an interrupted run already checked the target out while the
    // services still run an older release of ours (git-<sha12>), which is then the one to go back to.
    // Nothing, on a server this run cloned, or one with the target checked out, nothing older running and
    // no release ever recorded (a first deployment tried again): there is nothing to go back to.
    const released = state.releases.some((release) => ['success', 'unchanged', 'rolled-back'].includes(release.result));
    let previousRef = cloned ? '' : state.head;
    const olderTag = /^git-([0-9a-f]{12})$/.exec(runningTag(plan))?.[1];
    if (!cloned && state.head === state.target) {
        if (olderTag !== undefined && !state.target.startsWith(olderTag))
            previousRef = await resolveRef(session, connection.appDir, olderTag, settings.remote).catch(() => state.head);
        else if (!released)
            previousRef = '';
    }
    const targetRef = state.target;
    const imageTag = state.imageTag;
    const previousImageTag = runningTag(plan) || imageTag;
    const env = { [IMAGE_TAG]: imageTag };
    // Image references and states come from the server: inert.
    core.info(inert(`running: ${previousRef} (${plan.services.map((s) => `${s.service} ${s.imageTag ?? '?'}: ${s.state}`).join('; ')}); ` +
        `requested ${settings.ref} = ${targetRef} (${imageTag}); compose: ${compose.command.join(' ')} (v${compose.major})` +
        (state.dbRevision !== undefined ? `; database at ${state.dbRevision || '(base)'}` : '')));
    for (const note of plan.notes)
        core.warning(note);
    const outcome = (result, extra = {}) => outcomeOf(started, {
        result,
        dryRun: connection.dryRun,
        previousRef,
        deployedRef: targetRef,
        attemptedRef: targetRef,
        imageTag,
        previousImageTag,
        plan: planSteps(plan, settings, compose, state),
        notes: plan.notes,
        checks,
        ...extra,
    });
    if (plan.refusal !== undefined)
        throw new Error(`${plan.refusal}; nothing was changed`);
    // A first deployment (cloned now, or nothing of the stack runs and no release was ever recorded):
    // runbook §1's preflight first (only reads), the post-deployment checklist at the end. A stack that
    // was taken down after releases is brought back as any deploy would: no preflight refuses it.
    const first = cloned || (plan.firstStart && !released) ? settings.firstDeployment : undefined;
    if (first !== undefined && !cloned) {
        const refusal = await preflightFirst(first);
        if (refusal !== undefined)
            return outcome('failed', { deployedRef: previousRef, failure: refusal });
    }
    if (connection.dryRun) {
        const steps = planSteps(plan, settings, compose, state);
        core.info(steps.length === 0
            ? `dry run on ${session.label}: nothing to do (every service runs ${imageTag}, healthy; checkout and database at the target)`
            : `dry run on ${session.label}: nothing will be changed. The plan:`);
        steps.forEach((step, index) => core.info(`  ${index + 1}. ${step.title}${step.command ? `\n       $ ${renderScript(step.command)}` : ''}`));
        return outcome('unchanged');
    }
    const journal = (result, migration, backup) => appendRelease(session, connection.stateDir, {
        time: new Date().toISOString(),
        environment: connection.environment,
        ref: targetRef,
        image_tag: imageTag,
        previous_ref: previousRef,
        migration: migration?.applied
            ? `${migration.revisionBefore || 'base'} -> ${migration.revisionAfter}`
            : '',
        actor: context.actor,
        run_url: context.runUrl,
        result,
        action: context.action ?? 'deploy',
        run_id: context.runId,
        ...(backup ? { backup } : {}),
    });
    if (plan.steps.length === 0) {
        core.info(`${deploy_short(targetRef)} with image tag ${imageTag} is running: every service on its image and healthy, ` +
            'the checkout and the database at the target; nothing to do');
        await journal('unchanged');
        return outcome('unchanged');
    }
    await journal('started');
    if (connection.stateDir.startsWith(`${connection.appDir}/`)) {
        const inside = connection.stateDir.slice(connection.appDir.length);
        await session.run(toSshCommand(EXCLUDE_SCRIPT, [connection.appDir, `${inside}/`]), 'keeping the state dir out of git');
    }
    const services = [];
    const restarted = [];
    // Services whose containers this run began to change (a start-first one before its switch too).
    const touched = [];
    const place = {
        session,
        appDir: connection.appDir,
        composeFile: connection.composeFile,
        compose,
        env,
        signal,
    };
    const log = (message) => core.info(message);
    const absentNow = new Set(plan.services.filter((now) => now.state === 'no container').map((now) => now.service));
    const absentAfter = (service) => settings.services.slice(settings.services.indexOf(service) + 1).some((later) => absentNow.has(later));
    let preparing;
    let migration;
    let checkedOut = false;
    // The service being restarted, and what it showed when it failed: the diagnostics' subject.
    let failing;
    const diagnostics = [];
    /** Runbook §9's collection about a failed service, before anything (a rollback) removes its container. */
    const diagnose = async (subject, reason) => {
        if (subject === undefined)
            return;
        try {
            diagnostics.push(await collectDiagnostics(session, compose, connection, {
                reason,
                services: [subject.service],
                ...(subject.logs ? { earlierLogs: { [subject.service]: subject.logs } } : {}),
                ...(subject.probe ? { probe: subject.probe } : {}),
            }));
        }
        catch (why) {
            if (why instanceof CancelledError)
                throw why;
            core.warning(`could not collect diagnostics for ${subject.service}: ${errorMessage(why)}`);
        }
    };
    try {
        for (const step of plan.steps)
            await applyStep(step);
    }
    catch (error) {
        // A migration's checks still running beside a failed build: let them end before anything else.
        await preparing?.catch(() => undefined);
        if (error instanceof MigrationError)
            migration = { ...error.partial, applied: false };
        // A step that failed because the run was cancelled (its command was stopped) is a cancel too.
        if (error instanceof CancelledError || signal.aborted) {
            // Remote work was stopped before this point; say so in the journal while the lock is still held.
            await journal('cancelled', migration, migration?.backup).catch((why) => core.warning(`could not record the cancel in the ledger: ${errorMessage(why)}`));
            throw error instanceof CancelledError
                ? error
                : new CancelledError(String(signal.reason ?? 'signal'), `During the cancel: ${errorMessage(error)}`);
        }
        const failure = errorMessage(error);
        if (session.lost !== undefined) {
            // Nothing more can be done or recorded on the server; say exactly what is known.
            throw new Error(`the connection to ${session.label} was lost during the deploy of ${deploy_short(targetRef)} (${session.lost}); ` +
                `restarted (or being restarted) before the loss: ${touched.join(', ') || 'none'}. The server may run a mix of ${deploy_short(previousRef)} and ` +
                `${deploy_short(targetRef)}; the deploy lock was released when the connection ended; the journal shows this run as started. ` +
                `Re-run the deploy (it reads what runs and converges), or roll back: ${rollbackCommand(connection.environment, previousRef)}`, { cause: error });
        }
        core.error(`deploy of ${deploy_short(targetRef)} failed: ${failure}`);
        await diagnose(failing, `deploy of ${deploy_short(targetRef)}: ${failure.split('\n')[0]}`);
        if (restarted.length > 0 && settings.autoRollback && previousRef !== '') {
            const restored = await stage(`Roll back to ${deploy_short(previousRef)}`, () => restorePrevious(session, compose, settings, previousRef, plan, state, restarted, signal), (value) => value.failure !== undefined).catch(async (error) => {
                // Cancelled while putting the previous release back: journal it, and say what is down.
                const down = await servicesDown(session, compose, settings).catch(() => []);
                await journal('cancelled', migration, migration?.backup).catch(() => undefined);
                throw error instanceof CancelledError
                    ? new CancelledError(String(signal.reason ?? 'signal'), `During the automatic rollback${downText(down)}`)
                    : error;
            });
            const ok = restored.failure === undefined;
            if (!ok) {
                const failed = restored.waits.find((wait) => !wait.ok);
                await diagnose(failed && { service: failed.service, logs: failed.logs }, `rollback to ${deploy_short(previousRef)}: ${restored.failure?.split('\n')[0]}`);
            }
            const down = ok ? [] : await servicesDown(session, compose, settings);
            await journal(ok ? 'rolled-back' : 'failed', migration, migration?.backup);
            return outcome(ok ? 'rolled-back' : 'failed', {
                deployedRef: ok ? previousRef : targetRef,
                rolledBack: ok,
                services,
                restored: restored.waits,
                migration,
                migrated: migration?.applied ?? false,
                down,
                diagnostics,
                failure: ok ? failure : `${failure}; the rollback failed too: ${restored.failure}${downText(down)}`,
            });
        }
        if (checkedOut && restarted.length === 0 && previousRef !== '') {
            // Nothing was restarted: the running code is still the previous release; keep the checkout with it.
            await run(checkoutCommand(connection.appDir, previousRef), 'checking the previous commit out again').catch((undo) => core.warning(`could not check ${deploy_short(previousRef)} out again: ${errorMessage(undo)}`));
        }
        const down = await servicesDown(session, compose, settings);
        await journal('failed', migration, migration?.backup);
        return outcome('failed', {
            deployedRef: restarted.length === 0 ? previousRef : targetRef,
            services,
            migration,
            migrated: migration?.applied ?? false,
            down,
            diagnostics,
            failure: (restarted.length > 0
                ? previousRef === ''
                    ? `${failure}; no release ran here before this one, so there is nothing to roll back to: ${restarted.join(', ')} run the new release`
                    : `${failure}; auto-rollback is off: ${restarted.join(', ')} run the new release`
                : failure) + downText(down),
        });
    }
    if (first !== undefined) {
        // Nothing ran before: a failed item is reported and fails the run, with nothing to go back to.
        const checklist = await stage('Post-deployment checklist (runbook §2)', () => postDeploymentChecklist(session, compose, settings, first, Object.keys(state.targetImages), checks));
        checks = [...checks, ...checklist];
        const failed = checklist.filter((row) => row.verdict === 'fail');
        if (failed.length > 0) {
            const failure = `post-deployment checklist: ${failed.map((row) => `${row.check}: ${row.value}`).join('; ')}`;
            core.error(inert(failure));
            await journal('failed', migration, migration?.backup);
            return outcome('failed', { services, migration, migrated: migration?.applied ?? false, failure });
        }
    }
    await journal('success', migration, migration?.backup);
    return outcome('success', { services, migration, migrated: migration?.applied ?? false });
    /** The migration's checks (see prepareMigration), from the revision read with the live state. */
    function prepare() {
        const preparation = prepareMigration(place, settings.migration, UPGRADE_HEAD, log, state.dbRevision);
        // Awaited by the migrate step, or after a failure before it; never an unhandled rejection meanwhile.
        preparation.catch(() => undefined);
        return preparation;
    }
    /** The id of the image the target names for `service`, as the server has it now. */
    async function imageIdOf(service) {
        const result = await session.exec(commandLine({
            argv: ['docker', 'image', 'inspect', '--format', '{{.Id}}', state.targetImages[service]],
        }), { echo: 'none', timeoutSeconds: 60 });
        return result.stdout.trim();
    }
    async function applyStep(step) {
        switch (step.kind) {
            case 'checkout':
                return stage(`Check out ${deploy_short(step.sha)}`, async () => {
                    await run(checkoutCommand(connection.appDir, step.sha), 'git checkout');
                    checkedOut = true;
                });
            case 'build':
                return stage(`Build images (${step.imageTag})`, async () => {
                    // Alembic on the host needs the release's code, not its images: the migration's checks run
                    // while the images build.
                    if (plan.steps.some((later) => later.kind === 'migrate') &&
                        settings.migration.migrateService === undefined)
                        preparing = prepare();
                    await run(buildCommand(compose, connection, env), 'compose build');
                });
            case 'pull':
                return stage(`Pull images (${step.imageTag})`, async () => {
                    await run(pullCommand(compose, connection, env, step.services), 'compose pull');
                });
            case 'start':
                return stage(`Start ${step.services.join(', ')}`, async () => {
                    await run(startCommand(compose, connection, env, step.services), 'compose up');
                    const gate = {
                        timeoutSeconds: settings.waitTimeoutSeconds,
                        minUptimeSeconds: settings.minUptimeSeconds,
                    };
                    // Started together: their waits overlap, so waiting for each in turn costs the slowest one.
                    for (const service of step.services) {
                        failing = { service };
                        const wait = await waitUntilHealthy(session, compose, connection, env, service, gate, signal);
                        services.push(wait);
                        if (!wait.ok) {
                            failing = { service, logs: wait.logs };
                            throw new Error(`${service} did not pass its gate: ${wait.state}`);
                        }
                        core.info(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`);
                    }
                    failing = undefined;
                });
            case 'migrate':
                migration = await stage('Migrate the database', async () => {
                    const prepared = await (preparing ?? prepare());
                    return prepared.done ?? applyMigration(place, settings.migration, UPGRADE_HEAD, prepared, log);
                });
                return;
            case 'restart':
                if (step.unlessImageIs !== undefined && (await imageIdOf(step.service)) === step.unlessImageIs) {
                    core.info(
                    // The reference comes from the compose file on the server: inert.
                    inert(`${step.service}: its new image ${state.targetImages[step.service]} is the image it runs (${step.unlessImageIs}); ` +
                        'its configuration differs only in the tag: not restarted'));
                    return;
                }
                return stage(`Restart ${step.service}${step.strategy === 'start-first' ? ' start-first' : ''} (${step.why})`, async () => {
                    touched.push(step.service);
                    failing = { service: step.service };
                    const wait = await restartService(session, compose, settings, env, step.service, signal, {
                        strategy: step.strategy,
                        replicas: state.replicas[step.service] ?? 1,
                        force: step.force,
                        // What a rollback must put back: a recreated service at once, a start-first one from its switch.
                        onChange: () => restarted.push(step.service),
                    });
                    services.push(wait);
                    if (!wait.ok) {
                        failing = { service: step.service, logs: wait.logs };
                        throw new Error(`${step.service} did not pass its gate: ${wait.state}`);
                    }
                    if (absentAfter(step.service)) {
                        // A service later in the order (the proxy, say) has no container yet: health-url can
                        // answer only once every listed service runs; it is probed after the last of them.
                        failing = undefined;
                        return;
                    }
                    const probeStarted = Date.now();
                    const answer = await waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal).catch((error) => {
                        if (error instanceof HealthUrlError)
                            failing = { service: step.service, probe: { url: error.url, answer: error.answer } };
                        throw error;
                    });
                    failing = undefined;
                    core.info(`health-url: ${answer} after ${seconds(probeStarted)}`);
                });
        }
    }
}
/** The IMAGE_TAG a service's container was made with, read from the server; undefined without one. */
async function runningImageTagOf(session, compose, place, service) {
    const { containers } = await compose_readServicesState(session, compose, place, [service]);
    return containers
        .filter((container) => container.service === service)
        .map((container) => tagOf(container.imageRef))
        .find((tag) => tag !== undefined);
}
function downText(down) {
    return down.length === 0 ? '' : `; NOT running and healthy now: ${down.join('; ')}`;
}
/** Listed services not running and healthy, read from the server after a failure. */
async function servicesDown(session, compose, settings) {
    try {
        const state = await readServicesState(session, compose, settings.connection, settings.services);
        return judgeServices(state)
            .filter((verdict) => !verdict.ok)
            .map((verdict) => `${verdict.service} (${verdict.state})`);
    }
    catch (error) {
        if (error instanceof CancelledError)
            throw error;
        return [`(could not read the services: ${errorMessage(error)})`];
    }
}
/**
 * One service onto the release in `env`: recreated (`up -d --no-deps`, then its gate), or start-first
 * (see startFirst) where its containers now are all running and healthy; with nothing healthy to keep
 * serving, start-first would only delay, and the service is recreated.
 */
async function restartService(session, compose, settings, env, service, signal, options) {
    const { connection } = settings;
    const gate = { timeoutSeconds: settings.waitTimeoutSeconds, minUptimeSeconds: settings.minUptimeSeconds };
    const started = Date.now();
    let strategy = options.strategy;
    let old = [];
    if (strategy === 'start-first') {
        old = await serviceContainers(session, compose, connection, env, service);
        const now = judgeServices({ services: [service], containers: old })[0];
        if (!now.ok) {
            core.info(`${service}: ${now.state}, nothing healthy to keep serving: recreating it instead of start-first`);
            strategy = 'recreate';
        }
    }
    let wait;
    if (strategy === 'start-first') {
        let switching = false;
        const result = await startFirst(session, compose, connection, env, service, gate, {
            old,
            overlapSeconds: settings.startFirstOverlapSeconds,
            replicas: options.replicas,
            signal,
            onSwitch: () => {
                switching = true;
                options.onChange?.();
            },
        }).catch((error) => {
            // Compose refused a second container (a rollback to a release whose configuration fixes its
            // name or port, say): the new ones were removed, the old ones serve; recreate it instead.
            if (error instanceof RemoteCommandError &&
                !switching &&
                !signal.aborted &&
                session.lost === undefined) {
                core.warning(`${service}: no second container could be started beside the old (${error.message}); recreating it instead`);
                return undefined;
            }
            throw error;
        });
        if (result !== undefined) {
            wait = result.wait;
            core.info(result.switched
                ? `${service}: new container ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s; the old one stopped and removed (${seconds(started)} in all)`
                : `${service}: the new container failed its gate (${wait.state}); it was removed and the old one still serves`);
            return wait;
        }
    }
    options.onChange?.();
    await session.run(commandLine(upCommand(compose, connection, env, service, options.force)), `restarting ${service}`);
    core.info(`${service} recreated in ${seconds(started)}`);
    wait = await waitUntilHealthy(session, compose, connection, env, service, gate, signal);
    core.info(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`);
    return wait;
}
/**
 * Puts each restarted service back on what it ran before (its own image tag, read from its container
 * before the deploy), with the previous commit checked out; each is gated as in a deploy.
 */
async function restorePrevious(session, compose, settings, previousRef, plan, state, services, signal) {
    const { connection } = settings;
    const waits = [];
    const fallbackTag = runningTag(plan) || defaultImageTag(previousRef);
    try {
        await session.run(commandLine(checkoutCommand(connection.appDir, previousRef)), 'checking the previous commit out');
        const tagFor = (service) => plan.services.find((s) => s.service === service)?.imageTag ?? fallbackTag;
        for (const tag of new Set(services.map(tagFor))) {
            const env = { [IMAGE_TAG]: tag };
            const own = services.filter((service) => tagFor(service) === tag);
            // Images of the previous release: still on the server (usually), else rebuilt from its commit or pulled.
            const absent = own.filter((service) => {
                const ref = state.targetImages[service];
                const previous = ref === undefined ? undefined : `${repositoryOf(ref)}:${tag}`;
                return previous === undefined || state.localImages[previous] === undefined;
            });
            if (absent.length > 0) {
                if (tag.startsWith('git-') && imageMode(settings.build, false) !== 'none')
                    await session.run(commandLine(buildCommand(compose, connection, env)), 'rebuilding the previous images');
                else
                    await session.run(commandLine(pullCommand(compose, connection, env, absent)), 'pulling the previous images');
            }
            for (const service of own) {
                const wait = await restartService(session, compose, settings, env, service, signal, {
                    strategy: strategyOf(settings, service),
                    replicas: state.replicas[service] ?? 1,
                });
                waits.push(wait);
                if (!wait.ok)
                    throw new Error(`${service} did not pass its gate: ${wait.state}`);
            }
        }
        await waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal);
        core.info(`restored ${deploy_short(previousRef)}: ${services.map((s) => `${s} (${tagFor(s)})`).join(', ')} healthy`);
        return { waits, failure: undefined };
    }
    catch (error) {
        if (error instanceof CancelledError)
            throw error;
        return { waits, failure: errorMessage(error) };
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/git/git.ts
const QUIET = ['-c', 'advice.detachedHead=false'];
function gitCommand(appDir, args) {
    return { argv: ['git', ...QUIET, ...args], cwd: appDir };
}
const headCommit = (appDir) => gitCommand(appDir, ['rev-parse', '--verify', 'HEAD^{commit}']);
const fetchRemote = (appDir, remote) => gitCommand(appDir, ['fetch', '--prune', '--tags', '--force', '--quiet', '--end-of-options', remote]);
/**
 * The candidates a ref may name, in order: a remote branch first (what was just fetched), then a
 * tag, then a commit id. `rev-parse --verify --end-of-options` needs git 2.30.
 */
function git_refCandidates(ref, remote) {
    const named = [`refs/remotes/${remote}/${ref}`, `refs/tags/${ref}`];
    // A full commit id means that commit, even where a branch bears the same name.
    const candidates = /^[0-9a-f]{40}$/.test(ref)
        ? [ref, ...named]
        : /^[0-9a-f]{7,39}$/.test(ref)
            ? [...named, ref]
            : named;
    return candidates.map((name) => `${name}^{commit}`);
}
const git_resolveCommand = (appDir, candidate) => gitCommand(appDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', candidate]);
const git_checkoutCommand = (appDir, sha) => gitCommand(appDir, ['checkout', '--quiet', '--detach', sha]);
const changedFiles = (appDir, from, to, path) => gitCommand(appDir, ['diff', '--name-only', `${from}..${to}`, '--', path]);
/** Keeps the state dir out of `git status` and `git clean` when it lies inside the checkout. */
const git_EXCLUDE_SCRIPT = (/* unused pure expression or super */ null && (`cd "$1" && f="$(git rev-parse --git-path info/exclude)" && mkdir -p "$(dirname "$f")" && { grep -qxF -- "$2" "$f" 2>/dev/null || printf '%s\\n' "$2" >> "$f"; }`));
/**
 * $1 app dir: prints `checkout` when it is the top of a git work tree with a commit checked out,
 * `absent` when it does not exist, else `not-a-checkout` and the names of up to 20 entries in it (a
 * repository a first deployment created but could not fetch into is not a checkout yet).
 */
const CHECKOUT_STATE_SCRIPT = (/* unused pure expression or super */ null && (`
[ -e "$1" ] || { echo absent; exit 0; }
top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null) && [ "$top" = "$(cd "$1" && pwd -P)" ] &&
  git -C "$1" rev-parse -q --verify 'HEAD^{commit}' >/dev/null && { echo checkout; exit 0; }
echo not-a-checkout
ls -A "$1" 2>/dev/null | head -n 20`));
/**
 * $1 app dir, $2 remote name, $3 repository: a repository in app-dir (created when missing) with the
 * remote set to the repository (again, on a retry), never a clone into it: files already there (the
 * state dir, a .env put there first) stay untracked, and a checkout refuses to overwrite any of them.
 * The server fetches with its own credentials.
 */
const INIT_CHECKOUT_SCRIPT = (/* unused pure expression or super */ null && (`
set -e
mkdir -p "$1"
cd "$1"
git init -q
if git remote get-url -- "$2" >/dev/null 2>&1; then git remote set-url -- "$2" "$3"; else git remote add -- "$2" "$3"; fi`));

;// CONCATENATED MODULE: ./packages/shared/src/ledger/ledger.ts
/**
 * The release ledger: `<state-dir>/releases.jsonl`, one JSON object per line (contract: "State on
 * the server"). It is a journal, not a belief: a run appends `started` before its first change and
 * its result after, so a `started` with no result marks a run that was interrupted. Nothing decides
 * what runs from it; the live state does.
 */

/** $1 state dir, $2 the line; appended with one write, so a reader never sees half a line. */
const APPEND_SCRIPT = `mkdir -p -- "$1" && printf '%s\\n' "$2" >> "$1/releases.jsonl"`;
const READ_SCRIPT = (/* unused pure expression or super */ null && (`if [ -f "$1/releases.jsonl" ]; then tail -n "$2" "$1/releases.jsonl"; fi`));
async function ledger_appendRelease(session, stateDir, release) {
    await session.run(shell_toSshCommand(APPEND_SCRIPT, [stateDir, JSON.stringify(release)]), 'appending to the release ledger', 
    // A cancelled run still records that it was cancelled, before it lets go of the lock.
    { echo: 'stderr', timeoutSeconds: 60, keepOnCancel: release.result === 'cancelled' });
}
/** The newest `count` entries, oldest first; lines that are not JSON are skipped. */
async function readReleases(session, stateDir, count = 200) {
    const text = await session.run(toSshCommand(READ_SCRIPT, [stateDir, String(count)]), 'reading the release ledger', {
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
const RESULTS = (/* unused pure expression or super */ null && (['success', 'failed', 'rolled-back', 'unchanged', 'cancelled', 'started']));
const TEXT_FIELDS = (/* unused pure expression or super */ null && ([
    'time',
    'environment',
    'ref',
    'image_tag',
    'previous_ref',
    'migration',
    'actor',
    'run_url',
]));
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
const GOOD_RESULTS = (/* unused pure expression or super */ null && (['success', 'unchanged']));
/**
 * The entries that put a release in place (deploys, rollbacks, migrations), without the emergency
 * operations (`action` ops), which work on whatever runs and never make it a release to go back to.
 */
function releasesOnly(releases) {
    return releases.filter((release) => release.action !== 'ops');
}
/**
 * Runs since the newest one that ended well whose journal ends in `started` (interrupted: no result)
 * or `cancelled`, oldest first: what the next run reports before it converges.
 */
function ledger_interruptedRuns(releases) {
    const last = new Map();
    for (const release of releases) {
        // An emergency operation that went well converges nothing: what an earlier run left stays to report.
        if (release.action !== 'ops' &&
            (GOOD_RESULTS.includes(release.result) || release.result === 'rolled-back'))
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
function ledger_describeInterrupted(release) {
    return (`run ${release.run_id ?? '?'} by ${release.actor}, ${doing(release)} ` +
        `${release.ref.slice(0, 12)}, ${release.result === 'cancelled' ? 'was cancelled' : 'was interrupted'} ` +
        `(${release.result === 'cancelled' ? 'at' : 'started'} ${release.time}${release.run_url ? `, ${release.run_url}` : ''})`);
}

;// CONCATENATED MODULE: ./packages/shared/src/migrate/sql.ts

const MAX_STATEMENT_CHARS = 2000;
const UNPARSEABLE = 'unparseable SQL (cannot prove safe)';
/** Object types as SQL spells them, where `OBJECT_X_Y` is not simply "X Y". */
const OBJECT_WORDS = {
    OBJECT_MATVIEW: 'MATERIALIZED VIEW',
    OBJECT_TABCONSTRAINT: 'CONSTRAINT',
    OBJECT_DOMCONSTRAINT: 'DOMAIN CONSTRAINT',
    OBJECT_FDW: 'FOREIGN DATA WRAPPER',
    OBJECT_FOREIGN_SERVER: 'SERVER',
    OBJECT_LARGEOBJECT: 'LARGE OBJECT',
    OBJECT_OPCLASS: 'OPERATOR CLASS',
    OBJECT_OPFAMILY: 'OPERATOR FAMILY',
    OBJECT_STATISTIC_EXT: 'STATISTICS',
    OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
    OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
    OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
    OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
};
const objectWords = (type) => typeof type !== 'string'
    ? 'OBJECT'
    : (OBJECT_WORDS[type] ?? type.replace(/^OBJECT_/, '').replaceAll('_', ' '));
/** The statements with a node of their own besides DropStmt (DROP TABLE, INDEX, TYPE… are DropStmt). */
const OTHER_DROPS = {
    DropdbStmt: 'DROP DATABASE',
    DropRoleStmt: 'DROP ROLE',
    DropOwnedStmt: 'DROP OWNED',
    DropTableSpaceStmt: 'DROP TABLESPACE',
    DropSubscriptionStmt: 'DROP SUBSCRIPTION',
    DropUserMappingStmt: 'DROP USER MAPPING',
};
/** ALTER TABLE subcommands that lose data or a guarantee (AlterTableCmd.subtype). */
const ALTER_TABLE_DESTRUCTIVE = {
    AT_DropColumn: 'DROP COLUMN',
    AT_DropConstraint: 'DROP CONSTRAINT',
    AT_AlterColumnType: 'ALTER COLUMN TYPE',
};
/** Definitions of code or of new, empty tables: nothing inside them runs now. */
const DEFINITIONS = new Set([
    'CreateFunctionStmt',
    'ViewStmt',
    'RuleStmt',
    'CreateTrigStmt',
    'CreatePolicyStmt',
    'AlterPolicyStmt',
    'CreateStmt',
    'CreateDomainStmt',
]);
/**
 * Built-in functions with no effect on stored data, callable in a migration without a finding. Any
 * other function (including these names in a schema other than pg_catalog) cannot be proven safe.
 */
const SAFE_FUNCTIONS = new Set([
    // aggregates and window functions
    'count sum avg min max bool_and bool_or every array_agg string_agg json_agg jsonb_agg',
    'json_object_agg jsonb_object_agg row_number rank dense_rank lag lead first_value last_value',
    // text
    'lower upper initcap length char_length octet_length substr substring left right trim btrim',
    'ltrim rtrim lpad rpad concat concat_ws replace regexp_replace regexp_match regexp_matches',
    'regexp_split_to_array split_part string_to_array array_to_string format md5 encode decode',
    'strpos starts_with repeat reverse translate quote_ident quote_literal quote_nullable',
    'to_char to_number to_date to_timestamp',
    // numbers, time
    'abs ceil ceiling floor round trunc mod power sqrt random now clock_timestamp statement_timestamp',
    'transaction_timestamp date_trunc date_part age make_date make_time make_timestamp',
    'make_timestamptz make_interval',
    // json, arrays
    'to_json to_jsonb row_to_json json_build_object jsonb_build_object json_build_array',
    'jsonb_build_array jsonb_set jsonb_insert jsonb_strip_nulls jsonb_typeof json_typeof',
    'jsonb_array_length json_array_length json_extract_path json_extract_path_text',
    'jsonb_extract_path jsonb_extract_path_text json_array_elements jsonb_array_elements',
    'json_array_elements_text jsonb_array_elements_text json_each jsonb_each json_each_text',
    'jsonb_each_text json_object_keys jsonb_object_keys array_length cardinality unnest',
    'array_append array_prepend array_cat array_remove array_replace array_position generate_series',
    // identifiers, sequences, settings
    'gen_random_uuid uuid_generate_v1 uuid_generate_v4 nextval currval setval pg_get_serial_sequence',
    'current_setting set_config',
]
    .join(' ')
    .split(' '));
const names = (list) => Array.isArray(list)
    ? list.map((item) => {
        const value = fields(item)?.String;
        const sval = fields(value)?.sval;
        return typeof sval === 'string' ? sval : '';
    })
    : [];
function fields(node) {
    return node !== null && typeof node === 'object' && !Array.isArray(node) ? node : undefined;
}
function functionCall(call) {
    // EXTRACT, SUBSTRING … FROM, AT TIME ZONE… : SQL syntax the grammar turns into pg_catalog calls.
    if (call.funcformat === 'COERCE_SQL_SYNTAX')
        return { descend: true };
    const path = names(call.funcname);
    const name = path.at(-1) ?? '';
    const schema = path.at(-2);
    const safe = (schema === undefined || schema === 'pg_catalog') && SAFE_FUNCTIONS.has(name);
    return safe
        ? { descend: true }
        : { kind: `call of ${path.join('.')}() (cannot prove safe)`, descend: true };
}
/** DROP TABLE alembic_version: what `alembic downgrade …:base` ends with. */
function isVersionTableDrop(drop) {
    const objects = Array.isArray(drop.objects) ? drop.objects : [];
    if (drop.removeType !== 'OBJECT_TABLE' || drop.behavior === 'DROP_CASCADE' || objects.length !== 1)
        return false;
    return names(fields(fields(objects[0])?.List)?.items ?? null).at(-1) === 'alembic_version';
}
function judge(type, node) {
    if (DEFINITIONS.has(type))
        return { descend: false };
    switch (type) {
        case 'DropStmt':
            return isVersionTableDrop(node)
                ? { descend: false }
                : { kind: `DROP ${objectWords(node.removeType)}`, descend: false };
        case 'AlterTableCmd':
            // SET DEFAULT only applies to rows inserted later: its expression does not run now.
            return {
                kind: ALTER_TABLE_DESTRUCTIVE[String(node.subtype)],
                descend: node.subtype !== 'AT_ColumnDefault',
            };
        case 'AlterDomainStmt':
            // subtype 'X': DROP CONSTRAINT; 'T': SET or DROP DEFAULT (runs later); 'N', 'O': NOT NULL.
            return { kind: node.subtype === 'X' ? 'DROP CONSTRAINT' : undefined, descend: node.subtype !== 'T' };
        case 'AlterOpFamilyStmt':
            return { kind: node.isDrop === true ? 'ALTER OPERATOR FAMILY … DROP' : undefined, descend: false };
        case 'TruncateStmt':
            return { kind: 'TRUNCATE', descend: false };
        case 'UpdateStmt':
            return { kind: node.whereClause === undefined ? 'UPDATE without WHERE' : undefined, descend: true };
        case 'DeleteStmt':
            return { kind: node.whereClause === undefined ? 'DELETE without WHERE' : undefined, descend: true };
        case 'RenameStmt':
            return { kind: `RENAME ${objectWords(node.renameType)}`, descend: false };
        case 'AlterEnumStmt':
            // ALTER TYPE … RENAME VALUE (ADD VALUE has no oldVal and keeps every value).
            return { kind: node.oldVal === undefined ? undefined : 'RENAME ENUM VALUE', descend: false };
        case 'AlterObjectSchemaStmt':
            return { kind: `ALTER ${objectWords(node.objectType)} SET SCHEMA`, descend: false };
        case 'DoStmt':
            return { kind: 'DO block (cannot prove safe)', descend: false };
        case 'ExecuteStmt':
            return { kind: 'EXECUTE (cannot prove safe)', descend: false };
        case 'CallStmt':
            return { kind: 'CALL (cannot prove safe)', descend: false };
        case 'LoadStmt':
            return { kind: 'LOAD (cannot prove safe)', descend: false };
        case 'CopyStmt':
            return {
                kind: node.is_program === true ? 'COPY … PROGRAM (cannot prove safe)' : undefined,
                descend: true,
            };
        case 'FuncCall':
            return functionCall(node);
    }
    if (OTHER_DROPS[type] !== undefined)
        return { kind: OTHER_DROPS[type], descend: false };
    if (/^Drop\w*Stmt$/.test(type))
        return { kind: `DROP (${type})`, descend: false };
    return { descend: true };
}
/** The findings in one statement's tree. Nodes are `{ "TypeName": { fields } }`; fields are lower case. */
function inspect(tree, kinds) {
    if (Array.isArray(tree)) {
        for (const item of tree)
            inspect(item, kinds);
        return;
    }
    const object = fields(tree);
    if (object === undefined)
        return;
    for (const [key, value] of Object.entries(object)) {
        const node = fields(value);
        if (/^[A-Z]/.test(key) && node !== undefined) {
            const verdict = judge(key, node);
            if (verdict.kind !== undefined)
                kinds.add(verdict.kind);
            if (!verdict.descend)
                continue;
        }
        inspect(value, kinds);
    }
}
function collapse(text) {
    const collapsed = text.replace(/\s+/g, ' ').trim();
    return collapsed.length <= MAX_STATEMENT_CHARS ? collapsed : `${collapsed.slice(0, MAX_STATEMENT_CHARS)}…`;
}
/** The text around a parse error, from the `;` before it to the one after (for the message only). */
function around(sql, position) {
    const start = sql.lastIndexOf(';', Math.max(0, position - 1)) + 1;
    const end = sql.indexOf(';', position);
    return collapse(sql.slice(start, end === -1 ? undefined : end + 1).slice(0, 400));
}
let parser;
/** libpg-query and its WebAssembly, loaded on the first classification only (not at start-up). */
function loadParser() {
    parser ??= __webpack_require__.e(/* import() */ 627).then(__webpack_require__.t.bind(__webpack_require__, 2627, 23)).then(async (pg) => {
        await pg.loadModule();
        return pg;
    });
    return parser;
}
/** Every statement of `sql` that is destructive or cannot be proven safe, in order, one per kind. */
async function destructiveStatements(sql) {
    if (sql.trim() === '')
        return [];
    // The parser reads a C string: it would stop at a NUL and judge only what comes before.
    if (sql.includes('\0'))
        return [{ kind: UNPARSEABLE, statement: 'the SQL contains a NUL character, which PostgreSQL refuses' }];
    let parsed;
    let pg;
    try {
        pg = await loadParser();
    }
    catch (error) {
        throw new Error(`the SQL parser (libpg-query) could not be loaded: ${(0,errors/* errorMessage */.gJ)(error)}`, {
            cause: error,
        });
    }
    try {
        parsed = await pg.parse(sql);
    }
    catch (error) {
        const message = (0,errors/* errorMessage */.gJ)(error);
        const position = pg.hasSqlDetails(error) ? error.sqlDetails?.cursorPosition : undefined;
        return [
            {
                kind: UNPARSEABLE,
                statement: position === undefined ? message : `${message}: ${around(sql, position)}`,
            },
        ];
    }
    // Locations are byte offsets into the UTF-8 text.
    const bytes = Buffer.from(sql, 'utf8');
    const found = [];
    for (const raw of parsed.stmts ?? []) {
        const kinds = new Set();
        inspect((raw.stmt ?? null), kinds);
        if (kinds.size === 0)
            continue;
        const start = raw.stmt_location ?? 0;
        const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
        const statement = collapse(bytes.subarray(start, end).toString('utf8'));
        for (const kind of kinds)
            found.push({ kind, statement });
    }
    return found;
}

;// CONCATENATED MODULE: ./packages/shared/src/migrate/alembic.ts
/**
 * Alembic migrations as runbook §4 asks: where the contract says (inside `compose run --rm --no-deps
 * -T <migrate-service>`, or on the host), with the SQL previewed for exactly the range to apply,
 * destructive statements refused unless allowed, a backup first, and an honest account of failure.
 * Shared by action-deploy and action-migrate.
 */






/** Where a migration step failed, with what the database is at now and which backup to restore. */
class alembic_MigrationError extends Error {
    partial;
    constructor(message, partial) {
        super(message);
        this.partial = partial;
        this.name = 'MigrationError';
    }
}
/**
 * The previewed SQL is read and classified whole up to this size (parsing 8 MiB takes about a second
 * and half a GiB); longer SQL is refused as "cannot prove safe", never judged by a prefix.
 */
const SQL_READ_LIMIT = 8 * 1024 * 1024;
/** What outputs and summaries show of it (GitHub bounds outputs and summaries to about 1 MiB). */
const SQL_SHOWN = 256 * 1024;
/** The destructive statements, one per line, for logs, warnings and errors. */
function listDestructive(found) {
    // The statements are the migration's own text (string literals and comments included): inert.
    return output_inert(found.map((statement) => `  ${statement.kind}: ${statement.statement}`).join('\n'));
}
/** The text sent over SSH to run `alembic <args>`. */
function alembicCommandLine(place, settings, args) {
    const script = `${settings.alembicCommand} ${args.map(shell_quote).join(' ')}`;
    if (settings.migrateService === undefined)
        return shell_toSshCommand(`cd "$1" && ${script}`, [place.appDir]);
    // Labelled with the run's token: a container whose client was stopped (a cancel, a timeout, a
    // lost connection) keeps running the migration, so it is found and removed by that label.
    const label = `${RUN_LABEL}=${place.session.runToken}`;
    if (place.oneOff !== undefined)
        return shell_commandLine(place.oneOff(label, ['sh', '-c', script]));
    if (place.compose === undefined)
        throw new Error('migrate-service is set but no compose command was detected');
    return shell_commandLine(composeCommand(place.compose, place, ['run', '--rm', '--no-deps', '-T', '--label', label, settings.migrateService, 'sh', '-c', script], place.env));
}
/** Removes the one-off containers this run started and left behind (its client was stopped). */
async function removeLeftoverContainers(place) {
    await place.session.exec(shell_toSshCommand('ids=$(docker ps -aq --filter "label=$1") && [ -n "$ids" ] && docker rm -f $ids >/dev/null; exit 0', [`${RUN_LABEL}=${place.session.runToken}`]), { echo: 'none', keepOnCancel: true, timeoutSeconds: 60 });
}
/** Runs alembic; when it did not exit by itself inside a container, its container is removed too. */
async function execAlembic(place, settings, args, options) {
    if (settings.migrateService === undefined)
        return place.session.exec(alembicCommandLine(place, settings, args), options);
    // Stopping `compose run` does not stop its container at once (the client may take its whole kill
    // grace), and the migration would go on meanwhile: on a cancel the container is removed right away.
    let removing;
    const onCancel = () => {
        removing = removeLeftoverContainers(place);
    };
    place.signal?.addEventListener('abort', onCancel, { once: true });
    try {
        const result = await place.session.exec(alembicCommandLine(place, settings, args), options);
        if (result.outcome.kind !== 'exited')
            await (removing ?? removeLeftoverContainers(place));
        return result;
    }
    finally {
        place.signal?.removeEventListener('abort', onCancel);
    }
}
/** Revision ids from `alembic current` / `alembic heads` output ("ae1027a6acf (head)"). */
function parseRevisions(output) {
    return output
        .split('\n')
        .map((line) => /^([0-9A-Za-z_]+)(?:\s+\(.*\))?\s*$/.exec(line.trim())?.[1])
        .filter((revision) => revision !== undefined);
}
async function alembic(place, settings, args, what, maxBytes) {
    const result = await execAlembic(place, settings, args, { echo: 'stderr', maxBytes });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0)
        throw new session_RemoteCommandError(place.session.label, what, result);
    return result.stdout;
}
async function currentRevision(place, settings) {
    return parseRevisions(await alembic(place, settings, ['current'], 'alembic current')).join(',');
}
/** The path a backup command names: its last output line that looks like a file, else its last line. */
function backupNamed(output) {
    const lines = output
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
    const path = [...lines]
        .reverse()
        .map((line) => /(\S*\/\S+)\s*$/.exec(line)?.[1])
        .find((match) => match !== undefined);
    const named = path ?? lines[lines.length - 1];
    // What a command printed: never a workflow command where it is shown.
    return named === undefined ? undefined : output_inert(named);
}
/** Preview, guard and backup, then the migration itself: runbook §4 in one call. */
async function runMigration(place, settings, request, log, knownRevision) {
    const prepared = await alembic_prepareMigration(place, settings, request, log, knownRevision);
    return prepared.done ?? alembic_applyMigration(place, settings, request, prepared, log);
}
/**
 * The checks before a migration: heads and the current revision (asked side by side; the revision
 * may be one the run read under its lock moments ago), the SQL preview of exactly the range to apply,
 * and the destructive guard. They need the release's code but not its images or services, so a deploy
 * runs them during the build where alembic runs on the host. The backup is taken by applyMigration,
 * right before the migration, so it holds every write up to it.
 */
async function alembic_prepareMigration(place, settings, request, log, knownRevision) {
    const [heads, revisionBefore] = await Promise.all([
        alembic(place, settings, ['heads'], 'alembic heads').then(parseRevisions),
        knownRevision ?? currentRevision(place, settings),
    ]);
    if (heads.length > 1) {
        throw new alembic_MigrationError(`the migrations have ${heads.length} heads (${heads.join(', ')}): merge them (alembic merge) before deploying`, {});
    }
    log(`database revision: ${revisionBefore || '(none: base)'}; head: ${heads[0] ?? '(no migrations)'}`);
    // Offline mode starts at base unless told where to start: give it exactly the range to apply.
    const range = request.direction === 'upgrade'
        ? `${revisionBefore === '' ? '' : `${revisionBefore}:`}${request.target}`
        : `${revisionBefore}:${request.target}`;
    const upToDate = request.direction === 'upgrade' &&
        request.target === 'head' &&
        heads.length === 1 &&
        revisionBefore === heads[0];
    let sql = '';
    let sqlCut = false;
    let destructive = [];
    if (!upToDate) {
        const preview = await execAlembic(place, settings, [request.direction, range, '--sql'], {
            echo: 'stderr',
            maxBytes: SQL_READ_LIMIT,
        });
        if (preview.outcome.kind !== 'exited' || preview.outcome.code !== 0) {
            throw new alembic_MigrationError(`the SQL preview (alembic ${request.direction} ${range} --sql) ${describeOutcome(preview.outcome)}; nothing was applied`, {
                revisionBefore,
            });
        }
        sql = preview.stdout;
        sqlCut = preview.stdoutTruncated;
        if (sqlCut) {
            destructive = [
                {
                    kind: 'SQL too long to read whole (cannot prove safe)',
                    statement: `the preview printed ${preview.stdoutBytes} bytes; the guard reads at most ${SQL_READ_LIMIT / 1024 / 1024} MiB`,
                },
            ];
        }
        else {
            try {
                destructive = await destructiveStatements(sql);
            }
            catch (error) {
                throw new alembic_MigrationError(`${(0,errors/* errorMessage */.gJ)(error)}; the SQL was not classified, nothing was applied`, {
                    revisionBefore,
                });
            }
        }
    }
    const base = {
        revisionBefore,
        sql: sql.length > SQL_SHOWN ? sql.slice(0, SQL_SHOWN) : sql,
        sqlTruncated: sqlCut || sql.length > SQL_SHOWN,
        destructive,
    };
    // A preview never fails for being destructive: its caller warns, and sets the outputs and summary.
    if (destructive.length > 0 && !request.preview) {
        log(`destructive statements:\n${listDestructive(destructive)}`);
        if (!settings.allowDestructive) {
            throw new alembic_MigrationError(`the migration is destructive (${[...new Set(destructive.map((found) => found.kind))].join(', ')}) and allow-destructive is false; ` +
                'nothing was applied, no backup was taken', { ...base, revisionAfter: revisionBefore, applied: false });
        }
    }
    if (request.preview || upToDate) {
        return { base, done: { ...base, revisionAfter: revisionBefore, backup: undefined, applied: false } };
    }
    return { base, done: undefined };
}
/** The backup, the migration itself, then the revision it left the database at. */
async function alembic_applyMigration(place, settings, request, prepared, log) {
    const { base } = prepared;
    const { revisionBefore } = base;
    let backup;
    if (settings.backup) {
        try {
            const output = await place.session.run(shell_toSshCommand(`cd "$1" && ${settings.backupCommand}`, [place.appDir]), 'the backup command', {
                echo: 'all',
            });
            backup = backupNamed(output);
            log(`backup taken: ${backup ?? '(the backup command named no file)'}`);
        }
        catch (error) {
            if (!(error instanceof session_RemoteCommandError))
                throw error;
            throw new alembic_MigrationError(`${error.message}\nthe backup failed, so nothing was migrated`, {
                ...base,
                revisionAfter: revisionBefore,
                applied: false,
            });
        }
    }
    // Alembic logs each step before running it; the last one seen is the one that failed.
    let running;
    const applied = await execAlembic(place, settings, [request.direction, request.target], {
        echo: 'all',
        onStderrLine: (line) => {
            const step = /Running (upgrade|downgrade) .*$/.exec(line);
            if (step)
                running = step[0].trim();
        },
    });
    const revisionAfter = await currentRevision(place, settings).catch(() => '(unknown: alembic current failed)');
    if (applied.outcome.kind !== 'exited' || applied.outcome.code !== 0) {
        throw new alembic_MigrationError(`alembic ${request.direction} ${request.target} ${describeOutcome(applied.outcome)}` +
            (running ? ` during "${running}"` : '') +
            `; the database is now at ${revisionAfter || '(base)'}` +
            (backup ? `; the backup taken before it is ${backup}` : '; no backup was taken') +
            (applied.stderrTail.length > 0
                ? `\n  stderr: ${applied.stderrTail.slice(-5).join('\n  stderr: ')}`
                : ''), { ...base, revisionAfter, backup, applied: false });
    }
    log(`database migrated: ${revisionBefore || '(base)'} -> ${revisionAfter}`);
    return { ...base, revisionAfter, backup, applied: true };
}

;// CONCATENATED MODULE: ./packages/shared/src/migrate/run.ts
/**
 * action-migrate's work: alembic against the release running now (its image, read from the server),
 * journalled like a deploy: `started` before anything is applied, the result after, `cancelled`
 * when the run is stopped. A preview changes nothing and is not journalled.
 */








async function runMigrate(settings, context) {
    const { connection, request } = settings;
    const { session, holder } = context;
    const ref = (await session.run(shell_commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
        echo: 'stderr',
    })).trim();
    const compose = settings.migration.migrateService === undefined
        ? undefined
        : await detectCompose(session, connection.composeCommand);
    // The migration runs with the image the migrate service runs now (read from the server).
    const imageTag = (compose && settings.migration.migrateService !== undefined
        ? await runningImageTagOf(session, compose, connection, settings.migration.migrateService)
        : undefined) ?? defaultImageTag(ref);
    const journal = (result, outcome = {}) => ledger_appendRelease(session, connection.stateDir, {
        time: new Date().toISOString(),
        environment: connection.environment,
        ref,
        image_tag: imageTag,
        previous_ref: ref,
        run_id: holder.run_id,
        migration: outcome.revisionAfter === undefined
            ? ''
            : `${outcome.revisionBefore || 'base'} -> ${outcome.revisionAfter || 'base'}`,
        actor: holder.actor,
        run_url: holder.run_url,
        result,
        action: 'migrate',
        ...(outcome.backup ? { backup: outcome.backup } : {}),
    });
    if (!request.preview)
        await journal('started');
    let outcome;
    let failure;
    try {
        outcome = await stage(`alembic ${request.direction} ${request.target}${request.preview ? ' (preview)' : ''}`, () => runMigration({
            session,
            appDir: connection.appDir,
            composeFile: connection.composeFile,
            compose,
            env: { IMAGE_TAG: imageTag },
            signal: context.signal,
        }, settings.migration, request, (message) => lib_core.info(message)));
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc || context.signal.aborted) {
            if (!request.preview)
                await journal('cancelled', error instanceof alembic_MigrationError ? error.partial : {}).catch((why) => lib_core.warning(`could not record the cancel in the ledger: ${(0,errors/* errorMessage */.gJ)(why)}`));
            throw error instanceof errors/* CancelledError */.cc
                ? error
                : new errors/* CancelledError */.cc(String(context.signal.reason ?? 'signal'));
        }
        if (!(error instanceof alembic_MigrationError))
            throw error;
        outcome = error.partial;
        failure = error.message;
    }
    const destructive = outcome.destructive ?? [];
    if (request.preview && destructive.length > 0) {
        lib_core.warning(`the previewed migration is destructive or cannot be proven safe: applying it ${settings.migration.allowDestructive
            ? 'is allowed (allow-destructive is true)'
            : 'would be refused unless allow-destructive is true'}\n${listDestructive(destructive)}`);
    }
    if (!request.preview)
        await journal(failure === undefined ? (outcome.applied ? 'success' : 'unchanged') : 'failed', outcome).catch((error) => lib_core.warning(`could not append to the ledger: ${(0,errors/* errorMessage */.gJ)(error)}`));
    return { outcome, failure };
}

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

;// CONCATENATED MODULE: ./packages/shared/src/summary/migrate.ts

function migrationSummary(environment, request, outcome, failure) {
    const destructive = outcome.destructive ?? [];
    const verdict = failure
        ? '❌ failed'
        : request.preview
            ? `🔎 preview: nothing applied${destructive.length > 0 ? ', destructive' : ''}`
            : outcome.applied
                ? '✅ applied'
                : '➖ nothing to apply';
    const lines = [
        `## Migration on ${escapeHtml(environment)}: alembic ${request.direction} ${escapeHtml(request.target)}: ${verdict}`,
        '',
        `- revision before: ${escapeHtml(outcome.revisionBefore || '(base)')}`,
        `- revision after: ${escapeHtml(outcome.revisionAfter === undefined ? '(unknown)' : outcome.revisionAfter || '(base)')}`,
        `- backup: ${escapeHtml(outcome.backup ?? 'none taken')}`,
    ];
    if (failure)
        lines.push(`- what failed: ${escapeHtml(failure)}`);
    if (destructive.length > 0) {
        lines.push('', '### ⚠️ Destructive statements', '', ...(request.preview
            ? ['Applying this migration is refused unless `allow-destructive` is true.', '']
            : []), ...destructive.map((found) => `- **${found.kind}**: \`${escapeHtml(found.statement)}\``));
    }
    if (outcome.sql) {
        lines.push('', `### SQL${outcome.sqlTruncated ? ' (cut: too long to show whole)' : ''}`, '', '```sql', outcome.sql.replaceAll('```', "'''"), '```');
    }
    return bounded(`${lines.join('\n')}\n`);
}

;// CONCATENATED MODULE: ./action-migrate/src/main.ts


async function main(settings, { signal }) {
    const { connection, request } = settings;
    const holder = holderFromEnvironment(connection.environment, 'migrate');
    // A fleet shares its database: it is migrated once, from the first host.
    await onFirstHost(connection, signal, (session) => withDeployLock(session, connection, settings.lockTimeoutSeconds, holder, async () => {
        const { outcome, failure } = await runMigrate(settings, { session, signal, holder });
        lib_core.setOutput('revision-before', outcome.revisionBefore ?? '');
        lib_core.setOutput('revision-after', outcome.revisionAfter ?? '');
        lib_core.setOutput('destructive', String((outcome.destructive ?? []).length > 0));
        lib_core.setOutput('sql', outcome.sql ?? '');
        lib_core.setOutput('backup', outcome.backup ?? '');
        await lib_core.summary
            .addRaw(migrationSummary(connection.environment, request, outcome, failure))
            .write();
        if (failure !== undefined)
            throw new Error(failure);
    }, { signal }));
}


/***/ })

};
;