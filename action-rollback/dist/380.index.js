"use strict";
exports.id = 380;
exports.ids = [380];
exports.modules = {

/***/ 380:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  swarmMain: () => (/* binding */ swarmMain)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var lib_core = __webpack_require__(7484);
// EXTERNAL MODULE: ./packages/shared/src/lock/lock.ts
var lock = __webpack_require__(9692);
// EXTERNAL MODULE: ./packages/shared/src/ssh/fleet.ts
var fleet = __webpack_require__(2626);
// EXTERNAL MODULE: ./packages/shared/src/deploy/deploy.ts + 6 modules
var deploy_deploy = __webpack_require__(5606);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/git/git.ts
var git = __webpack_require__(9480);
// EXTERNAL MODULE: ./packages/shared/src/ledger/ledger.ts
var ledger = __webpack_require__(264);
// EXTERNAL MODULE: ./packages/shared/src/rollback/rollback.ts + 1 modules
var rollback = __webpack_require__(7364);
// EXTERNAL MODULE: ./packages/shared/src/shell.ts
var shell = __webpack_require__(3238);
// EXTERNAL MODULE: ./packages/shared/src/ssh/output.ts
var output = __webpack_require__(153);
// EXTERNAL MODULE: ./packages/shared/src/sleep.ts
var sleep = __webpack_require__(9600);
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
const STACK_ENV_SCRIPT = `envfile=$1 tag=$2; shift 2
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
exec "$@"`;
/**
 * `command` (a `docker stack` command with IMAGE_TAG in its env) as it is run: with the stack's `.env`
 * exported first (STACK_ENV_SCRIPT). Plans show `command` itself, as a person would type it.
 */
function withStackEnv(connection, command) {
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
    const answer = (await session.run((0,shell/* commandLine */.ay)(NODE_STATE_COMMAND), 'docker info', { echo: 'stderr', timeoutSeconds: 60 })).trim();
    if (answer !== 'active true')
        throw new Error((0,output/* inert */.tJ)(`${session.label} is not a Swarm manager (docker info says swarm state ${answer || 'unknown'}): ` +
            'orchestrator swarm needs host to be a manager node (docker swarm init, or docker node promote)'));
}
async function readStackState(session, stack) {
    const text = await session.run((0,shell/* toSshCommand */.Vf)(STACK_STATE_SCRIPT, [stack]), `reading stack ${stack}`, {
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
        const tag = state_tagOfImage(service.image);
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
    const statuses = state_updateStatuses(before);
    const started = Date.now();
    let timeoutSeconds;
    const said = new Map();
    for (;;) {
        const progress = state_judgeProgress(await readStackState(session, stack), statuses);
        for (const service of progress) {
            if (said.get(service.service) === service.state)
                continue;
            said.set(service.service, service.state);
            lib_core.info((0,output/* inert */.tJ)(`${service.service}: ${service.state}`));
        }
        if (progress.length === 0)
            throw new ConvergeError(`stack ${stack} has no services on ${session.label} after docker stack deploy`, []);
        timeoutSeconds = perServiceSeconds * progress.length;
        const failed = progress.filter((service) => service.phase === 'failed');
        const rollingBack = progress.some((service) => service.state.startsWith('rollback_started'));
        if (failed.length > 0 && !rollingBack)
            throw new ConvergeError((0,output/* inert */.tJ)(`Swarm did not complete the update of ${failed.map((service) => `${service.service} (${service.state})`).join('; ')}`), progress);
        if (progress.every((service) => service.phase === 'converged'))
            return progress;
        if (Date.now() >= started + timeoutSeconds * 1000) {
            const pending = progress.filter((service) => service.phase !== 'converged');
            throw new ConvergeError((0,output/* inert */.tJ)(`the stack did not converge within ${timeoutSeconds}s: ${pending
                .map((service) => `${service.service} (${service.state})`)
                .join('; ')}`), progress);
        }
        await (0,sleep/* sleep */.y)(1000, signal);
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
    await session.run((0,shell/* commandLine */.ay)((0,git/* checkoutCommand */.k8)(connection.appDir, release.ref)), 'git checkout');
    const deploy = withStackEnv(connection, state_stackDeployCommand(connection, release.imageTag));
    onStackDeploy();
    await (0,deploy_deploy/* stage */.dw)(`docker stack deploy ${connection.stackName} (${release.imageTag})`, () => session.run((0,shell/* commandLine */.ay)(deploy), 'docker stack deploy'));
    const services = await (0,deploy_deploy/* stage */.dw)('Wait for Swarm to converge', () => waitForConvergence(session, connection.stackName, before, settings.waitTimeoutSeconds, signal));
    const health = await (0,deploy_deploy/* stage */.dw)(`Wait for ${settings.healthUrl}`, () => (0,deploy_deploy/* waitForHealthUrl */.GD)(session, settings.healthUrl, settings.waitTimeoutSeconds, signal));
    lib_core.info((0,output/* inert */.tJ)(`${settings.healthUrl}: ${health}`));
    return { services, health };
}
/** The stack's services as they are now, for an outcome after a failure. */
async function servicesNow(session, stack) {
    try {
        const state = await readStackState(session, stack);
        return state_judgeProgress(state, state_updateStatuses(state));
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
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
    lib_core.info(`dry run on ${host}: nothing will be changed; the ${what} would:`);
    plan.forEach((step, index) => {
        lib_core.info((0,output/* inert */.tJ)(`  ${index + 1}. ${step.title}`));
        if (step.command)
            lib_core.info((0,output/* inert */.tJ)(`     $ ${(0,shell/* renderScript */.y9)(step.command)}`));
    });
}
const seconds = (since) => Math.round((Date.now() - since) / 100) / 10;
/**
 * An image rollback of the stack: the release `to` names (from the ledger: its commit and image tag)
 * is checked out and redeployed with `docker stack deploy`, and waited for as a deploy.
 */
async function runSwarmRollback(settings, context) {
    return (0,deploy_deploy/* withStages */.uv)(() => runSwarmRollbackUntimed(settings, context));
}
async function runSwarmRollbackUntimed(settings, context) {
    const started = Date.now();
    const { session, signal } = context;
    const deploy = settings.deploy;
    const { connection } = deploy;
    await requireManager(session);
    const fromRef = (await session.run((0,shell/* commandLine */.ay)((0,git/* headCommit */.Qo)(connection.appDir)), 'reading the checked-out commit', {
        echo: 'stderr',
    })).trim();
    const releases = await (0,ledger/* readReleases */.tl)(session, connection.stateDir);
    const before = await readStackState(session, connection.stackName);
    const fromTag = runningTagOf(before);
    const target = await (0,rollback/* resolveTarget */.u1)(session, connection.appDir, releases, fromRef, settings.to);
    if (target.imageTag === undefined)
        throw new Error(`the ledger on ${session.label} names no image tag for ${target.sha.slice(0, 12)}: give to as an image tag the ledger knows`);
    const imageTag = target.imageTag;
    lib_core.info(`swarm rollback of stack ${connection.stackName} from ${fromRef.slice(0, 12)} (${fromTag || 'no stack'}) to ${target.sha.slice(0, 12)} (${imageTag})`);
    const plan = [
        {
            title: `check out ${target.sha.slice(0, 12)} in ${connection.appDir}`,
            command: (0,git/* checkoutCommand */.k8)(connection.appDir, target.sha),
        },
        {
            title: `docker stack deploy ${connection.stackName} with IMAGE_TAG=${imageTag} (and the stack's .env exported)`,
            command: state_stackDeployCommand(connection, imageTag),
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
            services: state_judgeProgress(before, state_updateStatuses(before)),
            health: undefined,
            failure: undefined,
        };
    }
    const journal = (result) => (0,ledger/* appendRelease */.Gr)(session, connection.stateDir, {
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
            .run((0,shell/* commandLine */.ay)((0,git/* fetchRemote */.Z8)(connection.appDir, deploy.remote)), `git fetch ${deploy.remote}`)
            .catch((error) => {
            // The target is a commit the checkout had: a fetch that fails does not stop the rollback.
            if (error instanceof errors/* CancelledError */.cc)
                throw error;
            lib_core.warning((0,output/* inert */.tJ)(`git fetch failed (${(0,errors/* errorMessage */.gJ)(error)}); rolling back with the commits already there`));
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
        if (error instanceof errors/* CancelledError */.cc || signal.aborted) {
            await journal('cancelled').catch(() => undefined);
            throw error;
        }
        const failure = (0,errors/* errorMessage */.gJ)(error);
        await journal('failed').catch((why) => lib_core.warning(`could not append to the ledger: ${(0,errors/* errorMessage */.gJ)(why)}`));
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

// EXTERNAL MODULE: ./packages/shared/src/summary/markdown.ts
var markdown = __webpack_require__(8195);
// EXTERNAL MODULE: ./packages/shared/src/summary/timeline.ts
var timeline = __webpack_require__(9197);
;// CONCATENATED MODULE: ./packages/shared/src/swarm/summary.ts
/** The job summary of a swarm deploy or rollback: before and after, each service, what failed. */



const HEADLINE = {
    success: '✅ done',
    unchanged: '➖ unchanged',
    'rolled-back': '↩️ failed and rolled back',
    failed: '❌ failed',
    cancelled: '⏹️ cancelled',
    started: '… started',
};
function swarmSummary(outcome, environment, host) {
    const what = outcome.action === 'deploy' ? 'Deploy' : 'Rollback';
    const parts = [
        `## ${what} of stack ${(0,markdown/* escapeHtml */.ZD)(outcome.stack)} to ${(0,markdown/* escapeHtml */.ZD)(environment)} (Swarm manager ${(0,markdown/* escapeHtml */.ZD)(host)}): ${outcome.dryRun ? '🔎 dry run: nothing changed' : HEADLINE[outcome.result]}`,
        (0,markdown/* table */.tp)(['', 'commit', 'image tag'], [
            ['before', outcome.previousRef, outcome.previousImageTag],
            [outcome.dryRun ? 'planned' : 'attempted', outcome.attemptedRef, outcome.imageTag],
            ['running now', outcome.deployedRef, outcome.deployedImageTag],
        ]),
    ];
    if (outcome.failure)
        parts.push(`**What failed:** ${(0,markdown/* escapeHtml */.ZD)(outcome.failure)}`);
    for (const note of outcome.notes)
        parts.push(`> [!WARNING]\n> ${(0,markdown/* escapeHtml */.ZD)(note)}`);
    if (!outcome.dryRun && outcome.stages.length > 0)
        parts.push((0,timeline/* timelineGantt */.mU)(outcome.stages, `${what} stages`));
    if (outcome.services.length > 0)
        parts.push(`### Services\n\n${(0,markdown/* table */.tp)(['service', 'image', 'replicas', 'state'], outcome.services.map((service) => [
            service.service,
            service.image,
            `${service.running}/${service.desired}`,
            `${service.phase === 'converged' ? '✅' : service.phase === 'failed' ? '❌' : '⏳'} ${service.state}`,
        ]))}`);
    if (outcome.health)
        parts.push(`health-url: ${(0,markdown/* escapeHtml */.ZD)(outcome.health)}`);
    if (outcome.migration) {
        const migration = outcome.migration;
        parts.push([
            '### Migration\n',
            `- revision: ${(0,markdown/* escapeHtml */.ZD)(migration.revisionBefore || '(base)')} → ${(0,markdown/* escapeHtml */.ZD)(migration.revisionAfter || '(base)')}${migration.applied ? '' : ' (not applied)'}`,
            `- backup: ${(0,markdown/* escapeHtml */.ZD)(migration.backup ?? 'none taken')}`,
        ].join('\n'));
    }
    if (outcome.dryRun)
        parts.push((0,markdown/* planSection */.lA)(outcome.plan));
    parts.push(`Total time: ${outcome.durationSeconds}s`);
    if (!outcome.dryRun && outcome.result === 'success' && outcome.previousRef !== '')
        parts.push(`To roll back:\n\n\`\`\`sh\n${(0,deploy_deploy/* rollbackCommand */.Ct)(environment, outcome.previousRef)}\n\`\`\``);
    return (0,markdown/* bounded */.Mm)(`${parts.join('\n\n')}\n`);
}

// EXTERNAL MODULE: ./packages/shared/src/github/deployments.ts
var deployments = __webpack_require__(8283);
;// CONCATENATED MODULE: ./action-rollback/src/swarm.ts


/** orchestrator swarm: the ledger's release (commit and image tag) redeployed with `docker stack deploy`. */
async function swarmMain(settings, { signal }) {
    const { connection } = settings.deploy;
    const holder = (0,lock/* holderFromEnvironment */.Qh)(connection.environment, 'rollback');
    lib_core.info(`swarm rollback of stack ${connection.stackName} in ${connection.environment} to ` +
        `${settings.to.kind === 'previous' ? 'previous' : settings.to.value} requested by ${holder.actor}`);
    const outcome = await (0,fleet/* onFirstHost */.GC)(connection, signal, (session) => (0,lock/* withDeployLock */.Jg)(session, connection, settings.deploy.lockTimeoutSeconds, holder, async () => {
        const outcome = await runSwarmRollback(settings, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
        });
        await lib_core.summary.addRaw(swarmSummary(outcome, connection.environment, session.label)).write();
        return outcome;
    }, { signal }));
    lib_core.setOutput('from-ref', outcome.previousRef);
    lib_core.setOutput('to-ref', outcome.attemptedRef);
    lib_core.setOutput('restored-backup', '');
    lib_core.setOutput('report', JSON.stringify({ orchestrator: 'swarm', ...outcome }));
    if (!connection.dryRun) {
        const deployment = await deployments/* GitHubDeployment */.P.start((0,deployments/* deploymentTarget */.n)(connection.githubToken, connection.environment), outcome.attemptedRef, `rollback to ${outcome.attemptedRef.slice(0, 12)}`);
        await deployment?.status(outcome.failure === undefined ? 'success' : 'failure', `image rollback to ${outcome.attemptedRef.slice(0, 12)}`);
    }
    if (outcome.failure !== undefined)
        throw new Error((0,output/* inert */.tJ)(`swarm rollback to ${outcome.attemptedRef.slice(0, 12)} (${outcome.imageTag}) failed: ${outcome.failure}`));
}


/***/ })

};
;