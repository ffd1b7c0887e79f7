"use strict";
exports.id = 203;
exports.ids = [203];
exports.modules = {

/***/ 7203:
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








function session_describeOutcome(outcome) {
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
        super(`${what} on ${host} ${session_describeOutcome(result.outcome)}${tail}`);
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
const session_RUN_LABEL = 'tt.run';
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
        session_RUN_LABEL,
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
                options.warn?.(`a heartbeat of the deploy lock on ${session.label} failed (it ${session_describeOutcome(result.outcome)}` +
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
    return new Error(`could not take the deploy lock in ${stateDir} on ${host}: the lock command ${session_describeOutcome(outcome)}` +
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
        return (`the connection to ${session.label} was lost while this run held the deploy lock (${session.lost ?? session_describeOutcome(result.outcome)}): ` +
            `the server released the lock when the connection ended, so another run may hold it now; nothing this run sends reaches ${session.label} any more`);
    }
    return (`the deploy lock's holder on ${session.label} ended while this run held the lock (it ${session_describeOutcome(result.outcome)}` +
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

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./packages/shared/src/compose/compose.ts
/**
 * Docker Compose on the server: which command works there (v2 plugin or the v1/v2 standalone
 * binary), and the state of each service's containers, read in a way both versions answer.
 */


const CANDIDATES = (/* unused pure expression or super */ null && ([['docker', 'compose'], ['docker-compose']]));
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
async function compose_detectCompose(session, setting) {
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
function compose_composeCommand(compose, settings, args, env) {
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
    const config = (0,dist/* parse */.qg)(configYaml);
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
    const config = (0,dist/* parse */.qg)(configYaml);
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
    const config = (0,dist/* parse */.qg)(configYaml);
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
async function compose_inspectContainers(session, ids, options = {}) {
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
async function compose_readStackServices(session, compose, settings, env) {
    const configText = await session.run(commandLine(compose_composeCommand(compose, settings, ['config'], env)), 'reading the compose configuration', { echo: 'stderr', timeoutSeconds: 120 });
    return stackServices(configText);
}
/** The containers of `services` now: `ps` for their ids, `docker inspect` for their state. */
async function compose_readServicesState(session, compose, settings, services, env) {
    const ids = parseIds(await session.run(shell_commandLine(compose_composeCommand(compose, settings, psArgs(compose), env)), 'listing the containers', {
        echo: 'stderr',
        timeoutSeconds: 120,
    }));
    return { services, containers: await compose_inspectContainers(session, ids) };
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
async function diagnostics_collectDiagnostics(session, compose, place, request) {
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

;// CONCATENATED MODULE: ./packages/shared/src/compose/rollout.ts
/**
 * The rolling restart of runbook §3, with the blind `sleep 10` replaced by a wait until the new
 * container is healthy (or running, where it has no healthcheck), stopping at the first bad sign.
 */







const rollout_buildCommand = (compose, place, env) => 
// v2 builds in parallel by itself; v1 needs to be asked.
composeCommand(compose, place, compose.major >= 2 ? ['build'] : ['build', '--parallel'], env);
const rollout_pullCommand = (compose, place, env, services) => composeCommand(compose, place, ['pull', ...services], env);
const rollout_upCommand = (compose, place, env, service, force = false) => composeCommand(compose, place, ['up', '-d', '--no-deps', ...(force ? ['--force-recreate'] : []), service], env);
/** Starts services that have no container (the rest of a stack that is not running), as they are. */
const rollout_startCommand = (compose, place, env, services) => composeCommand(compose, place, ['up', '-d', '--no-deps', '--no-recreate', ...services], env);
/**
 * start-first's `up`: the service scaled to `count` containers, the running ones kept as they are
 * (`--no-recreate`), so the added ones are made from the current configuration and image. Compose v1
 * and v2 both take these flags.
 */
const rollout_scaleUpCommand = (compose, place, env, service, count) => compose_composeCommand(compose, place, ['up', '-d', '--no-deps', '--no-recreate', '--scale', `${service}=${count}`, service], env);
/** Lists a service's container ids (stopped ones too). */
async function containerIdsOf(session, compose, place, env, service, options = {}) {
    return parseIds(await session.run(shell_commandLine(compose_composeCommand(compose, place, psArgs(compose, [service]), env)), `listing ${service}'s containers`, { echo: 'stderr', timeoutSeconds: 120, ...options }));
}
/** How often the server looks at the containers while a gate waits. */
const POLL_SECONDS = 0.2;
/**
 * $1 poll seconds, $2 the inspect format, then container ids: prints their state and `@@poll`
 * every poll, until this run closes stdin (the gate decided) or the command is stopped. One remote
 * command per gate, polled on the server, so a decision comes within a poll of Docker's.
 */
const WATCH_SCRIPT = `
poll=$1 format=$2; shift 2
while :; do
  docker inspect --format "$format" "$@" || exit 1
  echo @@poll
  timeout "$poll" head -c 1 >/dev/null
  [ $? -eq 124 ] || exit 0
done`;
/** Log lines shown in a failed gate's state; the diagnostics keep runbook §9's 50. */
const GATE_LOG_LINES = 15;
/** The container's last log lines (as runbook §9 collects them), made inert: a release's output must not act as workflow commands. */
async function recentLogs(session, place, id) {
    // Both of the container's streams in one, in their order; the env files' values masked on the server.
    const result = await session.exec(shell_toSshCommand(`${MASK_FUNCTION}\ndocker logs --tail "$1" "$2" 2>&1 | mask "$3" "$4"`, [
        String(LOG_LINES),
        id,
        ...envFilesOf(place),
    ]), { echo: 'none', timeoutSeconds: 30, maxBytes: 256 * 1024 });
    return output_inert(redact(result.stdout.trim()));
}
function logsExcerpt(logs) {
    return logs === ''
        ? ''
        : `; its last log lines:\n    ${logs.split('\n').slice(-GATE_LOG_LINES).join('\n    ')}`;
}
/**
 * One look at a service's containers during its gate: a verdict, or undefined to keep waiting.
 * `first` holds each container as first seen; `upForMs` is the time since the restart returned.
 */
function judgeGate(expected, first, now, upForMs, gate) {
    const short = (container) => container.id.slice(0, 12);
    const dead = now.find((c) => c.status === 'exited' || c.status === 'dead');
    if (dead)
        return {
            ok: false,
            state: `container ${short(dead)} ${dead.status} (code ${dead.exitCode})`,
            logsOf: dead.id,
        };
    const restarted = now.find((c) => {
        const seen = first.get(c.id);
        return (c.status === 'restarting' ||
            (seen !== undefined && (c.restartCount > seen.restartCount || c.startedAt !== seen.startedAt)));
    });
    if (restarted)
        return {
            ok: false,
            state: `container ${short(restarted)} restarted while it was waited for (restart count ${restarted.restartCount}, ${restarted.status})`,
            logsOf: restarted.id,
        };
    const unhealthy = now.find((c) => c.health === 'unhealthy');
    if (unhealthy)
        return { ok: false, state: `container ${short(unhealthy)} is unhealthy`, logsOf: unhealthy.id };
    const allRunning = now.length === expected && now.every((c) => c.status === 'running');
    const checked = now.filter((c) => c.health !== 'none');
    if (!allRunning || !checked.every((c) => c.health === 'healthy'))
        return undefined;
    if (checked.length === now.length)
        return { ok: true, state: 'healthy' };
    if (upForMs < gate.minUptimeSeconds * 1000)
        return undefined;
    return {
        ok: true,
        state: `running (no healthcheck), up ${(upForMs / 1000).toFixed(1)}s without a restart`,
    };
}
/**
 * The gate after a restart: every container of `service` running and healthy, or, without a
 * healthcheck, up for min-uptime. A container that exits, dies or restarts while waited for fails
 * the gate at once, healthcheck or not (a crash loop under a restart policy is never "running").
 */
async function rollout_waitUntilHealthy(session, compose, place, env, service, gate, signal, 
/** The containers to wait for (start-first's new ones); all of the service's when not given. */
only) {
    const started = Date.now();
    const ids = only ?? (await containerIdsOf(session, compose, place, env, service));
    const result = (ok, state) => ({
        service,
        ok,
        waitedMs: Date.now() - started,
        state,
    });
    if (ids.length === 0)
        return result(false, 'no container was created');
    const first = new Map();
    let last = [];
    let lines = [];
    let verdict;
    const watch = session.start(shell_toSshCommand(WATCH_SCRIPT, [String(POLL_SECONDS), INSPECT_FORMAT, ...ids]), {
        keepStdinOpen: true,
        echo: 'stderr',
        timeoutSeconds: gate.timeoutSeconds + 60,
        onStdoutLine: (line) => {
            if (line !== '@@poll') {
                lines.push(line);
                return;
            }
            last = parseInspect(lines.join('\n'));
            lines = [];
            for (const container of last)
                if (!first.has(container.id))
                    first.set(container.id, container);
            verdict ??= judgeGate(ids.length, first, last, Date.now() - started, gate);
            if (verdict !== undefined)
                watch.endInput();
        },
    });
    const deadline = setTimeout(() => watch.endInput(), gate.timeoutSeconds * 1000);
    const watched = await watch.done.finally(() => clearTimeout(deadline));
    if (watched.outcome.kind === 'cancelled' || signal?.aborted)
        throw new errors/* CancelledError */.cc(String(signal?.reason ?? 'signal'));
    if (verdict !== undefined) {
        if (verdict.logsOf === undefined)
            return result(verdict.ok, verdict.state);
        const logs = await recentLogs(session, place, verdict.logsOf);
        return { ...result(verdict.ok, verdict.state + logsExcerpt(logs)), logs };
    }
    if (watched.outcome.kind !== 'exited' || watched.outcome.code !== 0)
        return result(false, `watching the containers ${session_describeOutcome(watched.outcome)}${watched.stderrTail.length > 0 ? `: ${watched.stderrTail.join(' ')}` : ''}`);
    const states = last.map((c) => `${c.status}${c.health === 'none' ? '' : `, ${c.health}`}`).join('; ');
    return result(false, `not healthy within ${gate.timeoutSeconds}s (${states || 'no state'})`);
}
/**
 * A service's containers now, stopped ones too; one-off `run` containers (which v2's `ps -a` lists)
 * are not the service's.
 */
async function rollout_serviceContainers(session, compose, place, env, service, keepOnCancel = false) {
    return compose_inspectContainers(session, await containerIdsOf(session, compose, place, env, service, { keepOnCancel }), { keepOnCancel });
}
/**
 * start-first: as many new containers as the service runs, beside all the old ones (kept), gated; on a
 * pass both serve for `overlapSeconds` (the proxy's DNS cache sees the new ones), then the old ones
 * are stopped (each with its own stop timeout) and removed. A failed gate, an error or a cancel
 * before the switch removes the new containers and leaves the old ones serving, untouched; once the
 * switch has begun it is finished even when the run is cancelled (keepOnCancel), so a cancel never
 * leaves two releases serving side by side. `onSwitch` is called just before the old ones stop.
 */
async function rollout_startFirst(session, compose, place, env, service, gate, options) {
    const { signal } = options;
    const containersNow = (keepOnCancel = false) => rollout_serviceContainers(session, compose, place, env, service, keepOnCancel);
    const old = options.old.map((container) => container.id);
    let switching = false;
    try {
        await session.run(commandLine(rollout_scaleUpCommand(compose, place, env, service, old.length + options.replicas)), `starting a new ${service} beside the old`);
        const fresh = (await containersNow()).map((container) => container.id).filter((id) => !old.includes(id));
        let wait = fresh.length === 0
            ? { service, ok: false, waitedMs: 0, state: 'compose started no new container' }
            : await rollout_waitUntilHealthy(session, compose, place, env, service, gate, signal, fresh);
        if (wait.ok) {
            await sleep(options.overlapSeconds * 1000, signal);
            // Still well after the overlap: the old ones are not stopped for a new one that died meanwhile.
            const after = await inspectContainers(session, fresh);
            const now = judgeServices({ services: [service], containers: after })[0];
            if (after.length !== fresh.length || !now.ok)
                wait = {
                    ...wait,
                    ok: false,
                    state: `the new containers were ${after.length === 0 ? 'gone' : now.state} after the overlap`,
                };
        }
        if (!wait.ok) {
            await removeAllBut(old);
            return { wait, switched: false };
        }
        switching = true;
        options.onSwitch();
        await session.run(toSshCommand(STOP_AND_REMOVE_SCRIPT, old), `stopping the old ${service}`, {
            keepOnCancel: true,
        });
        if (signal.aborted)
            throw new CancelledError(String(signal.reason ?? 'signal'));
        return { wait, switched: true };
    }
    catch (error) {
        if (!switching && session.lost === undefined)
            await removeAllBut(old).catch((why) => {
                throw new Error(`${errorMessage(error)}; removing the new ${service} containers beside the old failed too: ${errorMessage(why)}`, { cause: error });
            });
        throw error;
    }
    /** Removes the service's containers that are not `keep` (this run's new ones), even when cancelled. */
    async function removeAllBut(keep) {
        const added = (await containersNow(true))
            .map((container) => container.id)
            .filter((id) => !keep.includes(id));
        if (added.length > 0)
            await session.run(commandLine({ argv: ['docker', 'rm', '-f', ...added] }), `removing the new ${service} beside the old`, { keepOnCancel: true, timeoutSeconds: 120 });
    }
}
/**
 * `docker stop` uses each container's own stop timeout (compose's stop_grace_period) when -t is not
 * given; the removal follows whatever the stop said (a container already gone is no reason to keep
 * the others).
 */
const STOP_AND_REMOVE_SCRIPT = 'docker stop "$@" >/dev/null 2>&1; docker rm -f "$@" >/dev/null';

;// CONCATENATED MODULE: ./packages/shared/src/git/git.ts
const QUIET = ['-c', 'advice.detachedHead=false'];
function gitCommand(appDir, args) {
    return { argv: ['git', ...QUIET, ...args], cwd: appDir };
}
const git_headCommit = (appDir) => gitCommand(appDir, ['rev-parse', '--verify', 'HEAD^{commit}']);
const fetchRemote = (appDir, remote) => gitCommand(appDir, ['fetch', '--prune', '--tags', '--force', '--quiet', '--end-of-options', remote]);
/**
 * The candidates a ref may name, in order: a remote branch first (what was just fetched), then a
 * tag, then a commit id. `rev-parse --verify --end-of-options` needs git 2.30.
 */
function refCandidates(ref, remote) {
    const named = [`refs/remotes/${remote}/${ref}`, `refs/tags/${ref}`];
    // A full commit id means that commit, even where a branch bears the same name.
    const candidates = /^[0-9a-f]{40}$/.test(ref)
        ? [ref, ...named]
        : /^[0-9a-f]{7,39}$/.test(ref)
            ? [...named, ref]
            : named;
    return candidates.map((name) => `${name}^{commit}`);
}
const resolveCommand = (appDir, candidate) => gitCommand(appDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', candidate]);
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
            if (error instanceof CancelledError)
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
        if (error instanceof CancelledError)
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
        if (error instanceof CancelledError)
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
                core.info('only checks that do not change between rounds (backups, preflight) failed: no more rounds');
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
        core.info(`round ${round} of ${rounds} failed: ${failing.join('; ')}; next round in ${settings.intervalSeconds}s`);
        await sleep(settings.intervalSeconds * 1000, signal);
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

;// CONCATENATED MODULE: ./packages/shared/src/summary/timeline.ts
/**
 * A run's stages as pictures: a Mermaid gantt chart for the job summary, and text bars for a terminal.
 * Stage names quote the server (service names, refs, backup names): the chart gets only text Mermaid
 * reads as a task's name, and the terminal gets no control characters.
 */
/** Bars beyond this many are summed up in one: a summary stays readable, and bounded. */
const MAX_CHART_STAGES = 100;
const MAX_NAME = 80;
const startOf = (stage) => Date.parse(stage.startedAt);
/** The stages in the order they began (equal starts keep their order). */
function inStartOrder(stages) {
    return [...stages].sort((a, b) => startOf(a) - startOf(b));
}
/** 12.3s, or 2m05s from a minute on. */
function formatSeconds(seconds) {
    if (seconds < 59.95)
        return `${seconds.toFixed(1)}s`;
    const whole = Math.round(seconds);
    return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
/** `text` cut to `max` characters (code points), an ellipsis where it was cut. */
function cut(text, max) {
    const chars = [...text];
    return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
/** `text` padded to `width` characters (code points, not UTF-16 units). */
function padEnd(text, width) {
    return text + ' '.repeat(Math.max(0, width - [...text].length));
}
/** Whitespace, control and format characters (escape sequences, bidi overrides): one space. */
const oneLine = (text) => text.replace(/[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim();
// Mermaid's gantt lexer ends a task's name at `:`, `#` or `;` and skips the rest of a line after a
// `%`; at the start of a line it reads these words (in any case) as statements, not as a task: a
// name never starts with one.
const KEYWORD = /^(?:click|call|href|gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|excludes|todaymarker|weekday|weekend|title|accdescription|acctitle|accdescr|section|\d{4}-\d\d-\d\d)/i;
/**
 * Text that Mermaid reads as plain words on one line, at most `max` characters: no statement
 * separators, comments, fences, tags or entities: those characters become spaces.
 */
function mermaidText(text, max = MAX_NAME) {
    const plain = oneLine(text.replace(/&/g, '+').replace(/[:;#%`<>"]/g, ' '));
    return cut(KEYWORD.test(plain) ? `› ${plain}` : plain, max) || '(unnamed)';
}
/**
 * A ```mermaid gantt block of the stages: time of day on the axis, each bar named with its length, a
 * failed stage marked crit, a section per host when they ran on several. No stages: ''.
 */
function timelineGantt(stages, title) {
    const ordered = inStartOrder(stages).filter((stage) => Number.isFinite(startOf(stage)));
    if (ordered.length === 0)
        return '';
    const hosts = [...new Set(ordered.map((stage) => stage.host ?? ''))];
    const lines = [
        '```mermaid',
        'gantt',
        `    title ${mermaidText(title)}`,
        '    dateFormat x',
        '    axisFormat %M:%S',
    ];
    // `label` is Mermaid-safe already; a bar is at least a millisecond long.
    const task = (label, failed, start, end) => `    ${label} :${failed ? 'crit, ' : ''}${Math.round(start)}, ${Math.max(Math.round(end), Math.round(start) + 1)}`;
    for (const host of hosts) {
        const own = ordered.filter((stage) => (stage.host ?? '') === host);
        if (hosts.length > 1)
            lines.push(`    section ${host === '' ? '(no host)' : mermaidText(host)}`);
        for (const stage of own.slice(0, MAX_CHART_STAGES)) {
            const start = startOf(stage);
            const label = `${mermaidText(stage.name, MAX_NAME - 10)} ${formatSeconds(stage.seconds)}`;
            lines.push(task(label, stage.result === 'failed', start, start + stage.seconds * 1000));
        }
        const rest = own.slice(MAX_CHART_STAGES);
        if (rest.length > 0)
            lines.push(task(`${rest.length} more stages`, rest.some((stage) => stage.result === 'failed'), startOf(rest[0]), Math.max(...rest.map((stage) => startOf(stage) + stage.seconds * 1000))));
    }
    lines.push('```');
    return lines.join('\n');
}
/**
 * The stages as text bars for a terminal, one line each, at most `width` characters wide (from 40 on):
 * the name, the length, and where in the run it took place (█ the stage, ░ the rest of the run). A
 * failed stage says so; a line for the whole run ends it. No stages: ''.
 */
function timelineText(stages, width = 80) {
    const ordered = inStartOrder(stages).filter((stage) => Number.isFinite(startOf(stage)));
    if (ordered.length === 0)
        return '';
    const begin = startOf(ordered[0]);
    const end = Math.max(...ordered.map((stage) => startOf(stage) + stage.seconds * 1000));
    const span = Math.max(end - begin, 1);
    const severalHosts = new Set(ordered.map((stage) => stage.host ?? '')).size > 1;
    const names = ordered.map((stage) => oneLine(severalHosts && stage.host !== undefined ? `${stage.host}: ${stage.name}` : stage.name));
    const lengths = ordered.map((stage) => formatSeconds(stage.seconds));
    const total = formatSeconds(span / 1000);
    const FAILED = ' failed';
    const lengthWidth = Math.max(total.length, ...lengths.map((text) => text.length));
    const suffixWidth = ordered.some((stage) => stage.result === 'failed') ? FAILED.length : 0;
    // Indent, name, two spaces, length, two spaces, bar, suffix: the name gives way first, then the bar.
    const fixed = 2 + 2 + lengthWidth + 2 + suffixWidth;
    const longest = Math.max('total'.length, ...names.map((name) => [...name].length));
    const nameWidth = Math.max(8, Math.min(longest, 40, width - fixed - 10));
    const barWidth = Math.max(4, width - fixed - nameWidth);
    const rows = ordered.map((stage, index) => {
        // The same rounding at both ends: where one stage ends, the next one begins.
        const from = Math.min(barWidth - 1, Math.round(((startOf(stage) - begin) / span) * barWidth));
        const to = Math.min(barWidth, Math.max(from + 1, Math.round(((startOf(stage) - begin + stage.seconds * 1000) / span) * barWidth)));
        const bar = '░'.repeat(from) + '█'.repeat(to - from) + '░'.repeat(barWidth - to);
        const name = padEnd(cut(names[index], nameWidth), nameWidth);
        return `  ${name}  ${lengths[index].padStart(lengthWidth)}  ${bar}${stage.result === 'failed' ? FAILED : ''}`;
    });
    rows.push(`  ${padEnd('total', nameWidth)}  ${total.padStart(lengthWidth)}`);
    return `${rows.join('\n')}\n`;
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
const deploy_defaultImageTag = (sha) => `git-${deploy_short(sha)}`;
function deploy_rollbackCommand(environment, ref, full = false) {
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
async function deploy_withStages(work) {
    const { value, stages } = await recordStages(work);
    return { ...value, stages };
}
/**
 * Runs `work` inside a log group named for the stage, and says how long it took; the recorders in
 * scope (see recordStages) get its timing. Without one, only the log has it.
 */
async function deploy_stage(name, work, 
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
        await sleep_sleep(250, signal);
    }
}
async function resolveRef(session, appDir, ref, remote) {
    for (const candidate of refCandidates(ref, remote)) {
        const result = await session.exec(shell_commandLine(resolveCommand(appDir, candidate)), {
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
function deploy_liveStateRequest(settings, fetch = true) {
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
async function deploy_runDeploy(settings, context) {
    return deploy_withStages(() => runDeployUntimed(settings, context));
}
async function runDeployUntimed(settings, context) {
    const started = Date.now();
    const { session, signal } = context;
    const { connection } = settings;
    const run = (command, what) => session.run(commandLine(command), what);
    /** Runbook §1 before a first deployment: its rows into `checks`; why it must stop, if it must. */
    const preflightFirst = async (first) => {
        const preflight = await deploy_stage('Preflight (runbook §1)', () => firstDeploymentPreflight(session, first));
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
        const sha = await deploy_stage('Check app-dir', () => ensureCheckout(session, settings, () => resolveRef(session, connection.appDir, settings.ref, settings.remote)));
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
                    imageTag: settings.imageTag ?? deploy_defaultImageTag(sha),
                    previousImageTag: '',
                    plan: [],
                    notes: [],
                    checks,
                    failure: refusal,
                });
        }
    }
    const state = context.state ??
        (await deploy_stage('Read the live state', () => readLiveState(session, deploy_liveStateRequest(settings))));
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
                `Re-run the deploy (it reads what runs and converges), or roll back: ${deploy_rollbackCommand(connection.environment, previousRef)}`, { cause: error });
        }
        core.error(`deploy of ${deploy_short(targetRef)} failed: ${failure}`);
        await diagnose(failing, `deploy of ${deploy_short(targetRef)}: ${failure.split('\n')[0]}`);
        if (restarted.length > 0 && settings.autoRollback && previousRef !== '') {
            const restored = await deploy_stage(`Roll back to ${deploy_short(previousRef)}`, () => restorePrevious(session, compose, settings, previousRef, plan, state, restarted, signal), (value) => value.failure !== undefined).catch(async (error) => {
                // Cancelled while putting the previous release back: journal it, and say what is down.
                const down = await deploy_servicesDown(session, compose, settings).catch(() => []);
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
            const down = ok ? [] : await deploy_servicesDown(session, compose, settings);
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
        const down = await deploy_servicesDown(session, compose, settings);
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
        const checklist = await deploy_stage('Post-deployment checklist (runbook §2)', () => postDeploymentChecklist(session, compose, settings, first, Object.keys(state.targetImages), checks));
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
                return deploy_stage(`Check out ${deploy_short(step.sha)}`, async () => {
                    await run(checkoutCommand(connection.appDir, step.sha), 'git checkout');
                    checkedOut = true;
                });
            case 'build':
                return deploy_stage(`Build images (${step.imageTag})`, async () => {
                    // Alembic on the host needs the release's code, not its images: the migration's checks run
                    // while the images build.
                    if (plan.steps.some((later) => later.kind === 'migrate') &&
                        settings.migration.migrateService === undefined)
                        preparing = prepare();
                    await run(buildCommand(compose, connection, env), 'compose build');
                });
            case 'pull':
                return deploy_stage(`Pull images (${step.imageTag})`, async () => {
                    await run(pullCommand(compose, connection, env, step.services), 'compose pull');
                });
            case 'start':
                return deploy_stage(`Start ${step.services.join(', ')}`, async () => {
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
                migration = await deploy_stage('Migrate the database', async () => {
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
                return deploy_stage(`Restart ${step.service}${step.strategy === 'start-first' ? ' start-first' : ''} (${step.why})`, async () => {
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
    const { containers } = await readServicesState(session, compose, place, [service]);
    return containers
        .filter((container) => container.service === service)
        .map((container) => tagOf(container.imageRef))
        .find((tag) => tag !== undefined);
}
function downText(down) {
    return down.length === 0 ? '' : `; NOT running and healthy now: ${down.join('; ')}`;
}
/** Listed services not running and healthy, read from the server after a failure. */
async function deploy_servicesDown(session, compose, settings) {
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
    const fallbackTag = runningTag(plan) || deploy_defaultImageTag(previousRef);
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
async function ledger_readReleases(session, stateDir, count = 200) {
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
const GOOD_RESULTS = ['success', 'unchanged'];
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
const SQL_READ_LIMIT = (/* unused pure expression or super */ null && (8 * 1024 * 1024));
/** What outputs and summaries show of it (GitHub bounds outputs and summaries to about 1 MiB). */
const SQL_SHOWN = (/* unused pure expression or super */ null && (256 * 1024));
/** The destructive statements, one per line, for logs, warnings and errors. */
function listDestructive(found) {
    // The statements are the migration's own text (string literals and comments included): inert.
    return inert(found.map((statement) => `  ${statement.kind}: ${statement.statement}`).join('\n'));
}
/** The text sent over SSH to run `alembic <args>`. */
function alembicCommandLine(place, settings, args) {
    const script = `${settings.alembicCommand} ${args.map(quote).join(' ')}`;
    if (settings.migrateService === undefined)
        return toSshCommand(`cd "$1" && ${script}`, [place.appDir]);
    // Labelled with the run's token: a container whose client was stopped (a cancel, a timeout, a
    // lost connection) keeps running the migration, so it is found and removed by that label.
    const label = `${RUN_LABEL}=${place.session.runToken}`;
    if (place.oneOff !== undefined)
        return commandLine(place.oneOff(label, ['sh', '-c', script]));
    if (place.compose === undefined)
        throw new Error('migrate-service is set but no compose command was detected');
    return commandLine(composeCommand(place.compose, place, ['run', '--rm', '--no-deps', '-T', '--label', label, settings.migrateService, 'sh', '-c', script], place.env));
}
/** Removes the one-off containers this run started and left behind (its client was stopped). */
async function removeLeftoverContainers(place) {
    await place.session.exec(toSshCommand('ids=$(docker ps -aq --filter "label=$1") && [ -n "$ids" ] && docker rm -f $ids >/dev/null; exit 0', [`${RUN_LABEL}=${place.session.runToken}`]), { echo: 'none', keepOnCancel: true, timeoutSeconds: 60 });
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
        throw new CancelledError('signal');
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0)
        throw new RemoteCommandError(place.session.label, what, result);
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
                throw new alembic_MigrationError(`${errorMessage(error)}; the SQL was not classified, nothing was applied`, {
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
            const output = await place.session.run(toSshCommand(`cd "$1" && ${settings.backupCommand}`, [place.appDir]), 'the backup command', {
                echo: 'all',
            });
            backup = backupNamed(output);
            log(`backup taken: ${backup ?? '(the backup command named no file)'}`);
        }
        catch (error) {
            if (!(error instanceof RemoteCommandError))
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

;// CONCATENATED MODULE: ./packages/shared/src/deploy/live-state.ts
/**
 * What runs on the server, read in one remote command: the checkout, the target commit (after a
 * fetch), each container of the stack (image, state, health, restarts, start time), the local
 * images the target release names, the ledger's tail, and where migrations are configured the
 * database's revision and the target's migration heads. The planner decides from this alone.
 */







const LEDGER_TAIL = 200;
/**
 * The configuration is rendered once with this as IMAGE_TAG: put the target's tag in its place and
 * it is the target's configuration; where else it appears shows what else IMAGE_TAG sets.
 */
const IMAGE_TAG_SENTINEL = 'tt-image-tag-sentinel-0f3b9c';
const live_state_MARK = '@@tt:';
/**
 * $1 app dir, $2 compose file, $3 remote ('' = no fetch), $4 ref candidates (one per line), $5 image
 * tag ('' = git-<sha12>), $6 state dir, $7 ledger lines, $8 migrations path ('' = skip), $9 shell text
 * for `alembic current` ('' = skip), then the compose command words ('auto' = detect). Each part is
 * printed after a `@@tt:<name>` line; the slow ones (compose, alembic) run side by side.
 */
const LIVE_STATE_SCRIPT = `
cd "$1" || { echo "${live_state_MARK}error"; echo "|app-dir $1 is missing or not readable"; exit 0; }
file=$2 remote=$3 candidates=$4 tag=$5 state=$6 tail_n=$7 mpath=$8 current=$9
shift 9
changed=no v= sha=
part() { printf '\\n${live_state_MARK}%s\\n' "$1"; }
# Every line of a part's body is printed behind '|', so no text from the server (a ledger line, a
# log line) can pose as a part marker.
body() { sed 's/^/|/'; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 143' TERM INT HUP
# Which compose: the v2 plugin answers at once where it exists; its version is asked below, beside
# the other compose reads, so the slow v1 start-up is paid once, not three times in a row.
if [ "$1" = auto ]; then
  if docker compose version >/dev/null 2>&1; then set -- docker compose
  elif command -v docker-compose >/dev/null 2>&1; then set -- docker-compose
  fi
fi
# alembic current (in a running container of the migrate service, or on the host) beside the rest.
if [ -n "$current" ]; then { (eval "$current"); echo "exit=$?"; } >"$tmp/current" 2>&1 & fi
if [ -n "$remote" ]; then
  # No gc or maintenance spawned in the background: nothing of this run outlives its commands.
  git -c advice.detachedHead=false -c gc.auto=0 -c maintenance.auto=false fetch --prune --tags --force --quiet --end-of-options "$remote" >"$tmp/fetch" 2>&1
  rc=$?; part fetch; { tail -n 5 "$tmp/fetch"; echo "exit=$rc"; } | body
fi
part head; git rev-parse --verify --quiet 'HEAD^{commit}' | body
sha=
old_ifs=$IFS; IFS='
'
for candidate in $candidates; do
  sha=$(git rev-parse --verify --quiet --end-of-options "$candidate" 2>/dev/null) && break
  sha=
done
IFS=$old_ifs
part target; echo "$sha" | body
[ -n "$tag" ] || tag="git-$(printf '%.12s' "$sha")"
part tag; echo "$tag" | body
if [ "$1" != auto ]; then
  # ps -a lists stopped containers on v1 and v2; one-off run containers are left out by label later.
  # The target's compose file, where it differs from the checkout's: the images and services it names.
  # When its files (a new build dir, env file or extends) are not in the checkout yet, compose cannot
  # read it: the checkout's configuration is used, and every listed service is recreated.
  config_file=$file
  if [ -n "$sha" ] && ! git diff --quiet HEAD "$sha" -- "$file" 2>/dev/null; then
    changed=yes
    git show "$sha:./$file" >"$tmp/target-compose.yaml" 2>/dev/null && config_file=$tmp/target-compose.yaml
  fi
  {
    IMAGE_TAG=${IMAGE_TAG_SENTINEL} "$@" --project-directory "$(dirname "$file")" -f "$config_file" config >"$tmp/config" 2>"$tmp/config.err" ||
      { [ "$config_file" != "$file" ] && IMAGE_TAG=${IMAGE_TAG_SENTINEL} "$@" -f "$file" config >"$tmp/config" 2>"$tmp/config.err"; }
  } &
  config_pid=$!
  IMAGE_TAG=$tag "$@" -f "$file" ps -a -q >"$tmp/ps" 2>"$tmp/ps.err" &
  ps_pid=$!
  v=$("$@" version --short 2>/dev/null) || v=
  wait $config_pid $ps_pid
fi
part compose; printf '%s\n%s\n' "$v" "$*" | body
if [ -n "$v" ]; then
  part config; body <"$tmp/config"; part config-error; tail -n 5 "$tmp/config.err" | body
  part containers
  ids=$(grep -E '^[0-9a-f]{12,64}$' "$tmp/ps")
  : >"$tmp/inspect"
  [ -z "$ids" ] || docker inspect --format '${INSPECT_FORMAT}' $ids >"$tmp/inspect" 2>/dev/null
  body <"$tmp/inspect"
  # What changed in git between each release the containers run (tag git-<sha12>) and the target.
  part release-changes
  for short in $(grep -o ':git-[0-9a-f]\\{12\\}"' "$tmp/inspect" | cut -c6-17 | sort -u); do
    echo "@$short"
    full=$(git rev-parse --verify --quiet "$short^{commit}") && [ -n "$sha" ] &&
      git diff --name-only "$full" "$sha" 2>/dev/null || echo '!unknown'
  done | body
fi
part changed; echo "$changed" | body
part now; date +%s | body
part images; docker images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>/dev/null | body
if [ -n "$mpath" ] && [ -n "$sha" ]; then
  part migrations
  git grep -I -E '^(revision|down_revision)[[:space:]]*(:[^=]*)?=' "$sha" -- "$mpath" 2>/dev/null | body
fi
part ledger; [ ! -f "$state/releases.jsonl" ] || tail -n "$tail_n" "$state/releases.jsonl" | body
if [ -n "$current" ]; then wait; part current; body <"$tmp/current"; fi
part end
`;
function liveStateCommand(request) {
    return shell_toSshCommand(LIVE_STATE_SCRIPT, [
        request.appDir,
        request.composeFile,
        request.fetch ? request.remote : '',
        refCandidates(request.ref, request.remote).join('\n'),
        request.imageTag ?? '',
        request.stateDir,
        String(LEDGER_TAIL),
        request.migrationsPath ?? '',
        request.alembicCurrent ?? '',
        ...(request.composeCommand === 'auto' ? ['auto'] : request.composeCommand),
    ]);
}
/** The script's output, cut into its named parts. */
function splitParts(text) {
    const parts = new Map();
    let name;
    let lines = [];
    const flush = () => {
        if (name !== undefined)
            parts.set(name, lines.join('\n').trim());
    };
    for (const line of text.split('\n')) {
        if (line.startsWith(live_state_MARK)) {
            flush();
            name = line.slice(live_state_MARK.length).trim();
            lines = [];
        }
        else if (line.startsWith('|'))
            lines.push(line.slice(1));
    }
    flush();
    return parts;
}
/** `repo:tag` with Docker Hub's implied prefixes and `:latest` made explicit, so both sides compare. */
function live_state_normaliseImageRef(ref) {
    let name = ref.trim();
    if (name.includes('@'))
        return name;
    const lastSlash = name.lastIndexOf('/');
    if (!name.slice(lastSlash + 1).includes(':'))
        name = `${name}:latest`;
    name = name.replace(/^docker\.io\//, '').replace(/^index\.docker\.io\//, '');
    return name.replace(/^library\//, '');
}
function parseLocalImages(text) {
    const images = {};
    for (const line of text.split('\n')) {
        const [ref, id] = line.trim().split(/\s+/);
        if (ref === undefined || id === undefined || ref.includes('<none>'))
            continue;
        images[live_state_normaliseImageRef(ref)] = id;
    }
    return images;
}
/** The image each stack service names in `compose config` output. */
function parseTargetImages(configYaml) {
    const config = (0,dist/* parse */.qg)(configYaml);
    const images = {};
    for (const service of stackServices(configYaml)) {
        const image = config?.services?.[service]?.image;
        if (image !== undefined)
            images[service] = live_state_normaliseImageRef(image);
    }
    return images;
}
/** `@<sha12>` lines, each followed by the files changed since that commit (or `!unknown`). */
function parseReleaseChanges(text) {
    const changes = {};
    let current;
    for (const line of text.split('\n')) {
        const start = /^@([0-9a-f]{12})$/.exec(line);
        if (start) {
            current = start[1];
            changes[current] = [];
        }
        else if (current !== undefined && line === '!unknown')
            changes[current] = undefined;
        else if (current !== undefined && line !== '')
            changes[current]?.push(line);
    }
    return changes;
}
/** The services whose rendered configuration holds the sentinel tag in `image` and nowhere else. */
function servicesWithTagOnlyInImage(renderedWithSentinel) {
    const config = (0,dist/* parse */.qg)(renderedWithSentinel);
    return stackServices(renderedWithSentinel).filter((service) => {
        const { image, ...rest } = config?.services?.[service] ?? {};
        return (typeof image === 'string' &&
            image.includes(IMAGE_TAG_SENTINEL) &&
            !JSON.stringify(rest).includes(IMAGE_TAG_SENTINEL));
    });
}
/**
 * A migration graph from `git grep` lines (`<sha>:<path>:revision = "abc"`): heads are the revisions
 * no other names as its down_revision. Reads the forms alembic writes: quoted ids, None, tuples.
 */
function parseMigrationGraph(text) {
    const files = new Map();
    for (const line of text.split('\n')) {
        const match = /^[0-9a-f]+:(.+?):(revision|down_revision)\s*(?::[^=]*)?=\s*(.*)$/.exec(line.trim());
        if (!match)
            continue;
        const [, path, key, value] = match;
        const entry = files.get(path) ?? { down: [] };
        const ids = [...value.matchAll(/["']([^"']+)["']/g)].map((id) => id[1]);
        if (key === 'revision')
            entry.revision = ids[0];
        else
            entry.down = ids;
        files.set(path, entry);
    }
    const revisions = [...files.values()]
        .map((file) => file.revision)
        .filter((revision) => revision !== undefined);
    const pointedAt = new Set([...files.values()].flatMap((file) => file.down));
    return { revisions, heads: revisions.filter((revision) => !pointedAt.has(revision)).sort() };
}
class LiveStateError extends Error {
}
/** Turns the script's output into a LiveState, or says what could not be read. */
function parseLiveState(text, request, label) {
    const parts = splitParts(text);
    const error = parts.get('error');
    if (error !== undefined)
        throw new LiveStateError(`${output_inert(error)} on ${label}`);
    const [version = '', words = ''] = (parts.get('compose') ?? '').split('\n');
    const major = /^v?(\d+)\./.exec(version.trim())?.[1];
    if (major === undefined)
        throw new LiveStateError(composeMissing(request.composeCommand, label));
    const fetch = parts.get('fetch');
    if (fetch !== undefined && !/exit=0\s*$/.test(fetch)) {
        throw new LiveStateError(`git fetch ${request.remote} failed in ${request.appDir} on ${label}: ${output_inert(fetch.replace(/exit=\d+\s*$/, '').trim())}`);
    }
    const head = parts.get('head') ?? '';
    if (!/^[0-9a-f]{40}$/.test(head))
        throw new LiveStateError(`${request.appDir} on ${label} is not a git checkout with a commit`);
    const renderedWithSentinel = parts.get('config') ?? '';
    const imageTag = parts.get('tag') ?? '';
    const config = renderedWithSentinel.replaceAll(IMAGE_TAG_SENTINEL, imageTag);
    if (config === '') {
        throw new LiveStateError(`compose config failed in ${request.appDir} on ${label}: ${output_inert(parts.get('config-error') ?? '(no message)')}`);
    }
    let dbRevision;
    let dbRevisionProblem;
    const current = parts.get('current');
    if (current !== undefined) {
        // `alembic current` prints revision lines on stdout; its INFO lines on stderr are mixed in here.
        const body = current.replace(/exit=\d+\s*$/, '');
        // A database at a revision the checked-out code does not know (a newer release's) is still read.
        const unknownToCode = /Can't locate revision identified by '([0-9A-Za-z_]+)'/.exec(body)?.[1];
        if (/exit=0\s*$/.test(current))
            dbRevision = parseRevisions(body).join(',');
        else if (unknownToCode !== undefined)
            dbRevision = unknownToCode;
        else
            dbRevisionProblem = output_inert(body.trim().split('\n').slice(-3).join(' '));
    }
    return {
        head,
        target: /^[0-9a-f]{40}$/.test(parts.get('target') ?? '') ? (parts.get('target') ?? '') : '',
        compose: { command: words.split(' ').filter((word) => word !== ''), major: Number(major) },
        imageTag,
        targetImages: parseTargetImages(config),
        tagOnlyInImage: servicesWithTagOnlyInImage(renderedWithSentinel),
        replicas: replicasOf(config),
        releaseChanges: parseReleaseChanges(parts.get('release-changes') ?? ''),
        runtimeInputs: runtimeInputs(config, request.appDir, request.composeFile),
        startFirstBlockers: startFirstBlockers(config),
        localImages: parseLocalImages(parts.get('images') ?? ''),
        containers: parseInspect(parts.get('containers') ?? ''),
        releases: parseReleases(parts.get('ledger') ?? ''),
        dbRevision,
        dbRevisionProblem,
        migrations: request.migrationsPath === undefined ? undefined : parseMigrationGraph(parts.get('migrations') ?? ''),
        composeFileChanged: parts.get('changed') === 'yes',
        serverTime: Number(parts.get('now')) || 0,
    };
}
async function live_state_readLiveState(session, request) {
    const text = await session.run(liveStateCommand(request), 'reading the live state', {
        echo: 'none',
        timeoutSeconds: 300,
        maxBytes: 16 * 1024 * 1024,
    });
    return parseLiveState(text, request, session.label);
}

;// CONCATENATED MODULE: ./packages/shared/src/deploy/plan.ts



/** An image reference without its tag. */
const plan_repositoryOf = (ref) => ref.slice(0, ref.length - (plan_tagOf(ref)?.length ?? -1) - 1);
const plan_short = (sha) => sha.slice(0, 12);
function plan_imageMode(build, imageTagGiven) {
    if (build === 'auto')
        return imageTagGiven ? 'pull' : 'build';
    return build === 'true' ? 'build' : 'none';
}
/** The tag part of an image reference (`repo:tag`), or undefined for a digest or none. */
function plan_tagOf(ref) {
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
    const imageTag = containers.map((container) => plan_tagOf(container.imageRef)).find((tag) => tag !== undefined);
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
            unchangedForService(state, service, plan_tagOf(c.imageRef)))
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
        return ref !== undefined && plan_tagOf(ref) === 'latest';
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

;// CONCATENATED MODULE: ./packages/shared/src/rollback/rollback.ts
/**
 * Runbook §5: an image rollback (the target commit and its images, restarted one service at a time
 * with health waits, exactly as a deploy) or a full rollback (an emergency backup of the database
 * first, the application services stopped, the database restored, then the same rolling restart).
 */










function recent(releases) {
    const lines = [...releases]
        .reverse()
        .slice(0, 10)
        .map((r) => `  ${r.time} ${r.ref.slice(0, 12)} ${r.image_tag} ${r.result}${r.action ? ` (${r.action})` : ''} by ${r.actor}`);
    return lines.length === 0
        ? ' (the ledger is empty: no release was recorded on this server yet)'
        : `; recent releases:\n${lines.join('\n')}`;
}
/** Resolves `to` against the ledger (and git, for a SHA the ledger does not name). */
async function resolveTarget(session, appDir, releases, head, to) {
    // Emergency operations ran a release; they never made one.
    const newestFirst = releasesOnly(releases).reverse();
    if (to.kind === 'previous') {
        const entry = newestFirst.find((r) => GOOD_RESULTS.includes(r.result) && r.ref !== head);
        if (entry)
            return { sha: entry.ref, imageTag: entry.image_tag || undefined };
        const current = newestFirst.find((r) => r.ref === head && r.previous_ref !== '' && r.previous_ref !== head);
        if (current)
            return { sha: current.previous_ref, imageTag: undefined };
        throw new Error(`no previous release to roll back to${recent(releases)}`);
    }
    const value = to.value;
    if (/^[0-9a-f]{7,40}$/.test(value)) {
        const entry = newestFirst.find((r) => r.ref.startsWith(value) && GOOD_RESULTS.includes(r.result));
        if (entry)
            return { sha: entry.ref, imageTag: entry.image_tag || undefined };
        try {
            return { sha: await resolveRef(session, appDir, value, 'origin'), imageTag: undefined };
        }
        catch {
            // Not a commit here: try it as an image tag below.
        }
    }
    const tagged = newestFirst.find((r) => r.image_tag === value && GOOD_RESULTS.includes(r.result));
    if (tagged)
        return { sha: tagged.ref, imageTag: tagged.image_tag };
    throw new Error(`"${value}" is neither a commit nor an image tag this server's ledger knows${recent(releases)}`);
}
/** The database against the target's migrations: a warning naming both and how to reconcile them. */
function schemaMismatch(state, environment, afterRestore) {
    if (state.dbRevision === undefined || state.migrations === undefined)
        return undefined;
    const heads = state.migrations.heads.join(',');
    if (state.dbRevision === heads)
        return undefined;
    const db = state.dbRevision || '(base)';
    const code = `${state.target.slice(0, 12)}'s migrations end at ${heads || '(none)'}`;
    // A database at base (no revision) is upgraded from the start.
    const known = state.dbRevision === '' ||
        state.dbRevision.split(',').every((revision) => state.migrations?.revisions.includes(revision));
    const reconcile = known
        ? `gh workflow run migrate.yml -f environment=${environment} -f direction=upgrade -f target=${heads || 'head'} -f preview=false`
        : afterRestore
            ? 'restore a backup taken at that revision, or deploy the release whose migrations contain it'
            : deploy_rollbackCommand(environment, state.target, true);
    return (`code and schema do not match: the database is at ${db} but ${code}. ` +
        `${afterRestore ? 'The restored backup was taken at another revision. ' : 'The database was not changed. '}To reconcile: ${reconcile}`);
}
/** A rollback, with the stages it went through. */
async function runRollback(settings, context) {
    return withStages(() => runRollbackUntimed(settings, context));
}
async function runRollbackUntimed(settings, context) {
    const { session } = context;
    const { connection } = settings.deploy;
    const account = [];
    // Account lines quote the server (backup names, stderr): inert wherever they are shown.
    const note = (line) => {
        account.push(inert(line));
        core.info(inert(line));
    };
    const fromRef = (await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
        echo: 'stderr',
    })).trim();
    const releases = await readReleases(session, connection.stateDir);
    const target = await resolveTarget(session, connection.appDir, releases, fromRef, settings.to);
    const toImageTag = target.imageTag ?? defaultImageTag(target.sha);
    const deploySettings = {
        ...settings.deploy,
        ref: target.sha,
        // A tag that is not ours (git-<sha>) was pulled when it was deployed; pull it again.
        imageTag: target.imageTag !== undefined && !target.imageTag.startsWith('git-') ? target.imageTag : undefined,
        // After a database restore, putting the newer code back on the older data would be worse.
        autoRollback: settings.mode === 'full' ? false : settings.deploy.autoRollback,
    };
    // The database revision and the target's migration heads are read too, to compare them; the
    // rollback itself never migrates.
    const readState = () => stage('Read the live state', () => readLiveState(session, {
        ...liveStateRequest({ ...deploySettings, migrate: 'auto' }, false),
    }));
    const before = await readState();
    const fromTag = before.containers.map((container) => tagOf(container.imageRef)).find((tag) => tag !== undefined) ?? '';
    note(`rolling back (${settings.mode}) from ${fromRef.slice(0, 12)} (${fromTag || 'no container'}) to ${target.sha.slice(0, 12)} (${toImageTag})`);
    const base = { mode: settings.mode, fromRef, toRef: target.sha, toImageTag, account };
    const compose = before.compose;
    /** Backups this run found that `latest` must never pick: in every entry it journals. */
    const untrusted = [];
    const journal = (result, extra = {}) => appendRelease(session, connection.stateDir, {
        time: new Date().toISOString(),
        environment: connection.environment,
        ref: target.sha,
        image_tag: toImageTag,
        previous_ref: fromRef,
        migration: '',
        actor: context.actor,
        run_url: context.runUrl,
        result,
        action: 'rollback',
        run_id: context.runId,
        ...extra,
        ...(untrusted.length > 0 ? { untrusted_backups: [...untrusted] } : {}),
    });
    let restoredBackup;
    let emergencyBackup;
    let state = before;
    if (settings.mode === 'full' && !connection.dryRun) {
        const stopped = settings.deploy.services;
        const fail = async (failure, productionDown) => {
            await journal('failed', {
                ...(restoredBackup ? { backup: restoredBackup } : {}),
                ...(emergencyBackup ? { emergency_backup: emergencyBackup } : {}),
            }).catch((error) => core.warning(`could not append to the ledger: ${errorMessage(error)}`));
            return {
                ...base,
                restoredBackup,
                emergencyBackup,
                schemaWarning: undefined,
                productionDown,
                deploy: undefined,
                failure,
            };
        };
        // 1. Which backup: chosen before the emergency backup exists, so `latest` can never be that one,
        //    nor any backup a rollback or a failed run took (the journal names them).
        let restoreArgs;
        if (settings.backup.kind === 'latest') {
            const newest = await newestTrustedBackup(session, connection.appDir, settings.restoreCommand, releases);
            if (newest === undefined)
                return fail(`restore-command --list names no usable backup; nothing was changed`);
            restoredBackup = newest;
            restoreArgs = [newest];
        }
        else if (settings.backup.kind === 'file') {
            restoredBackup = settings.backup.path;
            restoreArgs = [settings.backup.path];
        }
        else {
            restoredBackup = `s3:${settings.backup.key}`;
            restoreArgs = ['--from-s3', settings.backup.key];
        }
        note(`backup to restore: ${restoredBackup}`);
        // A backup that is not there, or empty, is refused before anything is taken or stopped.
        if (settings.backup.kind !== 's3') {
            const problem = await backupProblem(session, connection.appDir, settings.restoreCommand, restoredBackup);
            if (problem !== undefined)
                return fail(`${problem}; nothing was stopped or restored`);
        }
        await journal('started', { backup: restoredBackup });
        const work = {
            session,
            compose,
            place: connection,
            env: { IMAGE_TAG: fromTag || toImageTag },
            services: stopped,
            gate: {
                timeoutSeconds: settings.deploy.waitTimeoutSeconds,
                minUptimeSeconds: settings.deploy.minUptimeSeconds,
            },
            signal: context.signal,
            procedure: 'the rollback',
            ref: fromRef,
            note,
            journal,
            untrusted,
        };
        // 2. Emergency backup of the database as it is, so a wrong restore can be undone.
        try {
            emergencyBackup = await takeEmergencyBackup(work, settings.deploy.migration.backupCommand, settings.restoreCommand);
            // Journalled at once: whatever happens next, `latest` must never pick it.
            if (emergencyBackup !== undefined)
                await journal('started', { backup: restoredBackup, emergency_backup: emergencyBackup });
        }
        catch (error) {
            if (error instanceof CancelledError) {
                await journal('cancelled').catch(() => undefined);
                throw error;
            }
            return fail(`${errorMessage(error)}; the emergency backup failed, so nothing was stopped or restored`);
        }
        // 3. Stop the application services (not the database).
        try {
            await stopServices(work);
        }
        catch (error) {
            if (error instanceof CancelledError)
                await journal('cancelled', { emergency_backup: emergencyBackup }).catch(() => undefined);
            throw error;
        }
        // 4. Restore, answering the script's confirmation prompt (see restoreBackup for what a failed one leaves).
        const restoreFailure = await restoreBackup(work, {
            command: settings.restoreCommand,
            args: restoreArgs,
            backup: restoredBackup,
            emergencyBackup,
            finish: `to finish by hand: restore again (${settings.restoreCommand} ${restoreArgs.join(' ')}), then start the services ` +
                `(${rollbackCommand(connection.environment, target.sha)}); or put the data back as it was from the emergency backup ${emergencyBackup ?? '(none named)'}`,
        });
        if (restoreFailure !== undefined)
            return fail(restoreFailure.failure, restoreFailure.productionDown);
        // The database changed: read what runs again (services stopped, revision restored) and converge
        // on it. From here on, anything that stops the rollback leaves production down: say so.
        try {
            state = await readState();
            return await converge(state);
        }
        catch (error) {
            const down = await servicesDown(session, compose, settings.deploy);
            const productionDown = `PRODUCTION MAY BE DOWN: the database was restored from ${restoredBackup}, then the rollback stopped ` +
                `(${errorMessage(error)}); not running and healthy now: ${down.join('; ') || 'none'}. ` +
                `To finish: ${rollbackCommand(connection.environment, target.sha)} (a deploy of ${target.sha.slice(0, 12)} starts what is stopped)`;
            core.error(inert(productionDown));
            if (error instanceof CancelledError || context.signal.aborted) {
                await journal('cancelled', { backup: restoredBackup, emergency_backup: emergencyBackup }).catch(() => undefined);
                throw new CancelledError(String(context.signal.reason ?? 'signal'), productionDown);
            }
            return fail(errorMessage(error), productionDown);
        }
    }
    return converge(state);
    async function converge(now) {
        const schemaWarning = connection.dryRun
            ? undefined
            : schemaMismatch(now, connection.environment, settings.mode === 'full');
        const deploy = await runDeploy(deploySettings, { ...context, action: 'rollback', state: now });
        if (schemaWarning !== undefined)
            core.warning(schemaWarning);
        if (emergencyBackup !== undefined || restoredBackup !== undefined) {
            await journal(deploy.result === 'cancelled' ? 'cancelled' : deploy.failure ? 'failed' : 'success', {
                ...(restoredBackup ? { backup: restoredBackup } : {}),
                ...(emergencyBackup ? { emergency_backup: emergencyBackup } : {}),
            });
        }
        return {
            ...base,
            restoredBackup: settings.mode === 'full' ? restoredBackup : undefined,
            emergencyBackup,
            schemaWarning,
            productionDown: deploy.down.length > 0
                ? `not running and healthy after the rollback: ${deploy.down.join('; ')}`
                : undefined,
            deploy,
            failure: deploy.failure,
        };
    }
}

// EXTERNAL MODULE: ./packages/shared/src/inputs/deploy.ts
var deploy = __webpack_require__(7606);
;// CONCATENATED MODULE: ./packages/shared/src/ops/database.ts
/**
 * The pieces of a database restore that a full rollback (runbook §5) and recover-database (runbook §6,
 * database corruption) share: which backup `latest` means, the emergency backup, stopping and starting
 * the application services, and the restore itself with what a failed one leaves behind. Each caller
 * puts them in its own order; the messages name the procedure that runs them.
 */










/**
 * Backups `latest` must never pick: emergency backups taken by rollbacks and recoveries (and every
 * backup that appeared while one was taken), backups whose restore failed, and backups taken by runs
 * that failed or were cancelled (the journal names them all).
 */
function untrustedBackups(releases) {
    const excluded = new Set();
    for (const release of releases) {
        if (release.emergency_backup)
            excluded.add(release.emergency_backup);
        for (const backup of release.untrusted_backups ?? [])
            excluded.add(backup);
        if (release.backup &&
            release.action !== 'rollback' &&
            release.action !== 'ops' &&
            !GOOD_RESULTS.includes(release.result) &&
            release.result !== 'started')
            excluded.add(release.backup);
    }
    return excluded;
}
/** A backup's file name: listings and backup commands may name it with or without its folder. */
const backupBasename = (file) => file.replace(/\/+$/, '').split('/').pop() ?? file;
/** `ls -l` lines: the size is the fifth field. */
const LONG_LISTING = /^[-dlbcps][rwxsStT-]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\S+)\s/;
/** The backups `restore-command --list` output names (entries the listing shows as empty left out). */
function backupsListed(listing) {
    return listing
        .split('\n')
        .filter((line) => LONG_LISTING.exec(line.trim())?.[1] !== '0')
        .map((line) => line.trim().split(/\s+/).pop() ?? '')
        .filter((file) => /\//.test(file) || /\.(sql|gz|dump|bak)$/.test(file));
}
/**
 * The newest backup in `restore-command --list` output, by the timestamp in its name, else the last
 * listed. An entry the listing shows as empty (size 0 in an `ls -l` line) is never picked, nor one
 * whose file name (with or without its folder) is excluded.
 */
function newestBackup(listing, excluded = new Set()) {
    const names = new Set([...excluded].map(backupBasename));
    const files = backupsListed(listing).filter((file) => !names.has(backupBasename(file)));
    const stamp = (file) => /(\d{8})[_-]?(\d{6})/.exec(file)?.slice(1).join('') ?? '';
    const dated = files.filter((file) => stamp(file) !== '');
    if (dated.length > 0)
        return dated.sort((a, b) => stamp(a).localeCompare(stamp(b))).at(-1);
    return files.at(-1);
}
/** The entries of `after` that `before` did not list (by file name). */
function newBackups(before, after) {
    const known = new Set(before.map(backupBasename));
    return [...new Set(after.filter((file) => !known.has(backupBasename(file))))];
}
/** `restore-command --list`, as a list of backups. */
async function listBackups(session, appDir, restoreCommand, keepOnCancel = false, timeoutSeconds) {
    return backupsListed(await session.run(shell_toSshCommand(`cd "$1" && ${restoreCommand} --list`, [appDir]), 'listing the backups', {
        echo: 'stderr',
        ...(keepOnCancel ? { keepOnCancel, timeoutSeconds: 60 } : {}),
        ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    }));
}
/**
 * The container a `docker exec [options] <container> ...` command runs in; undefined for any other
 * command (it then runs on the host).
 */
function execContainer(command) {
    const words = command.trim().split(/\s+/);
    if (words[0] !== 'docker' || words[1] !== 'exec')
        return undefined;
    const valued = ['-u', '--user', '-e', '--env', '-w', '--workdir', '--env-file', '--detach-keys'];
    for (let index = 2; index < words.length; index++) {
        const word = words[index];
        if (!word.startsWith('-'))
            return word;
        if (valued.includes(word))
            index++;
    }
    return undefined;
}
/**
 * Why `backup` cannot be restored, read before anything is stopped: it is missing or empty where
 * restore-command reads it (in its container for `docker exec`, else on the host). undefined when it
 * is there, or when it is a bare name whose folder only the restore command knows.
 */
async function database_backupProblem(session, appDir, restoreCommand, backup) {
    if (!backup.includes('/'))
        return undefined;
    const container = execContainer(restoreCommand);
    const check = 'test -s "$1" || { echo "missing or empty" >&2; exit 1; }';
    const result = await session.exec(container === undefined
        ? shell_toSshCommand(`cd "$1" && shift && ${check}`, [appDir, backup])
        : shell_commandLine({ argv: ['docker', 'exec', container, 'sh', '-c', check, 'sh', backup] }), { echo: 'none', timeoutSeconds: 60 });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    if (result.outcome.kind === 'exited' && result.outcome.code === 0)
        return undefined;
    const where = container === undefined ? 'on the host' : `in ${container}`;
    return output_inert(`the backup ${backup} is not there or is empty ${where} (${result.stderrTail.join(' ').trim() || session_describeOutcome(result.outcome)})`);
}
/**
 * The backup `latest` means: the newest trusted one `restore-command --list` names. Ask before any
 * backup of this run exists, so it can never be that one.
 */
async function database_newestTrustedBackup(session, appDir, restoreCommand, releases) {
    const listed = await listBackups(session, appDir, restoreCommand);
    return newestBackup(listed.join('\n'), untrustedBackups(releases));
}
/** Adds backups to the run's untrusted ones and journals them at once (best effort after a cancel). */
async function distrust(work, backups) {
    const fresh = backups.filter((backup) => !work.untrusted.includes(backup));
    if (fresh.length === 0)
        return;
    work.untrusted.push(...fresh);
    // After a cancel this cannot run: the caller's `cancelled` entry carries them.
    await work.journal('started').catch(() => undefined);
}
/**
 * Runs `backup-command` in app-dir; the file it names (inert), or undefined. Throws when it fails.
 * The backups are listed before and after it (after it even when it was cancelled or failed: a backup
 * command in a container goes on after its client is stopped), and every new one is journalled as
 * untrusted with the one the command named: `latest` never restores the database this replaces.
 */
async function database_takeEmergencyBackup(work, backupCommand, restoreCommand) {
    const { session } = work;
    const appDir = work.place.appDir;
    // Best effort, briefly: a listing that fails (not a cancel) only costs the comparison, said below.
    const before = await listBackups(session, appDir, restoreCommand, false, 30).catch((error) => {
        if (error instanceof errors/* CancelledError */.cc)
            throw error;
        return undefined;
    });
    let named;
    try {
        const output = await deploy_stage('Emergency backup', () => session.run(shell_toSshCommand(`cd "$1" && ${backupCommand}`, [appDir]), 'the emergency backup'));
        named = backupNamed(output);
    }
    finally {
        const after = session.lost === undefined && before !== undefined
            ? await listBackups(session, appDir, restoreCommand, true, 30).catch(() => undefined)
            : undefined;
        const created = before === undefined || after === undefined ? [] : newBackups(before, after);
        if (after === undefined)
            work.note('the backups could not be listed after the emergency backup: a new one may not be journalled');
        await distrust(work, [...(named === undefined ? [] : [named]), ...created]);
    }
    work.note(`emergency backup of the current database: ${named ?? '(the command named no file)'}`);
    return named;
}
/** Stops the application services (not the database). */
async function database_stopServices(work) {
    await deploy_stage('Stop the application services', () => work.session.run(shell_commandLine(compose_composeCommand(work.compose, work.place, ['stop', ...work.services], work.env)), 'stopping the services'));
    work.note(`stopped: ${work.services.join(', ')}`);
}
/**
 * Starts the stopped services again, as they were (`compose start`: the same containers), and gates
 * each as a deploy does (in parallel: none of them is serving). After a cancel (`afterCancel`) the
 * start still runs, briefly, and nothing is waited for.
 */
async function startServices(work, afterCancel = false, keepOnCancel = afterCancel) {
    const { session, compose, place, env, services, gate, signal } = work;
    const start = await session.exec(shell_commandLine(compose_composeCommand(compose, place, ['start', ...services], env)), {
        keepOnCancel,
        ...(afterCancel ? { timeoutSeconds: 60 } : {}),
    });
    const started = start.outcome.kind === 'exited' && start.outcome.code === 0;
    // Started is not back: each one passes the same gate as in a deploy.
    const waits = started && !afterCancel
        ? await Promise.all(services.map((service) => rollout_waitUntilHealthy(session, compose, place, env, service, gate, signal).catch((error) => ({
            service,
            ok: false,
            waitedMs: 0,
            state: (0,errors/* errorMessage */.gJ)(error),
        }))))
        : [];
    return {
        started,
        waits,
        failing: waits.filter((wait) => !wait.ok).map((wait) => `${wait.service} (${wait.state})`),
        problem: started
            ? undefined
            : output_inert(start.stderrTail.join(' ').trim() || `compose start ${session_describeOutcome(start.outcome)}`),
    };
}
/** `pg_isready` in the database's container: whether PostgreSQL answers, and what it said. */
async function postgresAnswers(session, container) {
    const result = await session.exec(shell_commandLine({ argv: ['docker', 'exec', container, 'pg_isready'] }), {
        echo: 'none',
        timeoutSeconds: 60,
    });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    const said = output_inert([result.stdout.trim(), ...result.stderrTail].filter((line) => line !== '').join(' ') ||
        session_describeOutcome(result.outcome));
    return { ok: result.outcome.kind === 'exited' && result.outcome.code === 0, said };
}
/**
 * Runs the restore, answering the script's confirmation prompt; undefined when it succeeded. Whatever
 * else happens to it (it exits non-zero, times out, is cancelled or loses its connection) leaves the
 * services stopped: the restore may have dropped the schema before it failed, and they are never
 * started on a database that may be half restored. (That the backup exists and is not empty is checked
 * before anything is stopped: backupProblem.) The backup is journalled as untrusted, so `latest` never
 * picks it again. A cancel is journalled and thrown, saying what is down.
 */
async function database_restoreBackup(work, restore) {
    const { session, signal, procedure } = work;
    const stopped = work.services.join(', ');
    const journalled = { backup: restore.backup, emergency_backup: restore.emergencyBackup };
    const down = (why) => `PRODUCTION IS DOWN: ${stopped} are stopped because ${why}; the database may be partly restored. ${restore.finish}`;
    try {
        await deploy_stage(`Restore ${restore.backup}`, () => session.run(shell_toSshCommand(`cd "$1" && shift && ${restore.command} "$@"`, [work.place.appDir, ...restore.args]), 'the restore command', { stdin: 'yes\n' }));
        work.note(`database restored from ${restore.backup}`);
        return undefined;
    }
    catch (error) {
        // Never `latest` again: it may be what broke the restore.
        work.untrusted.push(...[restore.backup].filter((backup) => !work.untrusted.includes(backup)));
        if (error instanceof errors/* CancelledError */.cc || signal.aborted) {
            const productionDown = down(`${procedure} was cancelled during the restore (the restore was stopped on the server)`);
            lib_core.error(output_inert(productionDown));
            await work.journal('cancelled', journalled).catch(() => undefined);
            throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), productionDown);
        }
        await work.journal('started', journalled).catch(() => undefined);
        const outcome = error instanceof session_RemoteCommandError ? session_describeOutcome(error.result.outcome) : 'did not finish';
        const kept = restore.emergencyBackup === undefined
            ? `no emergency backup holds the database as it was before ${procedure}`
            : `the emergency backup ${restore.emergencyBackup} holds the database as it was before ${procedure}`;
        const productionDown = down(`the restore ${outcome}`);
        work.note(productionDown);
        return {
            failure: `${(0,errors/* errorMessage */.gJ)(error)}\n${productionDown}; ${kept}; ${restore.backup} is journalled as untrusted (never \`latest\` again)`,
            productionDown,
        };
    }
}

;// CONCATENATED MODULE: ./packages/shared/src/ops/reclaim.ts
/**
 * reclaim-disk (runbook §6, out of disk space): what runbook's `docker system prune -f` and
 * `docker image prune -a -f` remove, decided here from one inventory of the server instead of left to
 * Docker, so the run can say beforehand exactly what goes and keep what must stay:
 *
 * - stopped containers that belong to no compose project, and stopped one-off `compose run` containers.
 *   Every other container of a compose project stays, stopped or not: this stack's, and another stack's
 *   on the same host (a stopped staging stack is started again with `compose start`; removing its
 *   containers is its own `compose down`'s job);
 * - no network: `docker network prune` takes the network of a stack whose containers are all stopped
 *   (`compose start` then fails) and an external network no container happens to use right now, and a
 *   network holds no disk worth the risk;
 * - tagged images no remaining container uses whose repository is one this stack's compose file names,
 *   except the images of the release the checkout names, of the release the containers run, and of the
 *   previous release (the ledger's), each as the compose file names them with that release's IMAGE_TAG.
 *   Every other image stays: on a shared Docker host it may be another stack's previous release, a
 *   base image, or one another deploy just built. Then dangling images and dangling build cache;
 * - with prune-volumes only: volumes no remaining container mounts and no compose project declared
 *   (a stack's volume outlives its containers: the database's data must survive a removed container).
 */




const PROJECT_LABEL = 'com.docker.compose.project';
const ONEOFF_LABEL = 'com.docker.compose.oneoff';
/** Rendered into the compose configuration as IMAGE_TAG, to see which image names take the tag. */
const TAG_SENTINEL = 'tt-reclaim-tag-7d41e0';
/**
 * $1 app dir, $2 compose file ('' = no configuration), $3 the tag sentinel, then the compose command
 * words. Each part is printed after a `@@tt:<name>` line, each of its lines behind '|' (see live-state).
 */
const INVENTORY_SCRIPT = `
cd "$1" || { echo "app-dir $1 is missing" >&2; exit 1; }
file=$2 sentinel=$3; shift 3
part() { printf '\\n@@tt:%s\\n' "$1"; }
body() { sed 's/^/|/'; }
part df; df -Pk -- . | body
part docker-df; docker system df 2>&1 | body
part containers
ids=$(docker ps -aq --no-trunc)
[ -z "$ids" ] || docker inspect --format '{{.Id}}\t{{.Name}}\t{{.Image}}\t{{.State.Status}}\t{{json .Config.Labels}}\t{{json .Mounts}}' $ids 2>/dev/null | body
part images; docker images --no-trunc --format '{{.ID}}\t{{.Repository}}:{{.Tag}}\t{{.Size}}' | body
part volumes; docker volume ls --format '{{.Name}}\t{{.Label "${PROJECT_LABEL}"}}' | body
if [ -n "$file" ]; then
  err=$(mktemp) || exit 1
  if config=$(IMAGE_TAG=$sentinel "$@" -f "$file" config 2>"$err"); then
    part config; printf '%s\\n' "$config" | body
  else
    part config-error; body <"$err"
  fi
  rm -f "$err"
fi
part end
`;
function inventoryCommand(appDir, composeFile, composeWords) {
    return shell_toSshCommand(INVENTORY_SCRIPT, [appDir, composeFile ?? '', TAG_SENTINEL, ...composeWords]);
}
function parseInventory(text) {
    const parts = splitParts(text);
    const lines = (name) => (parts.get(name) ?? '').split('\n').filter((line) => line !== '');
    const containers = lines('containers').flatMap((line) => {
        const fields = line.split('\t');
        if (fields.length !== 6)
            return [];
        const labels = (JSON.parse(fields[4]) ?? {});
        const mounts = (JSON.parse(fields[5]) ?? []);
        return [
            {
                id: fields[0],
                name: fields[1].replace(/^\//, ''),
                image: fields[2],
                status: fields[3],
                project: labels[PROJECT_LABEL] ?? '',
                oneoff: labels[ONEOFF_LABEL] === 'True',
                volumes: mounts
                    .filter((mount) => mount.Type === 'volume' && mount.Name)
                    .map((mount) => mount.Name ?? ''),
            },
        ];
    });
    const images = lines('images').flatMap((line) => {
        const [id, ref, size = ''] = line.split('\t');
        return id && ref ? [{ id, ref, size }] : [];
    });
    const volumes = lines('volumes').flatMap((line) => {
        const [name, project = ''] = line.split('\t');
        return name ? [{ name, project }] : [];
    });
    const config = (0,dist/* parse */.qg)(parts.get('config') ?? '');
    const composeImages = Object.values(config?.services ?? {})
        .map((service) => service?.image)
        .filter((image) => typeof image === 'string');
    return {
        df: parts.get('df') ?? '',
        dockerDf: parts.get('docker-df') ?? '',
        containers,
        images,
        volumes,
        composeImages,
        configError: parts.has('config-error') ? parts.get('config-error') || '(no message)' : undefined,
    };
}
const STOPPED = ['exited', 'created', 'dead'];
/**
 * What goes, from the inventory alone (see the module comment). `tags` are the IMAGE_TAGs of the
 * releases to keep; a container being removed no longer counts as using its image or volumes.
 */
function planReclaim(inventory, options) {
    const removable = (container) => STOPPED.includes(container.status) && (container.project === '' || container.oneoff);
    const containers = inventory.containers.filter(removable);
    const remaining = inventory.containers.filter((container) => !removable(container));
    const usedImages = new Set(remaining.map((container) => container.image));
    const keep = new Set(inventory.composeImages.flatMap((image) => image.includes(TAG_SENTINEL)
        ? options.tags.map((tag) => live_state_normaliseImageRef(image.replaceAll(TAG_SENTINEL, tag)))
        : [live_state_normaliseImageRef(image)]));
    const repository = (ref) => plan_repositoryOf(live_state_normaliseImageRef(ref));
    const ours = new Set(inventory.composeImages.map(repository));
    const refsById = new Map();
    for (const image of inventory.images) {
        // Dangling images go with `docker image prune`; an image known by digest only is left alone.
        if (image.ref.endsWith(':<none>'))
            continue;
        refsById.set(image.id, [...(refsById.get(image.id) ?? []), image.ref]);
    }
    const images = [];
    const keptImages = [];
    let otherImages = 0;
    for (const [id, refs] of refsById) {
        if (usedImages.has(id))
            continue;
        // An image goes only when each of its names is one of this stack's repositories.
        if (!refs.every((ref) => ours.has(repository(ref))))
            otherImages++;
        else if (refs.some((ref) => keep.has(live_state_normaliseImageRef(ref))))
            keptImages.push(...refs);
        else
            images.push(...refs);
    }
    const mounted = new Set(remaining.flatMap((container) => container.volumes));
    const volumes = options.pruneVolumes
        ? inventory.volumes
            .filter((volume) => volume.project === '' && !mounted.has(volume.name))
            .map((volume) => volume.name)
        : [];
    return {
        containers: containers.map(({ id, name }) => ({ id, name })),
        images: images.sort(),
        keptImages: keptImages.sort(),
        otherImages,
        volumes: volumes.sort(),
    };
}
/** The commands that carry a plan out, in order (containers first: they free images and volumes). */
function reclaimSteps(plan, pruneVolumes) {
    const steps = [];
    if (plan.containers.length > 0)
        steps.push({
            title: `Remove ${plan.containers.length} stopped container(s) of no compose project or one-off: ${plan.containers.map((c) => c.name).join(', ')}`,
            command: { argv: ['docker', 'rm', ...plan.containers.map((container) => container.id)] },
        });
    if (plan.images.length > 0)
        steps.push({
            title: `Remove ${plan.images.length} unused image reference(s) of this stack's repositories: ${plan.images.join(', ')}`,
            command: { argv: ['docker', 'rmi', ...plan.images] },
        });
    // An hour old at least: the layers a build running right now on this host (another stack's deploy)
    // has just made are dangling until it tags its image, and must not go from under it.
    steps.push({
        title: 'Remove dangling images older than an hour',
        command: { argv: ['docker', 'image', 'prune', '-f', '--filter', 'until=1h'] },
    });
    steps.push({
        title: 'Remove dangling build cache older than an hour',
        command: { argv: ['docker', 'builder', 'prune', '-f', '--filter', 'until=1h'] },
    });
    if (pruneVolumes && plan.volumes.length > 0)
        steps.push({
            title: `Remove ${plan.volumes.length} unused volume(s) of no compose project: ${plan.volumes.join(', ')}`,
            command: { argv: ['docker', 'volume', 'rm', ...plan.volumes] },
        });
    return steps;
}
/** Reads the inventory; with `composeFile`, the compose configuration too. */
async function readInventory(session, appDir, composeFile, composeWords) {
    return parseInventory(await session.run(inventoryCommand(appDir, composeFile, composeWords), 'reading what Docker holds', {
        echo: 'none',
        timeoutSeconds: 300,
        maxBytes: 16 * 1024 * 1024,
    }));
}
/** `df`'s use of app-dir's filesystem: "12.3 GiB used of 40.0 GiB (31%), 27.7 GiB free". */
function diskLine(df) {
    const fields = df.split('\n').at(-1)?.trim().split(/\s+/) ?? [];
    const [total, used, free] = fields.slice(1, 4).map(Number);
    if (![total, used, free].every((n) => Number.isFinite(n)))
        return df.trim();
    const gib = (kib) => `${(kib / 1024 / 1024).toFixed(1)} GiB`;
    return `${gib(used)} used of ${gib(total)} (${fields[4] ?? '?'}), ${gib(free)} free`;
}

;// CONCATENATED MODULE: ./packages/shared/src/ops/ops.ts
/**
 * action-ops' work, runbook §6's emergency procedures: restart one service, restart the stack one
 * service at a time, recover the database from a backup, reclaim disk, scale a service. Each run reads
 * what runs, refuses what cannot be done before it changes anything, journals `started`, does the
 * operation, ends with the health gate a deploy ends with (every listed service and every service it
 * touched running, and healthy where it has a healthcheck; health-url healthy) and journals the
 * result. Its report holds the stack's containers before and after, read from the server.
 */



















/** What the ledger and the messages call an operation. */
function describeOperation(operation) {
    switch (operation.kind) {
        case 'restart':
            return `restart ${operation.service}`;
        case 'scale':
            return `scale ${operation.service}=${operation.replicas}`;
        case 'reclaim-disk':
            return operation.pruneVolumes ? 'reclaim-disk with volumes' : 'reclaim-disk';
        default:
            return operation.kind;
    }
}
function stackReport(services, containers) {
    return Object.fromEntries(services.map((service) => [
        service,
        containers
            .filter((container) => container.service === service)
            .map((container) => ({
            id: container.id.slice(0, 12),
            image: container.imageRef,
            imageId: container.image,
            state: container.status,
            health: container.health,
            startedAt: container.startedAt,
            restartCount: container.restartCount,
        })),
    ]));
}
/** The stack's services (profiled one-shot tools left out), in the compose file's order. */
const stackServicesOf = (state) => Object.keys(state.replicas);
/** The IMAGE_TAGs the stack's containers were made with (services whose image takes IMAGE_TAG only). */
function runningTags(state, services = stackServicesOf(state)) {
    const takesTag = (service) => {
        const image = state.targetImages[service];
        return image !== undefined && plan_tagOf(image) === state.imageTag;
    };
    return state.containers
        .filter((container) => services.includes(container.service) && takesTag(container.service))
        .map((container) => plan_tagOf(container.imageRef))
        .filter((tag) => tag !== undefined);
}
/** The tag most of them run; the checkout's own when none runs. */
function mostCommon(tags, fallback) {
    const counts = new Map();
    for (const tag of tags)
        counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}
/**
 * restart-stack's order: the listed services, then the stack's other services that run a container,
 * but those in `spared` (the database's and the backup container's: a restart cuts a backup short).
 */
function restartOrder(listed, stack, containers, spared = []) {
    const running = (service) => containers.some((container) => container.service === service && container.status === 'running');
    return [
        ...listed,
        ...stack.filter((service) => !listed.includes(service) && !spared.includes(service) && running(service)),
    ];
}
/**
 * The containers restart-stack never restarts unless listed: postgres-container, and the container
 * backup-command and restore-command run in (`docker exec ... <container>`).
 */
function sparedContainers(settings) {
    return [
        ...new Set([
            settings.postgresContainer,
            execContainer(settings.backupCommand),
            execContainer(settings.restoreCommand),
        ].filter((name) => name !== undefined)),
    ];
}
/** The services whose containers have one of these names (read from Docker: names are not in the state). */
async function servicesNamed(session, containers, names) {
    if (containers.length === 0 || names.length === 0)
        return [];
    const text = await session.run(shell_commandLine({
        argv: [
            'docker',
            'inspect',
            '--format',
            '{{index .Config.Labels "com.docker.compose.service"}} {{.Name}}',
            ...containers.map((container) => container.id),
        ],
    }), 'reading the container names', { echo: 'stderr', timeoutSeconds: 60 });
    return [
        ...new Set(text
            .split('\n')
            .map((line) => line.trim().split(' '))
            .filter(([, name]) => name !== undefined && names.includes(name.replace(/^\//, '')))
            .map(([service]) => service)),
    ];
}
/**
 * Why the operation cannot run on this server, read before anything is changed; undefined when it can.
 * A service that cannot run a second container (a fixed name or host port: startFirstBlockers) is
 * never scaled beyond one.
 */
function refusal(settings, state) {
    const stack = stackServicesOf(state);
    const has = (service) => state.containers.some((container) => container.service === service);
    const known = `the stack has: ${stack.join(', ') || 'no service'}`;
    const unlisted = settings.services.filter((service) => !stack.includes(service));
    if (unlisted.length > 0)
        return `services names ${unlisted.join(', ')}, not in the compose file (${known})`;
    const operation = settings.operation;
    if (operation.kind === 'restart' || operation.kind === 'scale') {
        const { service } = operation;
        if (!stack.includes(service))
            return `${service} is not a service of the stack (${known})`;
        if (!has(service))
            return `${service} has no container to ${operation.kind}: run a deploy, which creates what is missing`;
    }
    if (operation.kind === 'restart-stack') {
        const missing = settings.services.filter((service) => !has(service));
        if (missing.length > 0)
            return `${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no container to restart: run a deploy, which creates what is missing`;
    }
    if (operation.kind === 'scale' && operation.replicas > 1) {
        const blocker = state.startFirstBlockers[operation.service];
        if (blocker !== undefined)
            return `${operation.service} cannot run ${operation.replicas} containers: ${blocker}`;
    }
    return undefined;
}
/** Whether a container of that name exists on the server (running or not). */
async function containerExists(session, name) {
    const result = await session.exec(shell_commandLine({ argv: ['docker', 'container', 'inspect', '--format', '{{.State.Status}}', name] }), { echo: 'none', timeoutSeconds: 60 });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    return result.outcome.kind === 'exited' && result.outcome.code === 0;
}
/** An emergency operation, with the stages it went through. */
async function runOps(settings, context) {
    return deploy_withStages(() => runOpsUntimed(settings, context));
}
async function runOpsUntimed(settings, context) {
    const started = Date.now();
    const { session, signal } = context;
    const { connection, operation } = settings;
    const described = describeOperation(operation);
    const account = [];
    // Account lines quote the server (states, backup names, stderr): inert wherever they are shown.
    const note = (line) => {
        account.push(output_inert(line));
        lib_core.info(output_inert(line));
    };
    const head = (await session.run(shell_commandLine(git_headCommit(connection.appDir)), 'reading the checked-out commit', {
        echo: 'stderr',
    })).trim();
    const liveStateRequest = {
        appDir: connection.appDir,
        composeFile: connection.composeFile,
        composeCommand: connection.composeCommand,
        remote: 'origin',
        ref: head,
        imageTag: undefined,
        stateDir: connection.stateDir,
        migrationsPath: undefined,
        alembicCurrent: undefined,
        fetch: false,
    };
    const state = await deploy_stage('Read the live state', () => live_state_readLiveState(session, liveStateRequest));
    const compose = state.compose;
    const stack = stackServicesOf(state);
    const imageTag = mostCommon(runningTags(state), deploy_defaultImageTag(head));
    const env = { IMAGE_TAG: imageTag };
    const gate = {
        timeoutSeconds: settings.waitTimeoutSeconds,
        minUptimeSeconds: settings.minUptimeSeconds,
    };
    const before = stackReport(stack, state.containers);
    const refused = refusal(settings, state);
    if (refused !== undefined)
        throw new Error(`${described} refused: ${refused}; nothing was changed`);
    lib_core.info(output_inert(`${described} on ${session.label}: ${head.slice(0, 12)} (${imageTag}); compose: ${compose.command.join(' ')} (v${compose.major}); ` +
        stack
            .map((service) => `${service} ${compose_judgeServices({ services: [service], containers: state.containers })[0].state}`)
            .join('; ')));
    const waits = [];
    /** Services the operation changed: gated at the end besides the listed ones. */
    const touched = [];
    let closed = false;
    /** Backups this run found that `latest` must never pick: in every entry it journals. */
    const untrusted = [];
    const journal = (result, extra = {}) => {
        if (result !== 'started')
            closed = true;
        return ledger_appendRelease(session, connection.stateDir, {
            time: new Date().toISOString(),
            environment: connection.environment,
            ref: head,
            image_tag: imageTag,
            previous_ref: head,
            migration: '',
            actor: context.actor,
            run_url: context.runUrl,
            result,
            action: 'ops',
            operation: described,
            run_id: context.runId,
            ...extra,
            ...(untrusted.length > 0 ? { untrusted_backups: [...untrusted] } : {}),
        });
    };
    /** health-url, as a deploy probes it after each service; the failure names what came before. */
    const probe = async (after) => {
        const probeStarted = Date.now();
        try {
            const answer = await waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal);
            lib_core.info(`health-url: ${answer} after ${((Date.now() - probeStarted) / 1000).toFixed(1)}s`);
        }
        catch (error) {
            if (error instanceof errors/* CancelledError */.cc)
                throw error;
            throw new Error(`after ${after}: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
        }
    };
    /** A service's containers now, for a cancel's message (read even though the run is cancelled). */
    const serviceNow = async (service) => {
        const containers = await rollout_serviceContainers(session, compose, connection, env, service, true).catch(() => undefined);
        return containers === undefined
            ? `${service}: could not be read`
            : `${service} now: ${compose_judgeServices({ services: [service], containers })[0].state}`;
    };
    /** A service's gate during the operation (all its containers, or `only` these), kept for the report. */
    const gateService = async (service, serviceEnv, failure, only) => {
        const wait = await rollout_waitUntilHealthy(session, compose, connection, serviceEnv, service, gate, signal, only);
        waits.push(wait);
        lib_core.info(output_inert(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`));
        if (!wait.ok)
            throw new Error(`${failure}: ${wait.state}`);
    };
    /** A cancel while working on a service is thrown again saying what the service runs now. */
    const sayWhatRuns = async (error, doing, service) => {
        if (error instanceof errors/* CancelledError */.cc || signal.aborted) {
            throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), `Cancelled while ${doing}; ${await serviceNow(service)}`);
        }
        throw error;
    };
    /** restart's semantics (runbook §6): the same containers, a fresh process, then the deploy's gate. */
    const restartOne = (service) => deploy_stage(`Restart ${service}`, async () => {
        touched.push(service);
        try {
            await session.run(shell_commandLine(compose_composeCommand(compose, connection, ['restart', service], env)), `restarting ${service}`);
            await gateService(service, env, `${service} did not pass its gate after the restart`);
        }
        catch (error) {
            await sayWhatRuns(error, `restarting ${service}`, service);
        }
        await probe(`restarting ${service}`);
    });
    let plan = [];
    let execute;
    let restoredBackup;
    let emergencyBackup;
    let reclaim;
    let disk;
    switch (operation.kind) {
        case 'restart': {
            const { service } = operation;
            plan = [
                {
                    title: `Restart ${service}'s containers in place (the same containers, a fresh process), then its gate and health-url`,
                    command: compose_composeCommand(compose, connection, ['restart', service], env),
                },
            ];
            execute = async () => {
                await restartOne(service);
                return {};
            };
            break;
        }
        case 'restart-stack': {
            const spared = await servicesNamed(session, state.containers, sparedContainers(settings));
            const order = restartOrder(settings.services, stack, state.containers, spared);
            const skipped = spared.filter((service) => !settings.services.includes(service));
            if (skipped.length > 0)
                note(`not restarted: ${skipped.join(', ')} (the database's or the backup container: restart ${skipped.length === 1 ? 'it' : 'them'} with operation restart, between backups)`);
            plan = order.map((service) => ({
                title: `Restart ${service} in place, then its gate and health-url`,
                command: compose_composeCommand(compose, connection, ['restart', service], env),
            }));
            execute = async () => {
                for (const [index, service] of order.entries()) {
                    try {
                        await restartOne(service);
                    }
                    catch (error) {
                        if (error instanceof errors/* CancelledError */.cc)
                            throw error;
                        const done = order.slice(0, index);
                        const left = order.slice(index + 1);
                        return {
                            failure: `${(0,errors/* errorMessage */.gJ)(error)}. restart-stack stopped at ${service}: restarted before it: ${done.join(', ') || 'none'}; ` +
                                `not restarted: ${left.join(', ') || 'none'}`,
                        };
                    }
                }
                return {};
            };
            break;
        }
        case 'scale': {
            const { service, replicas } = operation;
            const old = state.containers.filter((container) => container.service === service).map((c) => c.id);
            // New containers are made from the image the service runs now, not from the checkout's.
            const serviceEnv = { IMAGE_TAG: mostCommon(runningTags(state, [service]), imageTag) };
            const scale = rollout_scaleUpCommand(compose, connection, serviceEnv, service, replicas);
            plan = [
                {
                    title: `Scale ${service} from ${old.length} to ${replicas} container(s) (--no-recreate: the running ones stay as they are), ` +
                        `then gate ${replicas > old.length ? 'the new ones' : 'the ones left'}; it keeps ${replicas} until the service is recreated or scaled back ` +
                        `(the compose file says ${state.replicas[service] ?? 1}; a deploy that leaves ${service} unchanged keeps ${replicas})`,
                    command: scale,
                },
            ];
            execute = () => deploy_stage(`Scale ${service} to ${replicas}`, async () => {
                touched.push(service);
                try {
                    await session.run(shell_commandLine(scale), `scaling ${service}`);
                    const now = await rollout_serviceContainers(session, compose, connection, serviceEnv, service);
                    if (now.length !== replicas)
                        throw new Error(`compose left ${now.length} container(s) of ${service}, not ${replicas}`);
                    const fresh = now.map((container) => container.id).filter((id) => !old.includes(id));
                    await gateService(service, serviceEnv, `${service}'s ${fresh.length > 0 ? 'new containers' : 'containers'} did not pass the gate`, fresh.length > 0 ? fresh : undefined);
                }
                catch (error) {
                    // Containers this run added that did not pass (or that a cancel left unchecked) go again,
                    // even when cancelled: the old ones serve as before.
                    if (session.lost !== undefined)
                        throw error;
                    const added = (await rollout_serviceContainers(session, compose, connection, serviceEnv, service, true))
                        .map((container) => container.id)
                        .filter((id) => !old.includes(id));
                    if (added.length > 0) {
                        await session.run(shell_commandLine({ argv: ['docker', 'rm', '-f', ...added] }), `removing the new ${service} containers`, {
                            keepOnCancel: true,
                            timeoutSeconds: 120,
                        });
                        note(`removed the ${added.length} new ${service} container(s); the ${old.length} that ran before are as they were`);
                    }
                    await sayWhatRuns(error, `scaling ${service}`, service);
                }
                await probe(`scaling ${service}`);
                return {};
            });
            break;
        }
        case 'recover-database': {
            // The newest trusted backup that is there and not empty where restore-command reads it: checked
            // before anything is stopped (a missing or empty one is skipped, and said).
            const listed = (await listBackups(session, connection.appDir, settings.restoreCommand)).join('\n');
            const excluded = untrustedBackups(state.releases);
            let backup;
            for (let tries = 0; tries < 5; tries++) {
                const candidate = newestBackup(listed, excluded);
                if (candidate === undefined)
                    break;
                const problem = await database_backupProblem(session, connection.appDir, settings.restoreCommand, candidate);
                if (problem === undefined) {
                    backup = candidate;
                    break;
                }
                note(`skipped: ${problem}`);
                excluded.add(candidate);
            }
            if (backup === undefined)
                throw new Error(`${described} refused: restore-command --list names no usable backup (none that is there and not empty); nothing was changed`);
            const postgres = settings.postgresContainer;
            // A postgres-container that is not there is a mistake to say now, not "PostgreSQL does not answer" later.
            if (postgres !== undefined && !(await containerExists(session, postgres)))
                throw new Error(`${described} refused: postgres-container ${postgres} is no container on ${session.label} (give the one running ` +
                    'PostgreSQL, or leave it empty to take the emergency backup without asking); nothing was changed');
            restoredBackup = backup;
            note(`backup to restore: ${backup} (the newest trusted one that existed before this run)`);
            const services = settings.services;
            const work = {
                session,
                compose,
                place: connection,
                env,
                services,
                gate,
                signal,
                procedure: 'the recovery',
                ref: head,
                note,
                journal,
                untrusted,
            };
            const again = `gh workflow run emergency.yml -f environment=${connection.environment} -f operation=restart-stack`;
            plan = [
                {
                    title: `Stop ${services.join(', ')}`,
                    command: compose_composeCommand(compose, connection, ['stop', ...services], env),
                },
                ...(postgres === undefined
                    ? []
                    : [
                        {
                            title: `Ask PostgreSQL whether it answers (pg_isready in ${postgres})`,
                            command: { argv: ['docker', 'exec', postgres, 'pg_isready'] },
                        },
                    ]),
                {
                    title: `${postgres === undefined ? 'The' : 'When it answers: the'} emergency backup (${settings.backupCommand}), journalled so it is never restored as the newest`,
                },
                { title: `Restore ${backup} (${settings.restoreCommand} ${backup}, its prompt answered yes)` },
                {
                    title: `Start ${services.join(', ')} again (the same containers), each gated, then health-url`,
                    command: compose_composeCommand(compose, connection, ['start', ...services], env),
                },
                {
                    title: `Compare the restored database's alembic revision with the checkout's migration head (${settings.alembicCommand} current${settings.migrateService ? ` in ${settings.migrateService}` : ''}); a mismatch fails the run, the services left running, with the migrate command`,
                },
            ];
            /** The restored database's revision against the checkout's migration heads: what is wrong, if anything. */
            const readSchema = async () => {
                const current = settings.migrateService === undefined
                    ? `cd ${shell_quote(connection.appDir)} && ${settings.alembicCommand} current`
                    : `"$@" -f "$file" exec -T ${shell_quote(settings.migrateService)} sh -c ${shell_quote(`${settings.alembicCommand} current`)}`;
                const now = await deploy_stage('Compare the restored revision with the migrations', () => live_state_readLiveState(session, {
                    ...liveStateRequest,
                    migrationsPath: deploy/* DEPLOY_DEFAULTS */.Dd['migrations-path'],
                    alembicCurrent: current,
                }));
                if (now.dbRevision === undefined) {
                    const warning = `the restored database's alembic revision could not be read (${now.dbRevisionProblem ?? 'no answer'}): compare it with the checkout's migrations by hand`;
                    lib_core.warning(output_inert(warning));
                    note(warning);
                    return undefined;
                }
                const mismatch = schemaMismatch(now, connection.environment, true);
                note(mismatch ??
                    `the restored database is at ${now.dbRevision || '(base)'}, the checkout's migration head`);
                return mismatch;
            };
            execute = async () => {
                touched.push(...services);
                /** Before the restore the database is as it was: the services go back as they were. */
                const unstop = async (error, what) => {
                    if (error instanceof errors/* CancelledError */.cc || signal.aborted) {
                        const back = await startServices(work, true);
                        const detail = `Cancelled during ${what}, before anything was restored: ` +
                            (back.started
                                ? `${services.join(', ')} were started again (not gated)`
                                : `${services.join(', ')} may be STOPPED (${back.problem ?? ''})`);
                        await journal('cancelled', { backup, emergency_backup: emergencyBackup }).catch(() => undefined);
                        throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), detail);
                    }
                    const back = await startServices(work);
                    waits.push(...back.waits);
                    const ok = back.started && back.failing.length === 0;
                    const how = ok
                        ? `${services.join(', ')} were started again, each passing its gate`
                        : back.started
                            ? `started again, not well: ${back.failing.join('; ')}`
                            : `they could NOT be started again (${back.problem ?? ''})`;
                    return {
                        failure: `${what} failed: ${(0,errors/* errorMessage */.gJ)(error)}; nothing was restored; ${how}`,
                        productionDown: ok ? undefined : `PRODUCTION IS DOWN: ${how}. To start them: ${again}`,
                    };
                };
                try {
                    await database_stopServices(work);
                }
                catch (error) {
                    return unstop(error, 'stopping the application services');
                }
                let answers = { ok: true, said: 'not asked: postgres-container is empty' };
                try {
                    if (postgres !== undefined)
                        answers = await postgresAnswers(session, postgres);
                }
                catch (error) {
                    return unstop(error, 'pg_isready');
                }
                if (answers.ok) {
                    note(`PostgreSQL answers (${answers.said})`);
                    try {
                        emergencyBackup = await database_takeEmergencyBackup(work, settings.backupCommand, settings.restoreCommand);
                    }
                    catch (error) {
                        return unstop(error, 'the emergency backup');
                    }
                    // Journalled at once: whatever happens next, `latest` must never pick it.
                    if (emergencyBackup !== undefined)
                        await journal('started', { backup, emergency_backup: emergencyBackup });
                }
                else {
                    note(`PostgreSQL does not answer (${answers.said}): no emergency backup can be taken; restoring ${backup} all the same`);
                }
                const failed = await database_restoreBackup(work, {
                    command: settings.restoreCommand,
                    args: [backup],
                    backup,
                    emergencyBackup,
                    finish: `To finish by hand: restore again (${settings.restoreCommand} ${backup}), then start the services (${again})` +
                        (emergencyBackup
                            ? `; or put the data back as it was from the emergency backup ${emergencyBackup}`
                            : ''),
                });
                if (failed !== undefined)
                    return failed;
                // A cancel does not stop the start (the database is restored: they should run), only the waits.
                const back = await startServices(work, false, true);
                waits.push(...back.waits);
                if (signal.aborted) {
                    const now = await Promise.all(services.map(serviceNow));
                    throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), `Cancelled after the restore of ${backup}, while the services were started again ` +
                        `(${back.started ? 'compose start finished; not gated' : `compose start did not finish: ${back.problem ?? ''}`}); ` +
                        `${now.join('; ')}. Whatever is not running: ${again}`);
                }
                if (!back.started) {
                    const productionDown = `PRODUCTION IS DOWN: the database was restored from ${backup}, but ${services.join(', ')} could not be started again (${back.problem ?? ''}). To start them: ${again}`;
                    return { failure: productionDown, productionDown };
                }
                note(`started again: ${services.join(', ')}${back.failing.length > 0 ? `; not well: ${back.failing.join('; ')}` : ', each passing its gate'}`);
                // The restored backup against the checkout's migrations (as a full rollback compares them). The
                // services stay running, as runbook §6 leaves them: the run fails and says the migrate command.
                const schema = await readSchema();
                if (back.failing.length > 0)
                    return {
                        failure: `the database was restored from ${backup}; started again, ${back.failing.join('; ')} did not pass their gates` +
                            (schema === undefined ? '' : `\n${schema}`),
                    };
                if (schema !== undefined)
                    return { failure: schema };
                await probe('the recovery');
                return {};
            };
            break;
        }
        case 'reclaim-disk': {
            const { pruneVolumes } = operation;
            const inventory = await deploy_stage('Read what Docker holds', () => readInventory(session, connection.appDir, connection.composeFile, compose.command));
            // What to keep is read from the compose file and the ledger: when either cannot be read, nothing
            // is removed (an empty keep set would take the previous release's images).
            if (inventory.configError !== undefined)
                throw new Error(`${described} refused: compose config failed, so the stack's images are unknown (${output_inert(inventory.configError)}); nothing was removed`);
            const previous = await resolveTarget(session, connection.appDir, state.releases, head, {
                kind: 'previous',
            }).catch((error) => {
                if (/^no previous release/.test((0,errors/* errorMessage */.gJ)(error)))
                    return undefined;
                throw new Error(`${described} refused: the previous release could not be read (${(0,errors/* errorMessage */.gJ)(error)}); nothing was removed`, { cause: error });
            });
            const previousTag = previous === undefined ? undefined : (previous.imageTag ?? deploy_defaultImageTag(previous.sha));
            const tags = [
                ...new Set([...runningTags(state), deploy_defaultImageTag(head), ...(previousTag ? [previousTag] : [])]),
            ];
            note(`keeping the images of the releases ${tags.join(', ')} (running, checked out${previousTag ? `, previous: ${previous?.sha.slice(0, 12)}` : '; no previous release in the ledger'})`);
            const chosen = planReclaim(inventory, { tags, pruneVolumes });
            reclaim = chosen;
            const diskBefore = { filesystem: diskLine(inventory.df), docker: inventory.dockerDf };
            disk = { before: diskBefore, after: undefined };
            note(`disk before: ${diskBefore.filesystem}`);
            if (chosen.keptImages.length > 0)
                note(`kept, unused but of a release: ${chosen.keptImages.join(', ')}`);
            if ((chosen.otherImages ?? 0) > 0)
                note(`kept: ${chosen.otherImages} unused image(s) of repositories the compose file does not name (another stack's, base images)`);
            plan = reclaimSteps(chosen, pruneVolumes);
            execute = async () => {
                const failed = [];
                for (const { title, command } of plan) {
                    if (command === undefined)
                        continue;
                    const what = title.split(':')[0];
                    // A removal that fails in part (an image a container started using meanwhile) is reported, and
                    // the rest goes on: what is left is read from the server below.
                    const result = await deploy_stage(what, () => session.exec(shell_commandLine(command)), ({ outcome }) => outcome.kind !== 'exited' || outcome.code !== 0);
                    if (result.outcome.kind === 'cancelled')
                        throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'));
                    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) {
                        const why = `${what}: ${output_inert(result.stderrTail.slice(-3).join(' ').trim() || session_describeOutcome(result.outcome))}`;
                        failed.push(why);
                        note(`not all of it: ${why}`);
                    }
                }
                const now = await readInventory(session, connection.appDir, undefined, compose.command);
                disk = { before: diskBefore, after: { filesystem: diskLine(now.df), docker: now.dockerDf } };
                note(`disk after: ${disk.after?.filesystem ?? ''}`);
                const left = chosen.images.filter((ref) => now.images.some((image) => image.ref === ref));
                if (left.length > 0)
                    note(`still there: ${left.join(', ')}`);
                const removed = chosen.images.length -
                    left.length +
                    chosen.containers.filter((gone) => !now.containers.some((container) => container.id === gone.id))
                        .length +
                    chosen.volumes.filter((gone) => !now.volumes.some((volume) => volume.name === gone)).length;
                if (failed.length > 0 && removed === 0)
                    return { failure: `${described} removed nothing it planned to: ${failed.join('; ')}` };
                return {};
            };
            break;
        }
    }
    const outcome = (result, extra) => ({
        kind: operation.kind,
        operation: described,
        result,
        dryRun: connection.dryRun,
        ref: head,
        imageTag,
        before,
        after: before,
        waits,
        gate: [],
        healthUrl: undefined,
        plan,
        account,
        failure: undefined,
        productionDown: undefined,
        restoredBackup,
        emergencyBackup,
        disk,
        reclaim,
        durationSeconds: Math.round((Date.now() - started) / 100) / 10,
        ...extra,
    });
    if (connection.dryRun) {
        lib_core.info(`dry run on ${session.label}: nothing will be changed. ${described} would run:`);
        plan.forEach((step, index) => lib_core.info(output_inert(`  ${index + 1}. ${step.title}${step.command ? `\n       $ ${shell_renderScript(step.command)}` : ''}`)));
        return outcome('unchanged', {});
    }
    await journal('started', restoredBackup ? { backup: restoredBackup } : {});
    try {
        const ended = await execute().catch((error) => {
            if (error instanceof errors/* CancelledError */.cc || signal.aborted || session.lost !== undefined)
                throw error;
            return { failure: (0,errors/* errorMessage */.gJ)(error) };
        });
        return await healthGate(ended);
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc || signal.aborted) {
            if (!closed)
                await journal('cancelled', { backup: restoredBackup, emergency_backup: emergencyBackup }).catch((why) => lib_core.warning(`could not record the cancel in the ledger: ${(0,errors/* errorMessage */.gJ)(why)}`));
            throw error instanceof errors/* CancelledError */.cc
                ? error
                : new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), `During ${described}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
        if (session.lost !== undefined)
            throw new Error(`the connection to ${session.label} was lost during ${described} (${session.lost}): the deploy lock was released ` +
                'when the connection ended and the journal shows this run as started; what runs now is unknown: check it ' +
                `(gh workflow run health.yml -f environment=${connection.environment}) before anything else`, { cause: error });
        throw error;
    }
    /** The health gate, read from the server: the listed services and those the operation touched. */
    async function healthGate(ended) {
        const gated = [...new Set([...settings.services, ...touched])];
        const now = await deploy_stage('Health gate', () => compose_readServicesState(session, compose, connection, stack, env));
        const after = stackReport(stack, now.containers);
        const wasBad = new Set(compose_judgeServices({ services: gated, containers: state.containers })
            .filter((verdict) => !verdict.ok)
            .map((verdict) => verdict.service));
        const verdicts = compose_judgeServices({ services: gated, containers: now.containers }).map((verdict) => verdict.ok || !wasBad.has(verdict.service)
            ? verdict
            : { ...verdict, state: `${verdict.state}; so before ${described} too` });
        let healthUrl;
        // The failed probe's last answer, for the diagnostics.
        let lastAnswer;
        if (ended.failure === undefined) {
            healthUrl = await waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal).then((answer) => ({ ok: true, answer }), (error) => {
                if (error instanceof errors/* CancelledError */.cc)
                    throw error;
                if (error instanceof HealthUrlError)
                    lastAnswer = error.answer;
                return { ok: false, answer: (0,errors/* errorMessage */.gJ)(error) };
            });
        }
        else {
            // After a failure, one look says what runs; waiting would only delay the report.
            lastAnswer = await probeOnServer(session, settings.healthUrl);
            const answer = judgeHealthAnswer(lastAnswer, 'healthy');
            healthUrl = { ok: answer.ok, answer: answer.value };
        }
        const failing = verdicts
            .filter((verdict) => !verdict.ok)
            .map((verdict) => `${verdict.service} (${verdict.state})`);
        const problems = [
            ...failing,
            ...(healthUrl.ok ? [] : [`health-url ${settings.healthUrl}: ${healthUrl.answer}`]),
        ];
        const gateFailure = problems.length > 0 ? `the health gate after ${described} failed: ${problems.join('; ')}` : undefined;
        const failure = ended.failure === undefined ? gateFailure : ended.failure + (gateFailure ? `\n${gateFailure}` : '');
        const diagnostics = [];
        if (failure !== undefined) {
            // Runbook §9 about what failed: services that failed a gate or are not well now, and health-url.
            const failedWaits = waits.filter((wait) => !wait.ok);
            const subjects = [
                ...new Set([
                    ...failedWaits.map((wait) => wait.service),
                    ...verdicts.filter((verdict) => !verdict.ok).map((verdict) => verdict.service),
                ]),
            ];
            if (subjects.length > 0 || lastAnswer !== undefined)
                diagnostics.push(await diagnostics_collectDiagnostics(session, compose, connection, {
                    reason: `${described}: ${failure.split('\n')[0]}`,
                    services: subjects,
                    earlierLogs: Object.fromEntries(failedWaits.flatMap((wait) => (wait.logs ? [[wait.service, wait.logs]] : []))),
                    ...(healthUrl.ok || lastAnswer === undefined
                        ? {}
                        : { probe: { url: settings.healthUrl, answer: lastAnswer } }),
                }));
        }
        note(failure === undefined
            ? `${described} done; health gate passed: ${verdicts.map((verdict) => `${verdict.service} ${verdict.state}`).join(', ')}; health-url ${healthUrl.answer}`
            : `${described} failed; not running and healthy now: ${problems.join('; ') || 'none'}`);
        await journal(failure === undefined ? 'success' : 'failed', {
            backup: restoredBackup,
            emergency_backup: emergencyBackup,
        }).catch((error) => lib_core.warning(`could not append to the ledger: ${(0,errors/* errorMessage */.gJ)(error)}`));
        return outcome(failure === undefined ? 'success' : 'failed', {
            after,
            gate: verdicts,
            healthUrl,
            failure: failure === undefined ? undefined : output_inert(failure),
            productionDown: ended.productionDown,
            diagnostics,
        });
    }
}
/** The `report` output: the outcome as JSON, without the account (it is in the log and the summary). */
function opsReport(outcome, environment, host) {
    // Log lines and diagnostics stay out of the output: the summary, the fenced log and the artifact
    // have them, masked.
    const { account: _account, plan, diagnostics: _diagnostics, waits, ...rest } = outcome;
    return JSON.stringify({
        environment,
        host,
        ...rest,
        waits: waits.map(({ logs: _logs, ...wait }) => wait),
        plan: plan.map((step) => ({
            title: step.title,
            command: step.command ? shell_renderScript(step.command) : undefined,
        })),
    });
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
async function fleet_forEachHost(connection, options, work) {
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
function fleet_rethrowSingle(runs) {
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
    const runs = await fleet_forEachHost({ ...connection, targets: connection.targets.slice(0, 1) }, { signal }, work);
    fleet_rethrowSingle(runs);
    return runs[0].value;
}

;// CONCATENATED MODULE: ./packages/shared/src/summary/ops.ts



const HEADLINE = {
    success: '✅ done',
    failed: '❌ failed',
    unchanged: '🔎 dry run: nothing changed',
};
/** One row per container (a service without one gets a row saying so), before beside after. */
function stackTable(before, after) {
    const describe = (report, service) => (report[service] ?? []).map((c) => `${c.id} ${c.image} ${c.state}${c.health === 'none' ? '' : `, ${c.health}`}` +
        `${c.startedAt ? `, started ${c.startedAt.replace(/\.\d+/, '')}` : ''}${c.restartCount > 0 ? `, ${c.restartCount} restarts` : ''}`);
    const rows = Object.keys(after).map((service) => {
        const then = describe(before, service);
        const now = describe(after, service);
        return [service, then.join('\n') || 'no container', now.join('\n') || 'no container'];
    });
    return table(['service', 'before', 'after'], rows);
}
function waitsTable(waits) {
    return table(['service', 'waited', 'gate'], waits.map((wait) => [
        wait.service,
        `${(wait.waitedMs / 1000).toFixed(1)}s`,
        `${wait.ok ? '✅' : '❌'} ${wait.state}`,
    ]));
}
function opsSummary(outcome, environment, host) {
    const parts = [
        `## Emergency operation on ${escapeHtml(environment)} (${escapeHtml(host)}): ${escapeHtml(outcome.operation)}: ${HEADLINE[outcome.result]}`,
        `Commit ${outcome.ref.slice(0, 12)}, image tag ${escapeHtml(outcome.imageTag)}; ${outcome.durationSeconds}s`,
    ];
    if (outcome.productionDown)
        parts.push(`> [!CAUTION]\n> ${escapeHtml(outcome.productionDown)}`);
    if (outcome.failure)
        parts.push(`**What failed:** ${escapeHtml(outcome.failure)}`);
    if (!outcome.dryRun && outcome.stages.length > 0)
        parts.push(timelineGantt(outcome.stages, `${outcome.operation} stages`));
    if (outcome.restoredBackup) {
        parts.push([
            `- restored backup: ${escapeHtml(outcome.restoredBackup)}`,
            `- emergency backup (the database as it was before): ${escapeHtml(outcome.emergencyBackup ?? 'none taken')}`,
        ].join('\n'));
    }
    if (outcome.disk) {
        parts.push([
            '### Disk',
            '',
            `- before: ${escapeHtml(outcome.disk.before.filesystem)}`,
            `- after: ${escapeHtml(outcome.disk.after?.filesystem ?? (outcome.dryRun ? '(dry run)' : 'not read'))}`,
            '',
            `<details><summary>docker system df</summary>\n\n\`\`\`\n${outcome.disk.before.docker.replaceAll('```', "'''")}\n\`\`\`\n${outcome.disk.after
                ? `after:\n\n\`\`\`\n${outcome.disk.after.docker.replaceAll('```', "'''")}\n\`\`\`\n`
                : ''}</details>`,
        ].join('\n'));
    }
    parts.push(`### The stack${outcome.dryRun ? ' (now)' : ''}\n\n${stackTable(outcome.before, outcome.after)}`);
    if (outcome.waits.length > 0)
        parts.push(`### Gates\n\n${waitsTable(outcome.waits)}`);
    if (outcome.gate.length > 0 || outcome.healthUrl) {
        const rows = outcome.gate.map((verdict) => [
            verdict.service,
            `${verdict.ok ? '✅' : '❌'} ${verdict.state}`,
        ]);
        if (outcome.healthUrl)
            rows.push(['health-url', `${outcome.healthUrl.ok ? '✅' : '❌'} ${outcome.healthUrl.answer}`]);
        parts.push(`### Health gate at the end\n\n${table(['', 'state'], rows)}`);
    }
    parts.push(`### ${outcome.dryRun ? 'Plan' : 'Commands'}\n\n${outcome.plan
        .map((step, index) => `${index + 1}. ${escapeHtml(step.title)}${step.command ? `\n   \`${escapeHtml(shell_renderScript(step.command))}\`` : ''}`)
        .join('\n')}`);
    if (outcome.account.length > 0)
        parts.push(`### Steps\n\n${outcome.account.map((line) => `- ${escapeHtml(line)}`).join('\n')}`);
    return bounded(`${parts.join('\n\n')}\n`);
}

;// CONCATENATED MODULE: ./action-ops/src/main.ts


async function main(settings, { signal }) {
    const { connection } = settings;
    const holder = holderFromEnvironment(connection.environment, 'ops');
    const operation = describeOperation(settings.operation);
    lib_core.info(`${operation} on ${connection.environment} requested by ${holder.actor}`);
    await onFirstHost(connection, signal, (session) => withDeployLock(session, connection, settings.lockTimeoutSeconds, holder, async () => {
        const outcome = await runOps(settings, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
        });
        lib_core.setOutput('report', opsReport(outcome, connection.environment, session.label));
        await lib_core.summary.addRaw(opsSummary(outcome, connection.environment, session.label)).write();
        await reportDiagnostics(outcome.diagnostics ?? [], 'ops');
        if (outcome.failure !== undefined)
            throw new Error(`${operation} on ${connection.environment} failed: ${outcome.failure}`);
    }, { signal }));
}


/***/ })

};
;