"use strict";
exports.id = 830;
exports.ids = [830];
exports.modules = {

/***/ 9830:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var core = __webpack_require__(7484);
// EXTERNAL MODULE: ./packages/shared/src/lock/lock.ts
var lock = __webpack_require__(9692);
// EXTERNAL MODULE: ./packages/shared/src/ssh/fleet.ts
var fleet = __webpack_require__(2626);
// EXTERNAL MODULE: ./packages/shared/src/compose/compose.ts
var compose_compose = __webpack_require__(364);
// EXTERNAL MODULE: ./packages/shared/src/deploy/deploy.ts
var deploy = __webpack_require__(3108);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/git/git.ts
var git = __webpack_require__(9480);
// EXTERNAL MODULE: ./packages/shared/src/ledger/ledger.ts
var ledger = __webpack_require__(264);
// EXTERNAL MODULE: ./packages/shared/src/shell.ts
var shell = __webpack_require__(3238);
// EXTERNAL MODULE: ./packages/shared/src/migrate/alembic.ts + 1 modules
var alembic = __webpack_require__(8887);
;// CONCATENATED MODULE: ./packages/shared/src/migrate/run.ts
/**
 * action-migrate's work: alembic against the release running now (its image, read from the server),
 * journalled like a deploy: `started` before anything is applied, the result after, `cancelled`
 * when the run is stopped. A preview changes nothing and is not journalled.
 */








async function runMigrate(settings, context) {
    const { connection, request } = settings;
    const { session, holder } = context;
    const ref = (await session.run((0,shell/* commandLine */.ay)((0,git/* headCommit */.Qo)(connection.appDir)), 'reading the checked-out commit', {
        echo: 'stderr',
    })).trim();
    const compose = settings.migration.migrateService === undefined
        ? undefined
        : await (0,compose_compose/* detectCompose */.ib)(session, connection.composeCommand);
    // The migration runs with the image the migrate service runs now (read from the server).
    const imageTag = (compose && settings.migration.migrateService !== undefined
        ? await (0,deploy/* runningImageTagOf */.Sx)(session, compose, connection, settings.migration.migrateService)
        : undefined) ?? (0,deploy/* defaultImageTag */.V2)(ref);
    const journal = (result, outcome = {}) => (0,ledger/* appendRelease */.Gr)(session, connection.stateDir, {
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
        outcome = await (0,deploy/* stage */.dw)(`alembic ${request.direction} ${request.target}${request.preview ? ' (preview)' : ''}`, () => (0,alembic/* runMigration */.GD)({
            session,
            appDir: connection.appDir,
            composeFile: connection.composeFile,
            compose,
            env: { IMAGE_TAG: imageTag },
            signal: context.signal,
        }, settings.migration, request, (message) => core.info(message)));
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc || context.signal.aborted) {
            if (!request.preview)
                await journal('cancelled', error instanceof alembic/* MigrationError */.Py ? error.partial : {}).catch((why) => core.warning(`could not record the cancel in the ledger: ${(0,errors/* errorMessage */.gJ)(why)}`));
            throw error instanceof errors/* CancelledError */.cc
                ? error
                : new errors/* CancelledError */.cc(String(context.signal.reason ?? 'signal'));
        }
        if (!(error instanceof alembic/* MigrationError */.Py))
            throw error;
        outcome = error.partial;
        failure = error.message;
    }
    const destructive = outcome.destructive ?? [];
    if (request.preview && destructive.length > 0) {
        core.warning(`the previewed migration is destructive or cannot be proven safe: applying it ${settings.migration.allowDestructive
            ? 'is allowed (allow-destructive is true)'
            : 'would be refused unless allow-destructive is true'}\n${(0,alembic/* listDestructive */.jo)(destructive)}`);
    }
    if (!request.preview)
        await journal(failure === undefined ? (outcome.applied ? 'success' : 'unchanged') : 'failed', outcome).catch((error) => core.warning(`could not append to the ledger: ${(0,errors/* errorMessage */.gJ)(error)}`));
    return { outcome, failure };
}

// EXTERNAL MODULE: ./packages/shared/src/summary/markdown.ts
var markdown = __webpack_require__(8195);
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
        `## Migration on ${(0,markdown/* escapeHtml */.ZD)(environment)}: alembic ${request.direction} ${(0,markdown/* escapeHtml */.ZD)(request.target)}: ${verdict}`,
        '',
        `- revision before: ${(0,markdown/* escapeHtml */.ZD)(outcome.revisionBefore || '(base)')}`,
        `- revision after: ${(0,markdown/* escapeHtml */.ZD)(outcome.revisionAfter === undefined ? '(unknown)' : outcome.revisionAfter || '(base)')}`,
        `- backup: ${(0,markdown/* escapeHtml */.ZD)(outcome.backup ?? 'none taken')}`,
    ];
    if (failure)
        lines.push(`- what failed: ${(0,markdown/* escapeHtml */.ZD)(failure)}`);
    if (destructive.length > 0) {
        lines.push('', '### ⚠️ Destructive statements', '', ...(request.preview
            ? ['Applying this migration is refused unless `allow-destructive` is true.', '']
            : []), ...destructive.map((found) => `- **${found.kind}**: \`${(0,markdown/* escapeHtml */.ZD)(found.statement)}\``));
    }
    if (outcome.sql) {
        lines.push('', `### SQL${outcome.sqlTruncated ? ' (cut: too long to show whole)' : ''}`, '', '```sql', outcome.sql.replaceAll('```', "'''"), '```');
    }
    return (0,markdown/* bounded */.Mm)(`${lines.join('\n')}\n`);
}

;// CONCATENATED MODULE: ./action-migrate/src/main.ts


async function main(settings, { signal }) {
    const { connection, request } = settings;
    const holder = (0,lock/* holderFromEnvironment */.Qh)(connection.environment, 'migrate');
    // A fleet shares its database: it is migrated once, from the first host.
    await (0,fleet/* onFirstHost */.GC)(connection, signal, (session) => (0,lock/* withDeployLock */.Jg)(session, connection, settings.lockTimeoutSeconds, holder, async () => {
        const { outcome, failure } = await runMigrate(settings, { session, signal, holder });
        core.setOutput('revision-before', outcome.revisionBefore ?? '');
        core.setOutput('revision-after', outcome.revisionAfter ?? '');
        core.setOutput('destructive', String((outcome.destructive ?? []).length > 0));
        core.setOutput('sql', outcome.sql ?? '');
        core.setOutput('backup', outcome.backup ?? '');
        await core.summary
            .addRaw(migrationSummary(connection.environment, request, outcome, failure))
            .write();
        if (failure !== undefined)
            throw new Error(failure);
    }, { signal }));
}


/***/ }),

/***/ 9692:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Jg: () => (/* binding */ withDeployLock),
/* harmony export */   Qh: () => (/* binding */ holderFromEnvironment)
/* harmony export */ });
/* unused harmony exports LOCK_TIMING, takeDeployLock */
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _ssh_output__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(153);
/* harmony import */ var _shell__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3238);
/* harmony import */ var _ssh_session__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6538);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9680);
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
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .CancelledError */ .cc(String(signal.reason ?? 'signal'));
    const started = Date.now();
    let waitedFor;
    let previousLapse;
    let locked = () => undefined;
    const ready = new Promise((resolve) => (locked = resolve));
    const held = session.start((0,_shell__WEBPACK_IMPORTED_MODULE_2__/* .toSshCommand */ .Vf)(LOCK_SCRIPT, [
        stateDir,
        String(timeoutSeconds),
        JSON.stringify(holder),
        String(pollSeconds(timing)),
        String(timing.lapseSeconds),
        String(timing.killGraceSeconds),
        session.runToken,
        _ssh_session__WEBPACK_IMPORTED_MODULE_3__/* .RUN_LABEL */ .jQ,
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
        throw new _errors__WEBPACK_IMPORTED_MODULE_1__/* .CancelledError */ .cc(String(signal?.reason ?? 'signal'));
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
            .exec((0,_shell__WEBPACK_IMPORTED_MODULE_2__/* .toSshCommand */ .Vf)(HEARTBEAT_SCRIPT, [stateDir]), {
            echo: 'none',
            keepOnCancel: true,
            timeoutSeconds: timing.lapseSeconds,
        })
            .then((result) => {
            beating = false;
            const ok = result.outcome.kind === 'exited' && result.outcome.code === 0;
            if (!ok && !beatFailing && session.lost === undefined && !released) {
                options.warn?.(`a heartbeat of the deploy lock on ${session.label} failed (it ${(0,_ssh_session__WEBPACK_IMPORTED_MODULE_3__/* .describeOutcome */ .SS)(result.outcome)}` +
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
        return new _errors__WEBPACK_IMPORTED_MODULE_1__/* .LockTimeoutError */ .XB(`the deploy lock in ${stateDir} on ${host} is still held after ${timeoutSeconds}s by ${waitedFor ?? 'another run'}; nothing was changed`);
    }
    return new Error(`could not take the deploy lock in ${stateDir} on ${host}: the lock command ${(0,_ssh_session__WEBPACK_IMPORTED_MODULE_3__/* .describeOutcome */ .SS)(outcome)}` +
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
        return (`the connection to ${session.label} was lost while this run held the deploy lock (${session.lost ?? (0,_ssh_session__WEBPACK_IMPORTED_MODULE_3__/* .describeOutcome */ .SS)(result.outcome)}): ` +
            `the server released the lock when the connection ended, so another run may hold it now; nothing this run sends reaches ${session.label} any more`);
    }
    return (`the deploy lock's holder on ${session.label} ended while this run held the lock (it ${(0,_ssh_session__WEBPACK_IMPORTED_MODULE_3__/* .describeOutcome */ .SS)(result.outcome)}` +
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
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.startGroup('Take the deploy lock');
    let lock;
    try {
        lock = await takeDeployLock(session, connection.stateDir, timeoutSeconds, holder, (busy) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(`the deploy lock is held by ${(0,_ssh_output__WEBPACK_IMPORTED_MODULE_4__/* .inert */ .tJ)(busy)}; waiting up to ${timeoutSeconds}s`), {
            ...options,
            onLost: (message) => {
                _actions_core__WEBPACK_IMPORTED_MODULE_0__.error(message);
                options.onLost?.(message);
            },
            warn: (message) => {
                _actions_core__WEBPACK_IMPORTED_MODULE_0__.warning(message);
                options.warn?.(message);
            },
        });
    }
    finally {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.endGroup();
    }
    if (lock.previousLapse !== undefined)
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.warning((0,_ssh_output__WEBPACK_IMPORTED_MODULE_4__/* .inert */ .tJ)(lock.previousLapse));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(`Take the deploy lock: ${((Date.now() - started) / 1000).toFixed(1)}s`);
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


/***/ })

};
;