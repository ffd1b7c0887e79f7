"use strict";
exports.id = 106;
exports.ids = [106];
exports.modules = {

/***/ 1106:
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
// EXTERNAL MODULE: ./packages/shared/src/compose/compose.ts
var compose_compose = __webpack_require__(364);
// EXTERNAL MODULE: ./packages/shared/src/compose/rollout.ts
var rollout = __webpack_require__(4905);
// EXTERNAL MODULE: ./packages/shared/src/deploy/deploy.ts
var deploy = __webpack_require__(3108);
// EXTERNAL MODULE: ./packages/shared/src/diagnostics/diagnostics.ts
var diagnostics_diagnostics = __webpack_require__(9248);
// EXTERNAL MODULE: ./packages/shared/src/deploy/live-state.ts
var live_state = __webpack_require__(3925);
// EXTERNAL MODULE: ./packages/shared/src/deploy/plan.ts
var plan = __webpack_require__(6492);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/git/git.ts
var git = __webpack_require__(9480);
// EXTERNAL MODULE: ./packages/shared/src/health/checks.ts + 2 modules
var checks = __webpack_require__(861);
// EXTERNAL MODULE: ./packages/shared/src/ledger/ledger.ts
var ledger = __webpack_require__(264);
// EXTERNAL MODULE: ./packages/shared/src/rollback/rollback.ts
var rollback = __webpack_require__(8806);
// EXTERNAL MODULE: ./packages/shared/src/inputs/deploy.ts
var inputs_deploy = __webpack_require__(7606);
// EXTERNAL MODULE: ./packages/shared/src/shell.ts
var shell = __webpack_require__(3238);
// EXTERNAL MODULE: ./packages/shared/src/ssh/output.ts
var output = __webpack_require__(153);
// EXTERNAL MODULE: ./packages/shared/src/ssh/session.ts
var ssh_session = __webpack_require__(6538);
// EXTERNAL MODULE: ./packages/shared/src/ops/database.ts
var database = __webpack_require__(7479);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
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
    return (0,shell/* toSshCommand */.Vf)(INVENTORY_SCRIPT, [appDir, composeFile ?? '', TAG_SENTINEL, ...composeWords]);
}
function parseInventory(text) {
    const parts = (0,live_state/* splitParts */.FP)(text);
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
        ? options.tags.map((tag) => (0,live_state/* normaliseImageRef */.zg)(image.replaceAll(TAG_SENTINEL, tag)))
        : [(0,live_state/* normaliseImageRef */.zg)(image)]));
    const repository = (ref) => (0,plan/* repositoryOf */._M)((0,live_state/* normaliseImageRef */.zg)(ref));
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
        else if (refs.some((ref) => keep.has((0,live_state/* normaliseImageRef */.zg)(ref))))
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
        return image !== undefined && (0,plan/* tagOf */.cO)(image) === state.imageTag;
    };
    return state.containers
        .filter((container) => services.includes(container.service) && takesTag(container.service))
        .map((container) => (0,plan/* tagOf */.cO)(container.imageRef))
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
            (0,database/* execContainer */.xt)(settings.backupCommand),
            (0,database/* execContainer */.xt)(settings.restoreCommand),
        ].filter((name) => name !== undefined)),
    ];
}
/** The services whose containers have one of these names (read from Docker: names are not in the state). */
async function servicesNamed(session, containers, names) {
    if (containers.length === 0 || names.length === 0)
        return [];
    const text = await session.run((0,shell/* commandLine */.ay)({
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
    const result = await session.exec((0,shell/* commandLine */.ay)({ argv: ['docker', 'container', 'inspect', '--format', '{{.State.Status}}', name] }), { echo: 'none', timeoutSeconds: 60 });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    return result.outcome.kind === 'exited' && result.outcome.code === 0;
}
/** An emergency operation, with the stages it went through. */
async function runOps(settings, context) {
    return (0,deploy/* withStages */.uv)(() => runOpsUntimed(settings, context));
}
async function runOpsUntimed(settings, context) {
    const started = Date.now();
    const { session, signal } = context;
    const { connection, operation } = settings;
    const described = describeOperation(operation);
    const account = [];
    // Account lines quote the server (states, backup names, stderr): inert wherever they are shown.
    const note = (line) => {
        account.push((0,output/* inert */.tJ)(line));
        core.info((0,output/* inert */.tJ)(line));
    };
    const head = (await session.run((0,shell/* commandLine */.ay)((0,git/* headCommit */.Qo)(connection.appDir)), 'reading the checked-out commit', {
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
    const state = await (0,deploy/* stage */.dw)('Read the live state', () => (0,live_state/* readLiveState */.eY)(session, liveStateRequest));
    const compose = state.compose;
    const stack = stackServicesOf(state);
    const imageTag = mostCommon(runningTags(state), (0,deploy/* defaultImageTag */.V2)(head));
    const env = { IMAGE_TAG: imageTag };
    const gate = {
        timeoutSeconds: settings.waitTimeoutSeconds,
        minUptimeSeconds: settings.minUptimeSeconds,
    };
    const before = stackReport(stack, state.containers);
    const refused = refusal(settings, state);
    if (refused !== undefined)
        throw new Error(`${described} refused: ${refused}; nothing was changed`);
    core.info((0,output/* inert */.tJ)(`${described} on ${session.label}: ${head.slice(0, 12)} (${imageTag}); compose: ${compose.command.join(' ')} (v${compose.major}); ` +
        stack
            .map((service) => `${service} ${(0,compose_compose/* judgeServices */.ey)({ services: [service], containers: state.containers })[0].state}`)
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
        return (0,ledger/* appendRelease */.Gr)(session, connection.stateDir, {
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
            const answer = await (0,deploy/* waitForHealthUrl */.GD)(session, settings.healthUrl, settings.waitTimeoutSeconds, signal);
            core.info(`health-url: ${answer} after ${((Date.now() - probeStarted) / 1000).toFixed(1)}s`);
        }
        catch (error) {
            if (error instanceof errors/* CancelledError */.cc)
                throw error;
            throw new Error(`after ${after}: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
        }
    };
    /** A service's containers now, for a cancel's message (read even though the run is cancelled). */
    const serviceNow = async (service) => {
        const containers = await (0,rollout/* serviceContainers */.gd)(session, compose, connection, env, service, true).catch(() => undefined);
        return containers === undefined
            ? `${service}: could not be read`
            : `${service} now: ${(0,compose_compose/* judgeServices */.ey)({ services: [service], containers })[0].state}`;
    };
    /** A service's gate during the operation (all its containers, or `only` these), kept for the report. */
    const gateService = async (service, serviceEnv, failure, only) => {
        const wait = await (0,rollout/* waitUntilHealthy */.$V)(session, compose, connection, serviceEnv, service, gate, signal, only);
        waits.push(wait);
        core.info((0,output/* inert */.tJ)(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`));
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
    const restartOne = (service) => (0,deploy/* stage */.dw)(`Restart ${service}`, async () => {
        touched.push(service);
        try {
            await session.run((0,shell/* commandLine */.ay)((0,compose_compose/* composeCommand */.ec)(compose, connection, ['restart', service], env)), `restarting ${service}`);
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
                    command: (0,compose_compose/* composeCommand */.ec)(compose, connection, ['restart', service], env),
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
                command: (0,compose_compose/* composeCommand */.ec)(compose, connection, ['restart', service], env),
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
            const scale = (0,rollout/* scaleUpCommand */.ls)(compose, connection, serviceEnv, service, replicas);
            plan = [
                {
                    title: `Scale ${service} from ${old.length} to ${replicas} container(s) (--no-recreate: the running ones stay as they are), ` +
                        `then gate ${replicas > old.length ? 'the new ones' : 'the ones left'}; it keeps ${replicas} until the service is recreated or scaled back ` +
                        `(the compose file says ${state.replicas[service] ?? 1}; a deploy that leaves ${service} unchanged keeps ${replicas})`,
                    command: scale,
                },
            ];
            execute = () => (0,deploy/* stage */.dw)(`Scale ${service} to ${replicas}`, async () => {
                touched.push(service);
                try {
                    await session.run((0,shell/* commandLine */.ay)(scale), `scaling ${service}`);
                    const now = await (0,rollout/* serviceContainers */.gd)(session, compose, connection, serviceEnv, service);
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
                    const added = (await (0,rollout/* serviceContainers */.gd)(session, compose, connection, serviceEnv, service, true))
                        .map((container) => container.id)
                        .filter((id) => !old.includes(id));
                    if (added.length > 0) {
                        await session.run((0,shell/* commandLine */.ay)({ argv: ['docker', 'rm', '-f', ...added] }), `removing the new ${service} containers`, {
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
            const listed = (await (0,database/* listBackups */.Cw)(session, connection.appDir, settings.restoreCommand)).join('\n');
            const excluded = (0,database/* untrustedBackups */.aC)(state.releases);
            let backup;
            for (let tries = 0; tries < 5; tries++) {
                const candidate = (0,database/* newestBackup */.RO)(listed, excluded);
                if (candidate === undefined)
                    break;
                const problem = await (0,database/* backupProblem */.MA)(session, connection.appDir, settings.restoreCommand, candidate);
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
                    command: (0,compose_compose/* composeCommand */.ec)(compose, connection, ['stop', ...services], env),
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
                    command: (0,compose_compose/* composeCommand */.ec)(compose, connection, ['start', ...services], env),
                },
                {
                    title: `Compare the restored database's alembic revision with the checkout's migration head (${settings.alembicCommand} current${settings.migrateService ? ` in ${settings.migrateService}` : ''}); a mismatch fails the run, the services left running, with the migrate command`,
                },
            ];
            /** The restored database's revision against the checkout's migration heads: what is wrong, if anything. */
            const readSchema = async () => {
                const current = settings.migrateService === undefined
                    ? `cd ${(0,shell/* quote */.hD)(connection.appDir)} && ${settings.alembicCommand} current`
                    : `"$@" -f "$file" exec -T ${(0,shell/* quote */.hD)(settings.migrateService)} sh -c ${(0,shell/* quote */.hD)(`${settings.alembicCommand} current`)}`;
                const now = await (0,deploy/* stage */.dw)('Compare the restored revision with the migrations', () => (0,live_state/* readLiveState */.eY)(session, {
                    ...liveStateRequest,
                    migrationsPath: inputs_deploy/* DEPLOY_DEFAULTS */.Dd['migrations-path'],
                    alembicCurrent: current,
                }));
                if (now.dbRevision === undefined) {
                    const warning = `the restored database's alembic revision could not be read (${now.dbRevisionProblem ?? 'no answer'}): compare it with the checkout's migrations by hand`;
                    core.warning((0,output/* inert */.tJ)(warning));
                    note(warning);
                    return undefined;
                }
                const mismatch = (0,rollback/* schemaMismatch */.a1)(now, connection.environment, true);
                note(mismatch ??
                    `the restored database is at ${now.dbRevision || '(base)'}, the checkout's migration head`);
                return mismatch;
            };
            execute = async () => {
                touched.push(...services);
                /** Before the restore the database is as it was: the services go back as they were. */
                const unstop = async (error, what) => {
                    if (error instanceof errors/* CancelledError */.cc || signal.aborted) {
                        const back = await (0,database/* startServices */.Fp)(work, true);
                        const detail = `Cancelled during ${what}, before anything was restored: ` +
                            (back.started
                                ? `${services.join(', ')} were started again (not gated)`
                                : `${services.join(', ')} may be STOPPED (${back.problem ?? ''})`);
                        await journal('cancelled', { backup, emergency_backup: emergencyBackup }).catch(() => undefined);
                        throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), detail);
                    }
                    const back = await (0,database/* startServices */.Fp)(work);
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
                    await (0,database/* stopServices */.RU)(work);
                }
                catch (error) {
                    return unstop(error, 'stopping the application services');
                }
                let answers = { ok: true, said: 'not asked: postgres-container is empty' };
                try {
                    if (postgres !== undefined)
                        answers = await (0,database/* postgresAnswers */.PV)(session, postgres);
                }
                catch (error) {
                    return unstop(error, 'pg_isready');
                }
                if (answers.ok) {
                    note(`PostgreSQL answers (${answers.said})`);
                    try {
                        emergencyBackup = await (0,database/* takeEmergencyBackup */.fp)(work, settings.backupCommand, settings.restoreCommand);
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
                const failed = await (0,database/* restoreBackup */.dH)(work, {
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
                const back = await (0,database/* startServices */.Fp)(work, false, true);
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
            const inventory = await (0,deploy/* stage */.dw)('Read what Docker holds', () => readInventory(session, connection.appDir, connection.composeFile, compose.command));
            // What to keep is read from the compose file and the ledger: when either cannot be read, nothing
            // is removed (an empty keep set would take the previous release's images).
            if (inventory.configError !== undefined)
                throw new Error(`${described} refused: compose config failed, so the stack's images are unknown (${(0,output/* inert */.tJ)(inventory.configError)}); nothing was removed`);
            const previous = await (0,rollback/* resolveTarget */.u1)(session, connection.appDir, state.releases, head, {
                kind: 'previous',
            }).catch((error) => {
                if (/^no previous release/.test((0,errors/* errorMessage */.gJ)(error)))
                    return undefined;
                throw new Error(`${described} refused: the previous release could not be read (${(0,errors/* errorMessage */.gJ)(error)}); nothing was removed`, { cause: error });
            });
            const previousTag = previous === undefined ? undefined : (previous.imageTag ?? (0,deploy/* defaultImageTag */.V2)(previous.sha));
            const tags = [
                ...new Set([...runningTags(state), (0,deploy/* defaultImageTag */.V2)(head), ...(previousTag ? [previousTag] : [])]),
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
                    const result = await (0,deploy/* stage */.dw)(what, () => session.exec((0,shell/* commandLine */.ay)(command)), ({ outcome }) => outcome.kind !== 'exited' || outcome.code !== 0);
                    if (result.outcome.kind === 'cancelled')
                        throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'));
                    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) {
                        const why = `${what}: ${(0,output/* inert */.tJ)(result.stderrTail.slice(-3).join(' ').trim() || (0,ssh_session/* describeOutcome */.SS)(result.outcome))}`;
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
        core.info(`dry run on ${session.label}: nothing will be changed. ${described} would run:`);
        plan.forEach((step, index) => core.info((0,output/* inert */.tJ)(`  ${index + 1}. ${step.title}${step.command ? `\n       $ ${(0,shell/* renderScript */.y9)(step.command)}` : ''}`)));
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
                await journal('cancelled', { backup: restoredBackup, emergency_backup: emergencyBackup }).catch((why) => core.warning(`could not record the cancel in the ledger: ${(0,errors/* errorMessage */.gJ)(why)}`));
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
        const now = await (0,deploy/* stage */.dw)('Health gate', () => (0,compose_compose/* readServicesState */._1)(session, compose, connection, stack, env));
        const after = stackReport(stack, now.containers);
        const wasBad = new Set((0,compose_compose/* judgeServices */.ey)({ services: gated, containers: state.containers })
            .filter((verdict) => !verdict.ok)
            .map((verdict) => verdict.service));
        const verdicts = (0,compose_compose/* judgeServices */.ey)({ services: gated, containers: now.containers }).map((verdict) => verdict.ok || !wasBad.has(verdict.service)
            ? verdict
            : { ...verdict, state: `${verdict.state}; so before ${described} too` });
        let healthUrl;
        // The failed probe's last answer, for the diagnostics.
        let lastAnswer;
        if (ended.failure === undefined) {
            healthUrl = await (0,deploy/* waitForHealthUrl */.GD)(session, settings.healthUrl, settings.waitTimeoutSeconds, signal).then((answer) => ({ ok: true, answer }), (error) => {
                if (error instanceof errors/* CancelledError */.cc)
                    throw error;
                if (error instanceof deploy/* HealthUrlError */.ah)
                    lastAnswer = error.answer;
                return { ok: false, answer: (0,errors/* errorMessage */.gJ)(error) };
            });
        }
        else {
            // After a failure, one look says what runs; waiting would only delay the report.
            lastAnswer = await (0,checks/* probeOnServer */.R7)(session, settings.healthUrl);
            const answer = (0,checks/* judgeHealthAnswer */.yw)(lastAnswer, 'healthy');
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
                diagnostics.push(await (0,diagnostics_diagnostics/* collectDiagnostics */.R9)(session, compose, connection, {
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
        }).catch((error) => core.warning(`could not append to the ledger: ${(0,errors/* errorMessage */.gJ)(error)}`));
        return outcome(failure === undefined ? 'success' : 'failed', {
            after,
            gate: verdicts,
            healthUrl,
            failure: failure === undefined ? undefined : (0,output/* inert */.tJ)(failure),
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
            command: step.command ? (0,shell/* renderScript */.y9)(step.command) : undefined,
        })),
    });
}

// EXTERNAL MODULE: ./packages/shared/src/ssh/fleet.ts
var fleet = __webpack_require__(2626);
// EXTERNAL MODULE: ./packages/shared/src/summary/markdown.ts
var markdown = __webpack_require__(8195);
// EXTERNAL MODULE: ./packages/shared/src/summary/timeline.ts
var timeline = __webpack_require__(9197);
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
    return (0,markdown/* table */.tp)(['service', 'before', 'after'], rows);
}
function waitsTable(waits) {
    return (0,markdown/* table */.tp)(['service', 'waited', 'gate'], waits.map((wait) => [
        wait.service,
        `${(wait.waitedMs / 1000).toFixed(1)}s`,
        `${wait.ok ? '✅' : '❌'} ${wait.state}`,
    ]));
}
function opsSummary(outcome, environment, host) {
    const parts = [
        `## Emergency operation on ${(0,markdown/* escapeHtml */.ZD)(environment)} (${(0,markdown/* escapeHtml */.ZD)(host)}): ${(0,markdown/* escapeHtml */.ZD)(outcome.operation)}: ${HEADLINE[outcome.result]}`,
        `Commit ${outcome.ref.slice(0, 12)}, image tag ${(0,markdown/* escapeHtml */.ZD)(outcome.imageTag)}; ${outcome.durationSeconds}s`,
    ];
    if (outcome.productionDown)
        parts.push(`> [!CAUTION]\n> ${(0,markdown/* escapeHtml */.ZD)(outcome.productionDown)}`);
    if (outcome.failure)
        parts.push(`**What failed:** ${(0,markdown/* escapeHtml */.ZD)(outcome.failure)}`);
    if (!outcome.dryRun && outcome.stages.length > 0)
        parts.push((0,timeline/* timelineGantt */.mU)(outcome.stages, `${outcome.operation} stages`));
    if (outcome.restoredBackup) {
        parts.push([
            `- restored backup: ${(0,markdown/* escapeHtml */.ZD)(outcome.restoredBackup)}`,
            `- emergency backup (the database as it was before): ${(0,markdown/* escapeHtml */.ZD)(outcome.emergencyBackup ?? 'none taken')}`,
        ].join('\n'));
    }
    if (outcome.disk) {
        parts.push([
            '### Disk',
            '',
            `- before: ${(0,markdown/* escapeHtml */.ZD)(outcome.disk.before.filesystem)}`,
            `- after: ${(0,markdown/* escapeHtml */.ZD)(outcome.disk.after?.filesystem ?? (outcome.dryRun ? '(dry run)' : 'not read'))}`,
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
        parts.push(`### Health gate at the end\n\n${(0,markdown/* table */.tp)(['', 'state'], rows)}`);
    }
    parts.push(`### ${outcome.dryRun ? 'Plan' : 'Commands'}\n\n${outcome.plan
        .map((step, index) => `${index + 1}. ${(0,markdown/* escapeHtml */.ZD)(step.title)}${step.command ? `\n   \`${(0,markdown/* escapeHtml */.ZD)((0,shell/* renderScript */.y9)(step.command))}\`` : ''}`)
        .join('\n')}`);
    if (outcome.account.length > 0)
        parts.push(`### Steps\n\n${outcome.account.map((line) => `- ${(0,markdown/* escapeHtml */.ZD)(line)}`).join('\n')}`);
    return (0,markdown/* bounded */.Mm)(`${parts.join('\n\n')}\n`);
}

;// CONCATENATED MODULE: ./action-ops/src/main.ts


async function main(settings, { signal }) {
    const { connection } = settings;
    const holder = (0,lock/* holderFromEnvironment */.Qh)(connection.environment, 'ops');
    const operation = describeOperation(settings.operation);
    core.info(`${operation} on ${connection.environment} requested by ${holder.actor}`);
    await (0,fleet/* onFirstHost */.GC)(connection, signal, (session) => (0,lock/* withDeployLock */.Jg)(session, connection, settings.lockTimeoutSeconds, holder, async () => {
        const outcome = await runOps(settings, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
        });
        core.setOutput('report', opsReport(outcome, connection.environment, session.label));
        await core.summary.addRaw(opsSummary(outcome, connection.environment, session.label)).write();
        await (0,diagnostics_diagnostics/* reportDiagnostics */.Dj)(outcome.diagnostics ?? [], 'ops');
        if (outcome.failure !== undefined)
            throw new Error(`${operation} on ${connection.environment} failed: ${outcome.failure}`);
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