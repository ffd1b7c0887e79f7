"use strict";
exports.id = 453;
exports.ids = [453];
exports.modules = {

/***/ 1453:
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
var ssh_fleet = __webpack_require__(2626);
// EXTERNAL MODULE: ./packages/shared/src/github/deployments.ts
var deployments = __webpack_require__(8283);
// EXTERNAL MODULE: ./packages/shared/src/deploy/deploy.ts + 3 modules
var deploy = __webpack_require__(8937);
// EXTERNAL MODULE: ./packages/shared/src/summary/markdown.ts
var markdown = __webpack_require__(8195);
;// CONCATENATED MODULE: ./packages/shared/src/summary/fleet.ts

const MARK = {
    success: '✅',
    failed: '❌',
    unreachable: '🔌',
    'not started': '⏸️',
    cancelled: '⏹️',
};
function fleetSummary(what, environment, runs) {
    const short = (sha) => (sha ? sha.slice(0, 12) : '');
    const rows = runs.map((run) => {
        const value = (run.value ?? {});
        const detail = (value.result !== run.result ? value.result : undefined) ?? run.error ?? '';
        return [
            (0,markdown/* escapeHtml */.ZD)(run.host),
            `${MARK[run.result]} ${run.result}${detail ? `: ${(0,markdown/* escapeHtml */.ZD)(detail.slice(0, 200))}` : ''}`,
            `${run.seconds.toFixed(1)}s`,
            short(value.previousRef ?? value.fromRef),
            short(value.deployedRef ?? value.toRef),
        ];
    });
    const passed = runs.filter((run) => run.result === 'success').length;
    return (`## ${(0,markdown/* escapeHtml */.ZD)(what)} to ${(0,markdown/* escapeHtml */.ZD)(environment)}: ${passed} of ${runs.length} hosts passed\n\n` +
        `${(0,markdown/* table */.tp)(['host', 'result', 'time', 'previous commit', 'new commit'], rows)}\n`);
}

// EXTERNAL MODULE: ./packages/shared/src/summary/timeline.ts
var timeline = __webpack_require__(9197);
;// CONCATENATED MODULE: ./packages/shared/src/summary/deploy.ts



const HEADLINE = {
    success: '✅ deployed',
    unchanged: '➖ unchanged',
    'rolled-back': '↩️ failed and rolled back',
    failed: '❌ failed',
    cancelled: '⏹️ cancelled',
};
function waitsTable(title, waits) {
    const rows = waits.map((wait) => [
        wait.service,
        `${(wait.waitedMs / 1000).toFixed(1)}s`,
        `${wait.ok ? '✅' : '❌'} ${wait.state}`,
    ]);
    return `### ${title}\n\n${(0,markdown/* table */.tp)(['service', 'waited', 'state'], rows)}`;
}
function deploySummary(outcome, environment, host) {
    const parts = [];
    const title = outcome.dryRun ? '🔎 dry run: nothing changed' : HEADLINE[outcome.result];
    parts.push(`## Deploy to ${(0,markdown/* escapeHtml */.ZD)(environment)} (${(0,markdown/* escapeHtml */.ZD)(host)}): ${title}`);
    parts.push((0,markdown/* table */.tp)(['', 'commit', 'image tag'], [
        ['before', outcome.previousRef, outcome.previousImageTag],
        [outcome.dryRun ? 'planned' : 'attempted', outcome.attemptedRef, outcome.imageTag],
        [
            'running now',
            outcome.dryRun ? outcome.previousRef : outcome.deployedRef,
            outcome.deployedRef === outcome.previousRef ? outcome.previousImageTag : outcome.imageTag,
        ],
    ]));
    for (const note of outcome.notes)
        parts.push(`> [!WARNING]\n> ${(0,markdown/* escapeHtml */.ZD)(note)}`);
    if (outcome.failure)
        parts.push(`**What failed:** ${(0,markdown/* escapeHtml */.ZD)(outcome.failure)}`);
    if (outcome.down.length > 0)
        parts.push(`> [!CAUTION]\n> Not running and healthy now: ${(0,markdown/* escapeHtml */.ZD)(outcome.down.join('; '))}`);
    // Where the time went, before the details; a dry run only read the server: no chart.
    if (!outcome.dryRun && outcome.stages.length > 0)
        parts.push((0,timeline/* timelineGantt */.mU)(outcome.stages, 'Deploy stages'));
    if (outcome.checks.length > 0)
        parts.push((0,markdown/* checksTables */.l)(outcome.checks, 'Post-deployment checklist (runbook §2)'));
    if (outcome.services.length > 0)
        parts.push(waitsTable('Services', outcome.services));
    if (outcome.restored.length > 0)
        parts.push(waitsTable('Restored (previous release)', outcome.restored));
    if (outcome.migration) {
        const migration = outcome.migration;
        const lines = [
            `### Migration\n`,
            `- revision: ${(0,markdown/* escapeHtml */.ZD)(migration.revisionBefore || '(base)')} → ${(0,markdown/* escapeHtml */.ZD)(migration.revisionAfter || '(base)')}${migration.applied ? '' : ' (not applied)'}`,
            `- backup: ${(0,markdown/* escapeHtml */.ZD)(migration.backup ?? 'none taken')}`,
        ];
        if (migration.destructive?.length)
            lines.push(`- destructive: ${migration.destructive.map((found) => (0,markdown/* escapeHtml */.ZD)(found.statement)).join('; ')}`);
        if (migration.sql) {
            lines.push(`\n<details><summary>SQL${migration.sqlTruncated ? ' (cut)' : ''}</summary>\n\n\`\`\`sql\n${migration.sql.replaceAll('```', "'''")}\n\`\`\`\n</details>`);
        }
        parts.push(lines.join('\n'));
        if (outcome.rolledBack && migration.applied) {
            parts.push(`The database was **not** rolled back (it stays at ${(0,markdown/* escapeHtml */.ZD)(migration.revisionAfter)}). To restore it too:\n\n\`\`\`sh\n${(0,deploy/* rollbackCommand */.Ct)(environment, outcome.previousRef, true)}\n\`\`\``);
        }
    }
    if (outcome.dryRun) {
        parts.push((0,markdown/* planSection */.lA)(outcome.plan));
    }
    parts.push(`Total time: ${outcome.durationSeconds}s`);
    if (!outcome.dryRun && outcome.result === 'success') {
        parts.push(`To roll back:\n\n\`\`\`sh\n${(0,deploy/* rollbackCommand */.Ct)(environment, outcome.previousRef)}\n\`\`\``);
    }
    return (0,markdown/* bounded */.Mm)(`${parts.join('\n\n')}\n`);
}

// EXTERNAL MODULE: ./packages/shared/src/diagnostics/diagnostics.ts
var diagnostics = __webpack_require__(9248);
;// CONCATENATED MODULE: ./action-deploy/src/main.ts


const passed = (outcome) => outcome.result === 'success' || outcome.result === 'unchanged';
/** The report without log lines and diagnostics: the summary, the fenced log and the artifact have them. */
function reported(outcome) {
    const withoutLogs = (waits) => waits.map(({ logs: _logs, ...wait }) => wait);
    return {
        ...outcome,
        plan: outcome.plan.map((step) => step.title),
        services: withoutLogs(outcome.services),
        restored: withoutLogs(outcome.restored),
        diagnostics: undefined,
    };
}
async function main(settings, context) {
    if (settings.connection.orchestrator === 'swarm')
        return (await __webpack_require__.e(/* import() */ 547).then(__webpack_require__.bind(__webpack_require__, 4547))).swarmMain(settings, context);
    const { signal } = context;
    const { connection } = settings;
    const started = Date.now();
    const holder = (0,lock/* holderFromEnvironment */.Qh)(connection.environment, 'deploy');
    const triggering = process.env.GITHUB_TRIGGERING_ACTOR;
    const fleet = (0,ssh_fleet/* isFleet */.xP)(connection);
    core.info(`deploy of ${settings.ref} to ${connection.environment}` +
        (fleet ? ` (${connection.targets.length} hosts, ${connection.maxParallel} at a time)` : '') +
        ` requested by ${holder.actor}` +
        (triggering && triggering !== holder.actor ? ` (triggered by ${triggering})` : ''));
    // One GitHub deployment for the run, started once the first host's lock is held.
    let deployment;
    const startDeployment = () => (deployment ??= connection.dryRun
        ? Promise.resolve(undefined)
        : deployments/* GitHubDeployment */.P.start((0,deployments/* deploymentTarget */.n)(connection.githubToken, connection.environment), settings.ref, `deploy ${settings.ref}`));
    // A shared database is migrated by the first host only, before any host restarts: the first host
    // then goes alone even without a canary.
    const migratesOnce = fleet && settings.migrateScope === 'fleet';
    const runs = await (0,ssh_fleet/* forEachHost */.nY)(connection, { signal, passed, firstAlone: migratesOnce && settings.migrate !== 'false' }, (session, index) => (0,lock/* withDeployLock */.Jg)(session, connection, settings.lockTimeoutSeconds, holder, async () => {
        await startDeployment();
        const own = migratesOnce && index > 0 ? { ...settings, migrate: 'false' } : settings;
        if (own !== settings)
            core.info(`migrate-scope fleet: the first host ${connection.dryRun ? 'would migrate' : 'migrated'} the shared database`);
        const outcome = await (0,deploy/* runDeploy */.zt)(own, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
        });
        return outcome;
    }, { signal }));
    const githubDeployment = await deployment;
    const outcomes = runs.flatMap((run) => (run.value === undefined ? [] : [run.value]));
    // Written once all hosts are done (hosts side by side would race on the summary file): the fleet's
    // table, each host's section, then every host's diagnostics in one folder (a file per host).
    if (fleet)
        await core.summary.addRaw(fleetSummary('Deploy', connection.environment, runs)).write();
    for (const run of runs)
        if (run.value !== undefined)
            await core.summary.addRaw(deploySummary(run.value, connection.environment, run.host)).write();
    await (0,diagnostics/* reportDiagnostics */.Dj)(outcomes.flatMap((outcome) => outcome.diagnostics), 'deploy');
    const ok = runs.every((run) => run.result === 'success');
    const first = runs[0].value;
    if (first !== undefined) {
        // The first host's commits and tag; each host's own are in the report.
        core.setOutput('previous-ref', first.previousRef);
        core.setOutput('deployed-ref', first.deployedRef);
        core.setOutput('attempted-ref', first.attemptedRef);
        core.setOutput('image-tag', first.deployedRef === first.attemptedRef ? first.imageTag : first.previousImageTag);
        core.setOutput('migrated', String(outcomes.some((outcome) => outcome.migrated)));
        core.setOutput('rolled-back', String(outcomes.some((outcome) => outcome.rolledBack)));
        core.setOutput('duration-seconds', String(fleet ? Math.round((Date.now() - started) / 1000) : first.durationSeconds));
    }
    if (fleet) {
        core.setOutput('report', JSON.stringify({
            ...(first === undefined ? {} : reported(first)),
            hosts: runs.map(({ cause: _cause, value, ...run }) => ({
                ...run,
                ...(value === undefined ? {} : { outcome: reported(value) }),
            })),
        }));
    }
    else if (first !== undefined)
        core.setOutput('report', JSON.stringify(reported(first)));
    await githubDeployment?.status(ok ? 'success' : 'failure', fleet
        ? `${runs.filter((run) => run.result === 'success').length} of ${runs.length} hosts deployed`
        : `${first?.result}: ${first?.deployedRef.slice(0, 12)}`);
    (0,ssh_fleet/* rethrowSingle */.Uv)(runs);
    if (!ok) {
        if (!fleet && first !== undefined) {
            throw new Error(first.rolledBack
                ? `deploy of ${first.attemptedRef.slice(0, 12)} failed and was rolled back to ${first.deployedRef.slice(0, 12)}: ${first.failure}`
                : `deploy of ${first.attemptedRef.slice(0, 12)} failed: ${first.failure}`);
        }
        throw (0,ssh_fleet/* fleetError */.Nb)(`deploy to the fleet failed: ${(0,ssh_fleet/* fleetFailures */.SS)(runs, (outcome) => outcome.failure)}`, runs);
    }
}


/***/ }),

/***/ 364:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ae: () => (/* binding */ parseIds),
/* harmony export */   E7: () => (/* binding */ parseInspect),
/* harmony export */   Fl: () => (/* binding */ INSPECT_FORMAT),
/* harmony export */   N4: () => (/* binding */ replicasOf),
/* harmony export */   Tj: () => (/* binding */ composeMissing),
/* harmony export */   Xu: () => (/* binding */ inspectContainers),
/* harmony export */   _1: () => (/* binding */ readServicesState),
/* harmony export */   b8: () => (/* binding */ stackServices),
/* harmony export */   de: () => (/* binding */ psArgs),
/* harmony export */   ec: () => (/* binding */ composeCommand),
/* harmony export */   ey: () => (/* binding */ judgeServices),
/* harmony export */   gh: () => (/* binding */ startFirstBlockers),
/* harmony export */   kq: () => (/* binding */ runtimeInputs)
/* harmony export */ });
/* unused harmony exports detectCompose, readStackServices */
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8815);
/* harmony import */ var _shell__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3238);
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
    const config = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qg)(configYaml);
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
    const config = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qg)(configYaml);
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
    const config = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qg)(configYaml);
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
    const config = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qg)(configYaml);
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
    return parseInspect(await session.run((0,_shell__WEBPACK_IMPORTED_MODULE_1__/* .commandLine */ .ay)({ argv: ['docker', 'inspect', '--format', INSPECT_FORMAT, ...ids] }), 'inspecting the containers', { echo: 'stderr', timeoutSeconds: 120, ...options }));
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
    const ids = parseIds(await session.run((0,_shell__WEBPACK_IMPORTED_MODULE_1__/* .commandLine */ .ay)(composeCommand(compose, settings, psArgs(compose), env)), 'listing the containers', {
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


/***/ }),

/***/ 8937:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  qE: () => (/* binding */ resolveRef),
  Ct: () => (/* binding */ rollbackCommand),
  zt: () => (/* binding */ runDeploy),
  dw: () => (/* binding */ stage),
  GD: () => (/* binding */ waitForHealthUrl),
  uv: () => (/* binding */ withStages)
});

// UNUSED EXPORTS: HealthUrlError, defaultImageTag, liveStateRequest, recordStages, restorePrevious, runningImageTagOf, servicesDown

// EXTERNAL MODULE: external "node:async_hooks"
var external_node_async_hooks_ = __webpack_require__(6698);
// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var core = __webpack_require__(7484);
// EXTERNAL MODULE: ./packages/shared/src/compose/compose.ts
var compose_compose = __webpack_require__(364);
// EXTERNAL MODULE: ./packages/shared/src/shell.ts
var shell = __webpack_require__(3238);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/sleep.ts
var sleep = __webpack_require__(9600);
// EXTERNAL MODULE: ./packages/shared/src/ssh/session.ts
var ssh_session = __webpack_require__(6538);
// EXTERNAL MODULE: ./packages/shared/src/ssh/output.ts
var output = __webpack_require__(153);
// EXTERNAL MODULE: ./packages/shared/src/diagnostics/diagnostics.ts
var diagnostics_diagnostics = __webpack_require__(9248);
;// CONCATENATED MODULE: ./packages/shared/src/compose/rollout.ts
/**
 * The rolling restart of runbook §3, with the blind `sleep 10` replaced by a wait until the new
 * container is healthy (or running, where it has no healthcheck), stopping at the first bad sign.
 */







const buildCommand = (compose, place, env) => 
// v2 builds in parallel by itself; v1 needs to be asked.
(0,compose_compose/* composeCommand */.ec)(compose, place, compose.major >= 2 ? ['build'] : ['build', '--parallel'], env);
const pullCommand = (compose, place, env, services) => (0,compose_compose/* composeCommand */.ec)(compose, place, ['pull', ...services], env);
const upCommand = (compose, place, env, service, force = false) => (0,compose_compose/* composeCommand */.ec)(compose, place, ['up', '-d', '--no-deps', ...(force ? ['--force-recreate'] : []), service], env);
/** Starts services that have no container (the rest of a stack that is not running), as they are. */
const startCommand = (compose, place, env, services) => (0,compose_compose/* composeCommand */.ec)(compose, place, ['up', '-d', '--no-deps', '--no-recreate', ...services], env);
/**
 * start-first's `up`: the service scaled to `count` containers, the running ones kept as they are
 * (`--no-recreate`), so the added ones are made from the current configuration and image. Compose v1
 * and v2 both take these flags.
 */
const scaleUpCommand = (compose, place, env, service, count) => (0,compose_compose/* composeCommand */.ec)(compose, place, ['up', '-d', '--no-deps', '--no-recreate', '--scale', `${service}=${count}`, service], env);
/** Lists a service's container ids (stopped ones too). */
async function containerIdsOf(session, compose, place, env, service, options = {}) {
    return (0,compose_compose/* parseIds */.Ae)(await session.run((0,shell/* commandLine */.ay)((0,compose_compose/* composeCommand */.ec)(compose, place, (0,compose_compose/* psArgs */.de)(compose, [service]), env)), `listing ${service}'s containers`, { echo: 'stderr', timeoutSeconds: 120, ...options }));
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
    const result = await session.exec((0,shell/* toSshCommand */.Vf)(`${diagnostics_diagnostics/* MASK_FUNCTION */.ci}\ndocker logs --tail "$1" "$2" 2>&1 | mask "$3" "$4"`, [
        String(diagnostics_diagnostics/* LOG_LINES */.dq),
        id,
        ...(0,diagnostics_diagnostics/* envFilesOf */.y$)(place),
    ]), { echo: 'none', timeoutSeconds: 30, maxBytes: 256 * 1024 });
    return (0,output/* inert */.tJ)((0,diagnostics_diagnostics/* redact */.E$)(result.stdout.trim()));
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
async function waitUntilHealthy(session, compose, place, env, service, gate, signal, 
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
    const watch = session.start((0,shell/* toSshCommand */.Vf)(WATCH_SCRIPT, [String(POLL_SECONDS), compose_compose/* INSPECT_FORMAT */.Fl, ...ids]), {
        keepStdinOpen: true,
        echo: 'stderr',
        timeoutSeconds: gate.timeoutSeconds + 60,
        onStdoutLine: (line) => {
            if (line !== '@@poll') {
                lines.push(line);
                return;
            }
            last = (0,compose_compose/* parseInspect */.E7)(lines.join('\n'));
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
        return result(false, `watching the containers ${(0,ssh_session/* describeOutcome */.SS)(watched.outcome)}${watched.stderrTail.length > 0 ? `: ${watched.stderrTail.join(' ')}` : ''}`);
    const states = last.map((c) => `${c.status}${c.health === 'none' ? '' : `, ${c.health}`}`).join('; ');
    return result(false, `not healthy within ${gate.timeoutSeconds}s (${states || 'no state'})`);
}
/**
 * A service's containers now, stopped ones too; one-off `run` containers (which v2's `ps -a` lists)
 * are not the service's.
 */
async function serviceContainers(session, compose, place, env, service, keepOnCancel = false) {
    return (0,compose_compose/* inspectContainers */.Xu)(session, await containerIdsOf(session, compose, place, env, service, { keepOnCancel }), { keepOnCancel });
}
/**
 * start-first: as many new containers as the service runs, beside all the old ones (kept), gated; on a
 * pass both serve for `overlapSeconds` (the proxy's DNS cache sees the new ones), then the old ones
 * are stopped (each with its own stop timeout) and removed. A failed gate, an error or a cancel
 * before the switch removes the new containers and leaves the old ones serving, untouched; once the
 * switch has begun it is finished even when the run is cancelled (keepOnCancel), so a cancel never
 * leaves two releases serving side by side. `onSwitch` is called just before the old ones stop.
 */
async function startFirst(session, compose, place, env, service, gate, options) {
    const { signal } = options;
    const containersNow = (keepOnCancel = false) => serviceContainers(session, compose, place, env, service, keepOnCancel);
    const old = options.old.map((container) => container.id);
    let switching = false;
    try {
        await session.run((0,shell/* commandLine */.ay)(scaleUpCommand(compose, place, env, service, old.length + options.replicas)), `starting a new ${service} beside the old`);
        const fresh = (await containersNow()).map((container) => container.id).filter((id) => !old.includes(id));
        let wait = fresh.length === 0
            ? { service, ok: false, waitedMs: 0, state: 'compose started no new container' }
            : await waitUntilHealthy(session, compose, place, env, service, gate, signal, fresh);
        if (wait.ok) {
            await (0,sleep/* sleep */.y)(options.overlapSeconds * 1000, signal);
            // Still well after the overlap: the old ones are not stopped for a new one that died meanwhile.
            const after = await (0,compose_compose/* inspectContainers */.Xu)(session, fresh);
            const now = (0,compose_compose/* judgeServices */.ey)({ services: [service], containers: after })[0];
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
        await session.run((0,shell/* toSshCommand */.Vf)(STOP_AND_REMOVE_SCRIPT, old), `stopping the old ${service}`, {
            keepOnCancel: true,
        });
        if (signal.aborted)
            throw new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'));
        return { wait, switched: true };
    }
    catch (error) {
        if (!switching && session.lost === undefined)
            await removeAllBut(old).catch((why) => {
                throw new Error(`${(0,errors/* errorMessage */.gJ)(error)}; removing the new ${service} containers beside the old failed too: ${(0,errors/* errorMessage */.gJ)(why)}`, { cause: error });
            });
        throw error;
    }
    /** Removes the service's containers that are not `keep` (this run's new ones), even when cancelled. */
    async function removeAllBut(keep) {
        const added = (await containersNow(true))
            .map((container) => container.id)
            .filter((id) => !keep.includes(id));
        if (added.length > 0)
            await session.run((0,shell/* commandLine */.ay)({ argv: ['docker', 'rm', '-f', ...added] }), `removing the new ${service} beside the old`, { keepOnCancel: true, timeoutSeconds: 120 });
    }
}
/**
 * `docker stop` uses each container's own stop timeout (compose's stop_grace_period) when -t is not
 * given; the removal follows whatever the stop said (a container already gone is no reason to keep
 * the others).
 */
const STOP_AND_REMOVE_SCRIPT = 'docker stop "$@" >/dev/null 2>&1; docker rm -f "$@" >/dev/null';

// EXTERNAL MODULE: ./packages/shared/src/git/git.ts
var git = __webpack_require__(9480);
// EXTERNAL MODULE: ./packages/shared/src/health/checks.ts
var checks = __webpack_require__(993);
// EXTERNAL MODULE: ./packages/shared/src/inputs/deploy.ts + 24 modules
var deploy = __webpack_require__(2104);
// EXTERNAL MODULE: ./packages/shared/src/ledger/ledger.ts
var ledger = __webpack_require__(264);
// EXTERNAL MODULE: ./packages/shared/src/migrate/alembic.ts + 1 modules
var alembic = __webpack_require__(8887);
// EXTERNAL MODULE: ./packages/shared/src/ssh/host-log.ts
var host_log = __webpack_require__(9449);
// EXTERNAL MODULE: ./packages/shared/src/summary/timeline.ts
var timeline = __webpack_require__(9197);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
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
const MARK = '@@tt:';
/**
 * $1 app dir, $2 compose file, $3 remote ('' = no fetch), $4 ref candidates (one per line), $5 image
 * tag ('' = git-<sha12>), $6 state dir, $7 ledger lines, $8 migrations path ('' = skip), $9 shell text
 * for `alembic current` ('' = skip), then the compose command words ('auto' = detect). Each part is
 * printed after a `@@tt:<name>` line; the slow ones (compose, alembic) run side by side.
 */
const LIVE_STATE_SCRIPT = `
cd "$1" || { echo "${MARK}error"; echo "|app-dir $1 is missing or not readable"; exit 0; }
file=$2 remote=$3 candidates=$4 tag=$5 state=$6 tail_n=$7 mpath=$8 current=$9
shift 9
changed=no v= sha=
part() { printf '\\n${MARK}%s\\n' "$1"; }
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
  [ -z "$ids" ] || docker inspect --format '${compose_compose/* INSPECT_FORMAT */.Fl}' $ids >"$tmp/inspect" 2>/dev/null
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
    return (0,shell/* toSshCommand */.Vf)(LIVE_STATE_SCRIPT, [
        request.appDir,
        request.composeFile,
        request.fetch ? request.remote : '',
        (0,git/* refCandidates */.s9)(request.ref, request.remote).join('\n'),
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
        if (line.startsWith(MARK)) {
            flush();
            name = line.slice(MARK.length).trim();
            lines = [];
        }
        else if (line.startsWith('|'))
            lines.push(line.slice(1));
    }
    flush();
    return parts;
}
/** `repo:tag` with Docker Hub's implied prefixes and `:latest` made explicit, so both sides compare. */
function normaliseImageRef(ref) {
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
        images[normaliseImageRef(ref)] = id;
    }
    return images;
}
/** The image each stack service names in `compose config` output. */
function parseTargetImages(configYaml) {
    const config = (0,dist/* parse */.qg)(configYaml);
    const images = {};
    for (const service of (0,compose_compose/* stackServices */.b8)(configYaml)) {
        const image = config?.services?.[service]?.image;
        if (image !== undefined)
            images[service] = normaliseImageRef(image);
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
    return (0,compose_compose/* stackServices */.b8)(renderedWithSentinel).filter((service) => {
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
        throw new LiveStateError(`${(0,output/* inert */.tJ)(error)} on ${label}`);
    const [version = '', words = ''] = (parts.get('compose') ?? '').split('\n');
    const major = /^v?(\d+)\./.exec(version.trim())?.[1];
    if (major === undefined)
        throw new LiveStateError((0,compose_compose/* composeMissing */.Tj)(request.composeCommand, label));
    const fetch = parts.get('fetch');
    if (fetch !== undefined && !/exit=0\s*$/.test(fetch)) {
        throw new LiveStateError(`git fetch ${request.remote} failed in ${request.appDir} on ${label}: ${(0,output/* inert */.tJ)(fetch.replace(/exit=\d+\s*$/, '').trim())}`);
    }
    const head = parts.get('head') ?? '';
    if (!/^[0-9a-f]{40}$/.test(head))
        throw new LiveStateError(`${request.appDir} on ${label} is not a git checkout with a commit`);
    const renderedWithSentinel = parts.get('config') ?? '';
    const imageTag = parts.get('tag') ?? '';
    const config = renderedWithSentinel.replaceAll(IMAGE_TAG_SENTINEL, imageTag);
    if (config === '') {
        throw new LiveStateError(`compose config failed in ${request.appDir} on ${label}: ${(0,output/* inert */.tJ)(parts.get('config-error') ?? '(no message)')}`);
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
            dbRevision = (0,alembic/* parseRevisions */.cW)(body).join(',');
        else if (unknownToCode !== undefined)
            dbRevision = unknownToCode;
        else
            dbRevisionProblem = (0,output/* inert */.tJ)(body.trim().split('\n').slice(-3).join(' '));
    }
    return {
        head,
        target: /^[0-9a-f]{40}$/.test(parts.get('target') ?? '') ? (parts.get('target') ?? '') : '',
        compose: { command: words.split(' ').filter((word) => word !== ''), major: Number(major) },
        imageTag,
        targetImages: parseTargetImages(config),
        tagOnlyInImage: servicesWithTagOnlyInImage(renderedWithSentinel),
        replicas: (0,compose_compose/* replicasOf */.N4)(config),
        releaseChanges: parseReleaseChanges(parts.get('release-changes') ?? ''),
        runtimeInputs: (0,compose_compose/* runtimeInputs */.kq)(config, request.appDir, request.composeFile),
        startFirstBlockers: (0,compose_compose/* startFirstBlockers */.gh)(config),
        localImages: parseLocalImages(parts.get('images') ?? ''),
        containers: (0,compose_compose/* parseInspect */.E7)(parts.get('containers') ?? ''),
        releases: (0,ledger/* parseReleases */.Yq)(parts.get('ledger') ?? ''),
        dbRevision,
        dbRevisionProblem,
        migrations: request.migrationsPath === undefined ? undefined : parseMigrationGraph(parts.get('migrations') ?? ''),
        composeFileChanged: parts.get('changed') === 'yes',
        serverTime: Number(parts.get('now')) || 0,
    };
}
async function readLiveState(session, request) {
    const text = await session.run(liveStateCommand(request), 'reading the live state', {
        echo: 'none',
        timeoutSeconds: 300,
        maxBytes: 16 * 1024 * 1024,
    });
    return parseLiveState(text, request, session.label);
}

// EXTERNAL MODULE: ./packages/shared/src/deploy/first.ts + 3 modules
var deploy_first = __webpack_require__(4748);
;// CONCATENATED MODULE: ./packages/shared/src/deploy/plan.ts



/** An image reference without its tag. */
const repositoryOf = (ref) => ref.slice(0, ref.length - (plan_tagOf(ref)?.length ?? -1) - 1);
const plan_short = (sha) => sha.slice(0, 12);
function imageMode(build, imageTagGiven) {
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
        containers.every((c) => repositoryOf(normaliseImageRef(c.imageRef)) === repositoryOf(targetRef) &&
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
function planDeploy(state, request) {
    const notes = (0,ledger/* interruptedRuns */.ND)(state.releases).map((run) => `${(0,ledger/* describeInterrupted */.AE)(run)}; converging`);
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
    const mode = imageMode(request.build, request.imageTagGiven);
    if (mode === 'none' && missing.length > 0) {
        return refuse(`build is false but the target images of ${missing.join(', ')} are not on the server ` +
            `(${missing.map((service) => state.targetImages[service]).join(', ')})`);
    }
    const blocked = request.services.filter((service) => (0,deploy/* strategyOf */.xS)(request, service) === 'start-first' && state.startFirstBlockers[service] !== undefined);
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
        const strategy = (0,deploy/* strategyOf */.xS)(request, now.service) === 'start-first' && now.ok ? 'start-first' : 'recreate';
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
function describeStep(step) {
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
    return { value, stages: (0,timeline/* inStartOrder */.IG)(stages) };
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
    core.startGroup(name);
    try {
        const value = await work();
        result = failed(value) ? 'failed' : 'ok';
        return value;
    }
    finally {
        const ms = Date.now() - started;
        core.endGroup();
        core.info(`${name}: ${(ms / 1000).toFixed(1)}s`);
        const host = (0,host_log/* hostLabel */.vy)();
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
        const answer = await (0,checks/* probeOnServer */.R7)(session, url);
        const verdict = (0,checks/* judgeHealthAnswer */.yw)(answer, 'healthy');
        if (verdict.ok)
            return verdict.value;
        if (Date.now() >= deadline)
            throw new HealthUrlError(`${url} did not report healthy within ${timeoutSeconds}s (last: ${verdict.value})`, url, answer);
        await (0,sleep/* sleep */.y)(250, signal);
    }
}
async function resolveRef(session, appDir, ref, remote) {
    for (const candidate of (0,git/* refCandidates */.s9)(ref, remote)) {
        const result = await session.exec((0,shell/* commandLine */.ay)((0,git/* resolveCommand */.OK)(appDir, candidate)), {
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
        return `cd ${(0,shell/* quote */.hD)(connection.appDir)} && ${migration.alembicCommand} current`;
    // The running container answers fastest, and no image of the target is needed for it.
    return `"$@" -f "$file" exec -T ${(0,shell/* quote */.hD)(migration.migrateService)} sh -c ${(0,shell/* quote */.hD)(`${migration.alembicCommand} current`)}`;
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
                return { title, command: (0,git/* checkoutCommand */.k8)(connection.appDir, step.sha) };
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
    const steps = (0,deploy_first/* firstDeploymentSteps */.L1)(settings);
    core.info(`dry run on ${label}: ${settings.connection.appDir} is not a checkout; a first deployment would:`);
    steps.forEach((step, index) => core.info((0,output/* inert */.tJ)(`  ${index + 1}. ${step}`)));
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
    const run = (command, what) => session.run((0,shell/* commandLine */.ay)(command), what);
    /** Runbook §1 before a first deployment: its rows into `checks`; why it must stop, if it must. */
    const preflightFirst = async (first) => {
        const preflight = await stage('Preflight (runbook §1)', () => (0,deploy_first/* firstDeploymentPreflight */.Dn)(session, first));
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
        if (connection.dryRun && (await (0,deploy_first/* readCheckoutState */.yj)(session, connection.appDir)).kind !== 'checkout')
            return firstDeploymentDryRun(settings, session.label, started);
        const sha = await stage('Check app-dir', () => (0,deploy_first/* ensureCheckout */.xJ)(session, settings, () => resolveRef(session, connection.appDir, settings.ref, settings.remote)));
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
    core.info((0,output/* inert */.tJ)(`running: ${previousRef} (${plan.services.map((s) => `${s.service} ${s.imageTag ?? '?'}: ${s.state}`).join('; ')}); ` +
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
        steps.forEach((step, index) => core.info(`  ${index + 1}. ${step.title}${step.command ? `\n       $ ${(0,shell/* renderScript */.y9)(step.command)}` : ''}`));
        return outcome('unchanged');
    }
    const journal = (result, migration, backup) => (0,ledger/* appendRelease */.Gr)(session, connection.stateDir, {
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
        await session.run((0,shell/* toSshCommand */.Vf)(git/* EXCLUDE_SCRIPT */.de, [connection.appDir, `${inside}/`]), 'keeping the state dir out of git');
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
            diagnostics.push(await (0,diagnostics_diagnostics/* collectDiagnostics */.R9)(session, compose, connection, {
                reason,
                services: [subject.service],
                ...(subject.logs ? { earlierLogs: { [subject.service]: subject.logs } } : {}),
                ...(subject.probe ? { probe: subject.probe } : {}),
            }));
        }
        catch (why) {
            if (why instanceof errors/* CancelledError */.cc)
                throw why;
            core.warning(`could not collect diagnostics for ${subject.service}: ${(0,errors/* errorMessage */.gJ)(why)}`);
        }
    };
    try {
        for (const step of plan.steps)
            await applyStep(step);
    }
    catch (error) {
        // A migration's checks still running beside a failed build: let them end before anything else.
        await preparing?.catch(() => undefined);
        if (error instanceof alembic/* MigrationError */.Py)
            migration = { ...error.partial, applied: false };
        // A step that failed because the run was cancelled (its command was stopped) is a cancel too.
        if (error instanceof errors/* CancelledError */.cc || signal.aborted) {
            // Remote work was stopped before this point; say so in the journal while the lock is still held.
            await journal('cancelled', migration, migration?.backup).catch((why) => core.warning(`could not record the cancel in the ledger: ${(0,errors/* errorMessage */.gJ)(why)}`));
            throw error instanceof errors/* CancelledError */.cc
                ? error
                : new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), `During the cancel: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
        const failure = (0,errors/* errorMessage */.gJ)(error);
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
                throw error instanceof errors/* CancelledError */.cc
                    ? new errors/* CancelledError */.cc(String(signal.reason ?? 'signal'), `During the automatic rollback${downText(down)}`)
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
            await run((0,git/* checkoutCommand */.k8)(connection.appDir, previousRef), 'checking the previous commit out again').catch((undo) => core.warning(`could not check ${deploy_short(previousRef)} out again: ${(0,errors/* errorMessage */.gJ)(undo)}`));
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
        const checklist = await stage('Post-deployment checklist (runbook §2)', () => (0,deploy_first/* postDeploymentChecklist */.o7)(session, compose, settings, first, Object.keys(state.targetImages), checks));
        checks = [...checks, ...checklist];
        const failed = checklist.filter((row) => row.verdict === 'fail');
        if (failed.length > 0) {
            const failure = `post-deployment checklist: ${failed.map((row) => `${row.check}: ${row.value}`).join('; ')}`;
            core.error((0,output/* inert */.tJ)(failure));
            await journal('failed', migration, migration?.backup);
            return outcome('failed', { services, migration, migrated: migration?.applied ?? false, failure });
        }
    }
    await journal('success', migration, migration?.backup);
    return outcome('success', { services, migration, migrated: migration?.applied ?? false });
    /** The migration's checks (see prepareMigration), from the revision read with the live state. */
    function prepare() {
        const preparation = (0,alembic/* prepareMigration */.wh)(place, settings.migration, UPGRADE_HEAD, log, state.dbRevision);
        // Awaited by the migrate step, or after a failure before it; never an unhandled rejection meanwhile.
        preparation.catch(() => undefined);
        return preparation;
    }
    /** The id of the image the target names for `service`, as the server has it now. */
    async function imageIdOf(service) {
        const result = await session.exec((0,shell/* commandLine */.ay)({
            argv: ['docker', 'image', 'inspect', '--format', '{{.Id}}', state.targetImages[service]],
        }), { echo: 'none', timeoutSeconds: 60 });
        return result.stdout.trim();
    }
    async function applyStep(step) {
        switch (step.kind) {
            case 'checkout':
                return stage(`Check out ${deploy_short(step.sha)}`, async () => {
                    await run((0,git/* checkoutCommand */.k8)(connection.appDir, step.sha), 'git checkout');
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
                    return prepared.done ?? (0,alembic/* applyMigration */.rj)(place, settings.migration, UPGRADE_HEAD, prepared, log);
                });
                return;
            case 'restart':
                if (step.unlessImageIs !== undefined && (await imageIdOf(step.service)) === step.unlessImageIs) {
                    core.info(
                    // The reference comes from the compose file on the server: inert.
                    (0,output/* inert */.tJ)(`${step.service}: its new image ${state.targetImages[step.service]} is the image it runs (${step.unlessImageIs}); ` +
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
async function servicesDown(session, compose, settings) {
    try {
        const state = await (0,compose_compose/* readServicesState */._1)(session, compose, settings.connection, settings.services);
        return (0,compose_compose/* judgeServices */.ey)(state)
            .filter((verdict) => !verdict.ok)
            .map((verdict) => `${verdict.service} (${verdict.state})`);
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
            throw error;
        return [`(could not read the services: ${(0,errors/* errorMessage */.gJ)(error)})`];
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
        const now = (0,compose_compose/* judgeServices */.ey)({ services: [service], containers: old })[0];
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
            if (error instanceof ssh_session/* RemoteCommandError */.at &&
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
    await session.run((0,shell/* commandLine */.ay)(upCommand(compose, connection, env, service, options.force)), `restarting ${service}`);
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
        await session.run((0,shell/* commandLine */.ay)((0,git/* checkoutCommand */.k8)(connection.appDir, previousRef)), 'checking the previous commit out');
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
                    await session.run((0,shell/* commandLine */.ay)(buildCommand(compose, connection, env)), 'rebuilding the previous images');
                else
                    await session.run((0,shell/* commandLine */.ay)(pullCommand(compose, connection, env, absent)), 'pulling the previous images');
            }
            for (const service of own) {
                const wait = await restartService(session, compose, settings, env, service, signal, {
                    strategy: (0,deploy/* strategyOf */.xS)(settings, service),
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
        if (error instanceof errors/* CancelledError */.cc)
            throw error;
        return { waits, failure: (0,errors/* errorMessage */.gJ)(error) };
    }
}


/***/ }),

/***/ 4748:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  xJ: () => (/* binding */ ensureCheckout),
  Dn: () => (/* binding */ firstDeploymentPreflight),
  L1: () => (/* binding */ firstDeploymentSteps),
  o7: () => (/* binding */ postDeploymentChecklist),
  yj: () => (/* binding */ readCheckoutState)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var core = __webpack_require__(7484);
// EXTERNAL MODULE: ./packages/shared/src/compose/compose.ts
var compose_compose = __webpack_require__(364);
// EXTERNAL MODULE: ./packages/shared/src/health/checks.ts
var checks = __webpack_require__(993);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/shell.ts
var shell = __webpack_require__(3238);
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
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
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
        if (!ENV_NAME.test(name))
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
    const result = await session.exec((0,shell/* toSshCommand */.Vf)(PREFLIGHT_SCRIPT, preflightArgs(options)), {
        echo: 'none',
        timeoutSeconds: 120,
    });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0 || result.stdout.trim() === '')
        return [(0,checks/* scriptFailedRow */.Zy)(session.label, 'preflight', result, { minimum: 'runs', recommended: '' })];
    return judgePreflight(session.label, result.stdout, options);
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
    const result = await session.exec((0,shell/* toSshCommand */.Vf)(DEPENDENCY_SCRIPT, args), {
        echo: 'none',
        timeoutSeconds: 180,
    });
    if (result.outcome.kind === 'cancelled')
        throw new errors/* CancelledError */.cc('signal');
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0)
        return [(0,checks/* scriptFailedRow */.Zy)(session.label, 'dependencies', result)];
    return judgeDependencies(session.label, result.stdout, options);
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
const STATUS_LABELS = (/* unused pure expression or super */ null && (['status', 'code', 'status_code']));
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

// EXTERNAL MODULE: ./packages/shared/src/git/git.ts
var git = __webpack_require__(9480);
// EXTERNAL MODULE: ./packages/shared/src/ssh/output.ts
var output = __webpack_require__(153);
;// CONCATENATED MODULE: ./packages/shared/src/deploy/first.ts
/**
 * Runbook §2, a first deployment: app-dir is not a checkout yet. The server gets the repository with
 * its own credentials (never a token from the runner), the target is checked out while nothing runs,
 * and the preflight (§1) must pass before anything is built or started.
 */









async function readCheckoutState(session, appDir) {
    const [kind, ...entries] = (await session.run((0,shell/* toSshCommand */.Vf)(git/* CHECKOUT_STATE_SCRIPT */.Bz, [appDir]), 'looking at app-dir', {
        echo: 'stderr',
        timeoutSeconds: 60,
    }))
        .trim()
        .split('\n');
    if (kind === 'checkout' || kind === 'absent')
        return { kind };
    return { kind: 'not-a-checkout', entries: entries.filter((entry) => entry !== '') };
}
/** What a first deployment does before the live state can be read, for a dry run's listing. */
function firstDeploymentSteps(settings) {
    const { appDir } = settings.connection;
    return [
        `create a git repository in ${appDir} with remote ${settings.remote} = ${settings.firstDeployment?.repository ?? '(repository not set: refused)'}`,
        `git fetch ${settings.remote} (with the server's own credentials), check out ${settings.ref}`,
        `preflight (runbook §1): resources, Docker and Compose, tools, ${settings.firstDeployment?.preflight.envFile ?? '.env'} secrets, TLS certificate`,
        'build, start the whole stack (dependencies first), migrate, start each service and wait until it is healthy',
        'post-deployment checklist: every service healthy, health-url, /metrics, the backup container, the TLS certificate',
    ];
}
/**
 * Makes app-dir a checkout of `repository` at the target when it is not one, and returns the commit
 * checked out; undefined when it already was one (nothing done). Refuses when `repository` is not set.
 */
async function ensureCheckout(session, settings, resolve) {
    const { appDir } = settings.connection;
    const repository = settings.firstDeployment?.repository;
    const state = await readCheckoutState(session, appDir);
    if (state.kind === 'checkout')
        return undefined;
    const what = state.kind === 'absent'
        ? 'does not exist'
        : `is not a git checkout (it holds: ${state.entries.join(', ') || 'nothing'})`;
    if (repository === undefined)
        throw new Error((0,output/* inert */.tJ)(`${appDir} on ${session.label} ${what}. A first deployment (runbook §2) clones the application there: ` +
            'set the repository input (the server fetches it with its own deploy key), or clone it by hand'));
    core.info((0,output/* inert */.tJ)(`${appDir} ${what}: first deployment from ${repository}`));
    await session.run((0,shell/* toSshCommand */.Vf)(git/* INIT_CHECKOUT_SCRIPT */.On, [appDir, settings.remote, repository]), `creating the repository in ${appDir}`);
    await session.run((0,shell/* commandLine */.ay)((0,git/* fetchRemote */.Z8)(appDir, settings.remote)), `git fetch ${settings.remote}`);
    // Nothing runs yet: checking the target out now changes nothing that serves.
    const sha = await resolve();
    await session.run((0,shell/* commandLine */.ay)((0,git/* checkoutCommand */.k8)(appDir, sha)), 'git checkout');
    return sha;
}
/** The .env refusal: what the file must hold, and how the runbook makes the secrets (on the server). */
function envFileRefusal(first, label) {
    const { envFile, requiredSecrets, appDir } = first.preflight;
    return (`${envFile} is missing in ${appDir} on ${label}: create it on the server before the first ` +
        `deployment (runbook §2: cp .env.example ${envFile}), with ${requiredSecrets.join(', ') || 'the application settings'} ` +
        'set and non-empty. Make the secrets on the server, never in CI: `openssl rand -hex 32` for JWT_SECRET_KEY ' +
        'and ENCRYPTION_KEY, `openssl rand -base64 24` for DB_PASSWORD; keep the file readable by the deploy user only ' +
        `(chmod 600). The repository is checked out; nothing was built or started`);
}
/**
 * Runbook §1 before a first deployment: the rows, and why the deployment must not go on (undefined =
 * it may). Warnings (below the recommended size, an OS other than Ubuntu) do not stop it.
 */
async function firstDeploymentPreflight(session, first) {
    const rows = await preflightChecks(session, first.preflight);
    logRows(rows);
    const failed = rows.filter((row) => row.verdict === 'fail');
    if (failed.length === 0)
        return { rows, refusal: undefined };
    const envFile = rows.find((row) => row.check === `env-file ${first.preflight.envFile}`);
    return {
        rows,
        refusal: envFile?.verdict === 'fail'
            ? envFileRefusal(first, session.label)
            : `the preflight (runbook §1) failed on ${session.label}: ${failed.map((row) => `${row.check}: ${row.value}`).join('; ')}. ` +
                'Nothing was built or started (the thresholds are inputs: min-cpus, min-memory-gb, min-disk-gb, ...)',
    };
}
function logRows(rows) {
    for (const row of rows) {
        const line = (0,output/* inert */.tJ)(`${row.check}: ${row.value} (${row.verdict})`);
        if (row.verdict === 'fail')
            core.error(line);
        else if (row.verdict === 'warn')
            core.warning(line);
        else
            core.info(line);
    }
}
/**
 * Runbook §2's post-deployment checklist, the items a machine can check: every service of the stack
 * running and healthy, health-url, /metrics served, the backup container running, the TLS certificate
 * valid. (The browser checks, login and DNS stay with a person.)
 */
async function postDeploymentChecklist(session, compose, settings, first, stack, preflightRows) {
    const host = session.label;
    const { connection } = settings;
    const rows = [];
    const add = (check, value, threshold, ok) => rows.push({ host, check, value, threshold, verdict: ok ? 'pass' : 'fail' });
    for (const verdict of (0,compose_compose/* judgeServices */.ey)(await (0,compose_compose/* readServicesState */._1)(session, compose, connection, stack)))
        add(`service ${verdict.service}`, verdict.state, 'running, healthy where checked', verdict.ok);
    const health = (0,checks/* judgeHealthAnswer */.yw)(await (0,checks/* probeOnServer */.R7)(session, settings.healthUrl), 'healthy');
    add(`health-url ${settings.healthUrl}`, health.value, 'status healthy', health.ok);
    if (first.metricsUrl !== undefined) {
        const metrics = await (0,checks/* probeOnServer */.R7)(session, first.metricsUrl, 8 * 1024 * 1024);
        const samples = metrics.status >= 200 && metrics.status < 300 ? parseMetrics(metrics.body).length : 0;
        add(`metrics ${first.metricsUrl}`, metrics.status === 0
            ? `no answer (${metrics.error ?? 'unknown'})`
            : `HTTP ${metrics.status}, ${samples} samples`, 'Prometheus text', samples > 0);
    }
    if (first.backupContainer !== undefined) {
        const backup = (await dependencyChecks(session, {
            postgresContainer: undefined,
            redisContainer: undefined,
            backupContainer: first.backupContainer,
            appDir: connection.appDir,
            composeFile: connection.composeFile,
        }, undefined)).find((row) => row.check.startsWith('backup container') || row.check === 'dependencies');
        if (backup)
            add(backup.check, backup.value, 'running', backup.verdict === 'pass');
    }
    // The certificate as the preflight of this run read it (a deploy changes no certificate): its
    // row, or the preflight script's own failure row when it could not run (never nothing).
    const tls = preflightRows.find((row) => row.check.startsWith('tls-cert') || row.check === 'preflight');
    if (tls)
        rows.push({ ...tls, minimum: undefined, recommended: undefined });
    logRows(rows);
    return rows;
}


/***/ }),

/***/ 9248:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Dj: () => (/* binding */ reportDiagnostics),
/* harmony export */   E$: () => (/* binding */ redact),
/* harmony export */   R9: () => (/* binding */ collectDiagnostics),
/* harmony export */   ci: () => (/* binding */ MASK_FUNCTION),
/* harmony export */   dq: () => (/* binding */ LOG_LINES),
/* harmony export */   y$: () => (/* binding */ envFilesOf)
/* harmony export */ });
/* unused harmony exports DIAGNOSTICS_LIMIT, parseDiagnostics, diagnosticsText, diagnosticsMarkdown */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9680);
/* harmony import */ var _shell__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3238);
/* harmony import */ var _ssh_output__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(153);
/* harmony import */ var _summary_markdown__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8195);
/* harmony import */ var _workflow_commands__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(6165);
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
    const result = await session.exec((0,_shell__WEBPACK_IMPORTED_MODULE_3__/* .toSshCommand */ .Vf)(DIAGNOSTICS_SCRIPT, [
        place.appDir,
        place.composeFile,
        String(LOG_LINES),
        EVENTS_SINCE,
        request.services.join('\n'),
        ...envFilesOf(place),
        ...compose.command,
    ]), { echo: 'none', timeoutSeconds: 90, maxBytes: 4 * 1024 * 1024 });
    if (result.outcome.kind === 'cancelled')
        throw new _errors__WEBPACK_IMPORTED_MODULE_4__/* .CancelledError */ .cc('signal');
    const parsed = parseDiagnostics(result.stdout);
    return { ...base, ...parsed, services: withEarlier(parsed.services) };
}
/**
 * Masks what must never be shown: every value the action masked (keys, passwords, tokens), PEM
 * private keys, credentials in URLs, and the values of settings whose names say they are secret.
 */
function redact(text, secrets = (0,_workflow_commands__WEBPACK_IMPORTED_MODULE_5__/* .maskedValues */ .ql)()) {
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
    const text = (0,_ssh_output__WEBPACK_IMPORTED_MODULE_6__/* .inert */ .tJ)(redact(parts.join('\n\n')));
    return text.length <= DIAGNOSTICS_LIMIT
        ? text
        : `${text.slice(0, DIAGNOSTICS_LIMIT)}\n…(cut at ${DIAGNOSTICS_LIMIT} characters)`;
}
/** The report for the job summary: a collapsed section, every character escaped, in a <pre>. */
function diagnosticsMarkdown(diagnostics) {
    return (`\n<details><summary>Diagnostics (${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_7__/* .escapeHtml */ .ZD)(diagnostics.host)}: ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_7__/* .escapeHtml */ .ZD)(diagnostics.reason.slice(0, 200))})</summary>\n\n` +
        `<pre>${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_7__/* .escapeHtml */ .ZD)(diagnosticsText(diagnostics))}</pre>\n\n</details>\n`);
}
/**
 * Reports the diagnostics: in the log inside a command fence, in the job summary, and as files in
 * `RUNNER_TEMP` (the workflows upload the folder named by the `diagnostics` output as an artifact).
 */
async function reportDiagnostics(diagnostics, action) {
    if (diagnostics.length === 0)
        return;
    const fence = new _ssh_output__WEBPACK_IMPORTED_MODULE_6__/* .CommandFence */ .pF(_ssh_output__WEBPACK_IMPORTED_MODULE_6__/* .stdoutSink */ .XH);
    for (const entry of diagnostics)
        for (const line of diagnosticsText(entry).split('\n'))
            fence.line(line);
    fence.close();
    await _actions_core__WEBPACK_IMPORTED_MODULE_2__.summary.addRaw(diagnostics.map(diagnosticsMarkdown).join('')).write();
    const root = process.env.RUNNER_TEMP;
    if (root === undefined || root === '')
        return;
    const folder = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(root, `thinktank-diagnostics-${action}-${process.env.GITHUB_RUN_ID ?? process.pid}`);
    (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.mkdirSync)(folder, { recursive: true });
    diagnostics.forEach((entry, index) => (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.writeFileSync)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(folder, `${index + 1}-${entry.host.replace(/[^A-Za-z0-9._-]/g, '_')}.txt`), `${diagnosticsText(entry)}\n`));
    _actions_core__WEBPACK_IMPORTED_MODULE_2__.setOutput('diagnostics', folder);
}


/***/ }),

/***/ 9480:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bz: () => (/* binding */ CHECKOUT_STATE_SCRIPT),
/* harmony export */   OK: () => (/* binding */ resolveCommand),
/* harmony export */   On: () => (/* binding */ INIT_CHECKOUT_SCRIPT),
/* harmony export */   Qo: () => (/* binding */ headCommit),
/* harmony export */   Z8: () => (/* binding */ fetchRemote),
/* harmony export */   de: () => (/* binding */ EXCLUDE_SCRIPT),
/* harmony export */   k8: () => (/* binding */ checkoutCommand),
/* harmony export */   s9: () => (/* binding */ refCandidates)
/* harmony export */ });
/* unused harmony exports gitCommand, changedFiles */
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
const checkoutCommand = (appDir, sha) => gitCommand(appDir, ['checkout', '--quiet', '--detach', sha]);
const changedFiles = (appDir, from, to, path) => gitCommand(appDir, ['diff', '--name-only', `${from}..${to}`, '--', path]);
/** Keeps the state dir out of `git status` and `git clean` when it lies inside the checkout. */
const EXCLUDE_SCRIPT = `cd "$1" && f="$(git rev-parse --git-path info/exclude)" && mkdir -p "$(dirname "$f")" && { grep -qxF -- "$2" "$f" 2>/dev/null || printf '%s\\n' "$2" >> "$f"; }`;
/**
 * $1 app dir: prints `checkout` when it is the top of a git work tree with a commit checked out,
 * `absent` when it does not exist, else `not-a-checkout` and the names of up to 20 entries in it (a
 * repository a first deployment created but could not fetch into is not a checkout yet).
 */
const CHECKOUT_STATE_SCRIPT = `
[ -e "$1" ] || { echo absent; exit 0; }
top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null) && [ "$top" = "$(cd "$1" && pwd -P)" ] &&
  git -C "$1" rev-parse -q --verify 'HEAD^{commit}' >/dev/null && { echo checkout; exit 0; }
echo not-a-checkout
ls -A "$1" 2>/dev/null | head -n 20`;
/**
 * $1 app dir, $2 remote name, $3 repository: a repository in app-dir (created when missing) with the
 * remote set to the repository (again, on a retry), never a clone into it: files already there (the
 * state dir, a .env put there first) stay untracked, and a checkout refuses to overwrite any of them.
 * The server fetches with its own credentials.
 */
const INIT_CHECKOUT_SCRIPT = `
set -e
mkdir -p "$1"
cd "$1"
git init -q
if git remote get-url -- "$2" >/dev/null 2>&1; then git remote set-url -- "$2" "$3"; else git remote add -- "$2" "$3"; fi`;


/***/ }),

/***/ 8283:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   P: () => (/* binding */ GitHubDeployment),
/* harmony export */   n: () => (/* binding */ deploymentTarget)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_0__);
/**
 * GitHub Deployments for the environment: created when a deploy starts, then statuses in_progress,
 * success or failure, with environment_url and log_url. API errors (401, 403, 404, 422, rate limits)
 * are warnings: they never fail a deploy.
 */

/** Where the run is, from the runner's environment; undefined when no token or repository. */
function deploymentTarget(token, environment, environmentUrl) {
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    if (token === undefined || token === '' || repository === '')
        return undefined;
    const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
    const runId = process.env.GITHUB_RUN_ID;
    return {
        token,
        apiUrl: (process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, ''),
        repository,
        environment,
        productionEnvironment: /^prod/i.test(environment),
        environmentUrl,
        logUrl: runId ? `${server}/${repository}/actions/runs/${runId}` : undefined,
    };
}
async function call(target, path, body) {
    try {
        const response = await fetch(`${target.apiUrl}/repos/${target.repository}${path}`, {
            method: 'POST',
            headers: {
                accept: 'application/vnd.github+json',
                authorization: `Bearer ${target.token}`,
                'content-type': 'application/json',
                'x-github-api-version': '2022-11-28',
                'user-agent': 'thinktank-deploy-actions',
            },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(15_000),
        });
        if (!response.ok) {
            const limited = response.headers.get('x-ratelimit-remaining') === '0';
            _actions_core__WEBPACK_IMPORTED_MODULE_0__.warning(`GitHub deployment API: POST ${path} answered ${response.status}${limited ? ' (rate limit)' : ''}; the deploy goes on`);
            return undefined;
        }
        return (await response.json());
    }
    catch (error) {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.warning(`GitHub deployment API unreachable (${error.message}); the deploy goes on`);
        return undefined;
    }
}
class GitHubDeployment {
    target;
    id;
    constructor(target, id) {
        this.target = target;
        this.id = id;
    }
    /** Creates the deployment and sets it in_progress; undefined (with a warning) when the API says no. */
    static async start(target, ref, description) {
        if (target === undefined)
            return undefined;
        const created = await call(target, '/deployments', {
            ref,
            environment: target.environment,
            auto_merge: false,
            required_contexts: [],
            production_environment: target.productionEnvironment,
            description: description.slice(0, 140),
        });
        if (created?.id === undefined)
            return undefined;
        const deployment = new GitHubDeployment(target, created.id);
        await deployment.status('in_progress', description);
        return deployment;
    }
    async status(state, description) {
        await call(this.target, `/deployments/${this.id}/statuses`, {
            state,
            description: description.slice(0, 140),
            ...(this.target.environmentUrl ? { environment_url: this.target.environmentUrl } : {}),
            ...(this.target.logUrl ? { log_url: this.target.logUrl } : {}),
            auto_inactive: true,
        });
    }
}


/***/ }),

/***/ 993:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   R7: () => (/* binding */ probeOnServer),
/* harmony export */   Zy: () => (/* binding */ scriptFailedRow),
/* harmony export */   yw: () => (/* binding */ judgeHealthAnswer)
/* harmony export */ });
/* unused harmony exports probeFromRunner, checkServer, checkServerOnce, runHealthChecks, checkHosts */
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9680);
/* harmony import */ var _shell__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3238);
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
    const result = await session.exec((0,_shell__WEBPACK_IMPORTED_MODULE_1__/* .toSshCommand */ .Vf)(PROBE_SCRIPT, [url, String(PROBE_TIMEOUT_SECONDS)]), {
        echo: 'none',
        timeoutSeconds: PROBE_TIMEOUT_SECONDS + 20,
        maxBytes,
    });
    if (result.outcome.kind === 'cancelled')
        throw new _errors__WEBPACK_IMPORTED_MODULE_2__/* .CancelledError */ .cc('signal');
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


/***/ }),

/***/ 264:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AE: () => (/* binding */ describeInterrupted),
/* harmony export */   Gr: () => (/* binding */ appendRelease),
/* harmony export */   L3: () => (/* binding */ GOOD_RESULTS),
/* harmony export */   ND: () => (/* binding */ interruptedRuns),
/* harmony export */   Yq: () => (/* binding */ parseReleases),
/* harmony export */   hw: () => (/* binding */ releasesOnly),
/* harmony export */   tl: () => (/* binding */ readReleases)
/* harmony export */ });
/* harmony import */ var _shell__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3238);
/**
 * The release ledger: `<state-dir>/releases.jsonl`, one JSON object per line (contract: "State on
 * the server"). It is a journal, not a belief: a run appends `started` before its first change and
 * its result after, so a `started` with no result marks a run that was interrupted. Nothing decides
 * what runs from it; the live state does.
 */

/** $1 state dir, $2 the line; appended with one write, so a reader never sees half a line. */
const APPEND_SCRIPT = `mkdir -p -- "$1" && printf '%s\\n' "$2" >> "$1/releases.jsonl"`;
const READ_SCRIPT = `if [ -f "$1/releases.jsonl" ]; then tail -n "$2" "$1/releases.jsonl"; fi`;
async function appendRelease(session, stateDir, release) {
    await session.run((0,_shell__WEBPACK_IMPORTED_MODULE_0__/* .toSshCommand */ .Vf)(APPEND_SCRIPT, [stateDir, JSON.stringify(release)]), 'appending to the release ledger', 
    // A cancelled run still records that it was cancelled, before it lets go of the lock.
    { echo: 'stderr', timeoutSeconds: 60, keepOnCancel: release.result === 'cancelled' });
}
/** The newest `count` entries, oldest first; lines that are not JSON are skipped. */
async function readReleases(session, stateDir, count = 200) {
    const text = await session.run((0,_shell__WEBPACK_IMPORTED_MODULE_0__/* .toSshCommand */ .Vf)(READ_SCRIPT, [stateDir, String(count)]), 'reading the release ledger', {
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
function interruptedRuns(releases) {
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
function describeInterrupted(release) {
    return (`run ${release.run_id ?? '?'} by ${release.actor}, ${doing(release)} ` +
        `${release.ref.slice(0, 12)}, ${release.result === 'cancelled' ? 'was cancelled' : 'was interrupted'} ` +
        `(${release.result === 'cancelled' ? 'at' : 'started'} ${release.time}${release.run_url ? `, ${release.run_url}` : ''})`);
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


/***/ }),

/***/ 8887:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Py: () => (/* binding */ MigrationError),
  rj: () => (/* binding */ applyMigration),
  cW: () => (/* binding */ parseRevisions),
  wh: () => (/* binding */ prepareMigration),
  GD: () => (/* binding */ runMigration)
});

// UNUSED EXPORTS: alembicCommandLine, backupNamed, currentRevision, listDestructive

// EXTERNAL MODULE: ./packages/shared/src/compose/compose.ts
var compose = __webpack_require__(364);
// EXTERNAL MODULE: ./packages/shared/src/errors.ts
var errors = __webpack_require__(9680);
// EXTERNAL MODULE: ./packages/shared/src/shell.ts
var shell = __webpack_require__(3238);
// EXTERNAL MODULE: ./packages/shared/src/ssh/session.ts
var session = __webpack_require__(6538);
// EXTERNAL MODULE: ./packages/shared/src/ssh/output.ts
var ssh_output = __webpack_require__(153);
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
class MigrationError extends Error {
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
    return (0,ssh_output/* inert */.tJ)(found.map((statement) => `  ${statement.kind}: ${statement.statement}`).join('\n'));
}
/** The text sent over SSH to run `alembic <args>`. */
function alembicCommandLine(place, settings, args) {
    const script = `${settings.alembicCommand} ${args.map(shell/* quote */.hD).join(' ')}`;
    if (settings.migrateService === undefined)
        return (0,shell/* toSshCommand */.Vf)(`cd "$1" && ${script}`, [place.appDir]);
    // Labelled with the run's token: a container whose client was stopped (a cancel, a timeout, a
    // lost connection) keeps running the migration, so it is found and removed by that label.
    const label = `${session/* RUN_LABEL */.jQ}=${place.session.runToken}`;
    if (place.oneOff !== undefined)
        return (0,shell/* commandLine */.ay)(place.oneOff(label, ['sh', '-c', script]));
    if (place.compose === undefined)
        throw new Error('migrate-service is set but no compose command was detected');
    return (0,shell/* commandLine */.ay)((0,compose/* composeCommand */.ec)(place.compose, place, ['run', '--rm', '--no-deps', '-T', '--label', label, settings.migrateService, 'sh', '-c', script], place.env));
}
/** Removes the one-off containers this run started and left behind (its client was stopped). */
async function removeLeftoverContainers(place) {
    await place.session.exec((0,shell/* toSshCommand */.Vf)('ids=$(docker ps -aq --filter "label=$1") && [ -n "$ids" ] && docker rm -f $ids >/dev/null; exit 0', [`${session/* RUN_LABEL */.jQ}=${place.session.runToken}`]), { echo: 'none', keepOnCancel: true, timeoutSeconds: 60 });
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
        throw new session/* RemoteCommandError */.at(place.session.label, what, result);
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
    return named === undefined ? undefined : (0,ssh_output/* inert */.tJ)(named);
}
/** Preview, guard and backup, then the migration itself: runbook §4 in one call. */
async function runMigration(place, settings, request, log, knownRevision) {
    const prepared = await prepareMigration(place, settings, request, log, knownRevision);
    return prepared.done ?? applyMigration(place, settings, request, prepared, log);
}
/**
 * The checks before a migration: heads and the current revision (asked side by side; the revision
 * may be one the run read under its lock moments ago), the SQL preview of exactly the range to apply,
 * and the destructive guard. They need the release's code but not its images or services, so a deploy
 * runs them during the build where alembic runs on the host. The backup is taken by applyMigration,
 * right before the migration, so it holds every write up to it.
 */
async function prepareMigration(place, settings, request, log, knownRevision) {
    const [heads, revisionBefore] = await Promise.all([
        alembic(place, settings, ['heads'], 'alembic heads').then(parseRevisions),
        knownRevision ?? currentRevision(place, settings),
    ]);
    if (heads.length > 1) {
        throw new MigrationError(`the migrations have ${heads.length} heads (${heads.join(', ')}): merge them (alembic merge) before deploying`, {});
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
            throw new MigrationError(`the SQL preview (alembic ${request.direction} ${range} --sql) ${(0,session/* describeOutcome */.SS)(preview.outcome)}; nothing was applied`, {
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
                throw new MigrationError(`${(0,errors/* errorMessage */.gJ)(error)}; the SQL was not classified, nothing was applied`, {
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
            throw new MigrationError(`the migration is destructive (${[...new Set(destructive.map((found) => found.kind))].join(', ')}) and allow-destructive is false; ` +
                'nothing was applied, no backup was taken', { ...base, revisionAfter: revisionBefore, applied: false });
        }
    }
    if (request.preview || upToDate) {
        return { base, done: { ...base, revisionAfter: revisionBefore, backup: undefined, applied: false } };
    }
    return { base, done: undefined };
}
/** The backup, the migration itself, then the revision it left the database at. */
async function applyMigration(place, settings, request, prepared, log) {
    const { base } = prepared;
    const { revisionBefore } = base;
    let backup;
    if (settings.backup) {
        try {
            const output = await place.session.run((0,shell/* toSshCommand */.Vf)(`cd "$1" && ${settings.backupCommand}`, [place.appDir]), 'the backup command', {
                echo: 'all',
            });
            backup = backupNamed(output);
            log(`backup taken: ${backup ?? '(the backup command named no file)'}`);
        }
        catch (error) {
            if (!(error instanceof session/* RemoteCommandError */.at))
                throw error;
            throw new MigrationError(`${error.message}\nthe backup failed, so nothing was migrated`, {
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
        throw new MigrationError(`alembic ${request.direction} ${request.target} ${(0,session/* describeOutcome */.SS)(applied.outcome)}` +
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


/***/ }),

/***/ 3238:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $E: () => (/* binding */ withRunToken),
/* harmony export */   Vf: () => (/* binding */ toSshCommand),
/* harmony export */   ay: () => (/* binding */ commandLine),
/* harmony export */   hD: () => (/* binding */ quote),
/* harmony export */   y9: () => (/* binding */ renderScript)
/* harmony export */ });
/* unused harmony export quoteArgv */
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


/***/ }),

/***/ 9600:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   y: () => (/* binding */ sleep)
/* harmony export */ });
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9680);

/** Waits `ms`, or rejects with CancelledError as soon as the run is cancelled. */
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(new _errors__WEBPACK_IMPORTED_MODULE_0__/* .CancelledError */ .cc(String(signal.reason ?? 'signal')));
        const timer = setTimeout(done, ms);
        function done() {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }
        function onAbort() {
            clearTimeout(timer);
            reject(new _errors__WEBPACK_IMPORTED_MODULE_0__/* .CancelledError */ .cc(String(signal?.reason ?? 'signal')));
        }
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}


/***/ }),

/***/ 2626:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GC: () => (/* binding */ onFirstHost),
/* harmony export */   Nb: () => (/* binding */ fleetError),
/* harmony export */   SS: () => (/* binding */ fleetFailures),
/* harmony export */   Uv: () => (/* binding */ rethrowSingle),
/* harmony export */   nY: () => (/* binding */ forEachHost),
/* harmony export */   xP: () => (/* binding */ isFleet)
/* harmony export */ });
/* unused harmony export batchesOf */
/* harmony import */ var node_events__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8474);
/* harmony import */ var node_events__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_events__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9680);
/* harmony import */ var _host_log__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9449);
/* harmony import */ var _session__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6538);
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
    (0,node_events__WEBPACK_IMPORTED_MODULE_0__.setMaxListeners)(Math.max(10, connection.maxParallel * 4), signal);
    const passed = options.passed ?? (() => true);
    const fleet = isFleet(connection);
    const bastion = connection.jumpHost === undefined ? undefined : new _session__WEBPACK_IMPORTED_MODULE_2__/* .Bastion */ .z_(connection, { signal });
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
                _actions_core__WEBPACK_IMPORTED_MODULE_1__.info(number === 0 && connection.canary && batches.length > 1
                    ? `canary: ${names}`
                    : `batch ${number + 1} of ${batches.length}: ${names}`);
            }
            const done = await Promise.all(batch.map(({ endpoint, index }) => {
                const run = () => runOnHost(connection, endpoint, index, bastion, signal, work, passed);
                return fleet ? (0,_host_log__WEBPACK_IMPORTED_MODULE_3__/* .withHostLabel */ .tL)(endpoint.label, run) : run();
            }));
            for (const [at, run] of done.entries())
                runs[batch[at].index] = run;
            const failed = done.filter((run) => run.result !== 'success');
            if (failed.length > 0 && !options.keepGoing && number < batches.length - 1) {
                const later = batches.slice(number + 1).flat().length;
                const names = failed.map((run) => `${run.host} ${run.result}`).join(', ');
                stopped = `${names} before it`;
                _actions_core__WEBPACK_IMPORTED_MODULE_1__.error(`${names}: ${later === 1 ? 'the host after it is not started and stays as it is' : `the ${later} hosts after it are not started and stay as they are`}`);
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
        session = await _session__WEBPACK_IMPORTED_MODULE_2__/* .SshSession */ .vM.open(connection, endpoint, { signal, warn: (message) => _actions_core__WEBPACK_IMPORTED_MODULE_1__.warning(message) }, bastion);
        _actions_core__WEBPACK_IMPORTED_MODULE_1__.info(`connected to ${endpoint.username}@${endpoint.label} in ${Date.now() - started} ms`);
    }
    catch (error) {
        const cancelled = error instanceof _errors__WEBPACK_IMPORTED_MODULE_4__/* .CancelledError */ .cc || signal.aborted;
        // Said outside the host's log context: the message names the host itself.
        if (isFleet(connection) && !cancelled)
            (0,_host_log__WEBPACK_IMPORTED_MODULE_3__/* .outsideHostLog */ .UH)(() => _actions_core__WEBPACK_IMPORTED_MODULE_1__.error(`${endpoint.label} is unreachable: ${(0,_errors__WEBPACK_IMPORTED_MODULE_4__/* .errorMessage */ .gJ)(error)}`));
        return {
            host: endpoint.label,
            result: cancelled ? 'cancelled' : error instanceof _session__WEBPACK_IMPORTED_MODULE_2__/* .ConnectError */ .T$ ? 'unreachable' : 'failed',
            seconds: seconds(),
            error: (0,_errors__WEBPACK_IMPORTED_MODULE_4__/* .errorMessage */ .gJ)(error),
            cause: error,
        };
    }
    try {
        const value = await work(session, index);
        return { host: endpoint.label, result: passed(value) ? 'success' : 'failed', seconds: seconds(), value };
    }
    catch (error) {
        const cancelled = error instanceof _errors__WEBPACK_IMPORTED_MODULE_4__/* .CancelledError */ .cc || signal.aborted;
        if (isFleet(connection) && !cancelled)
            _actions_core__WEBPACK_IMPORTED_MODULE_1__.error((0,_errors__WEBPACK_IMPORTED_MODULE_4__/* .errorMessage */ .gJ)(error));
        return {
            host: endpoint.label,
            result: cancelled ? 'cancelled' : 'failed',
            seconds: seconds(),
            error: (0,_errors__WEBPACK_IMPORTED_MODULE_4__/* .errorMessage */ .gJ)(error),
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
    return failed.length > 0 && failed.every((run) => run.cause instanceof _errors__WEBPACK_IMPORTED_MODULE_4__/* .LockTimeoutError */ .XB)
        ? new _errors__WEBPACK_IMPORTED_MODULE_4__/* .LockTimeoutError */ .XB(message)
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
        _actions_core__WEBPACK_IMPORTED_MODULE_1__.info(`${connection.targets.length} hosts given: this runs once, on ${connection.targets[0].label}`);
    const runs = await forEachHost({ ...connection, targets: connection.targets.slice(0, 1) }, { signal }, work);
    rethrowSingle(runs);
    return runs[0].value;
}


/***/ }),

/***/ 9449:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   UH: () => (/* binding */ outsideHostLog),
/* harmony export */   tL: () => (/* binding */ withHostLabel),
/* harmony export */   vy: () => (/* binding */ hostLabel)
/* harmony export */ });
/* unused harmony exports labelLine, labelling */
/* harmony import */ var node_async_hooks__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6698);
/* harmony import */ var node_async_hooks__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_async_hooks__WEBPACK_IMPORTED_MODULE_0__);
/**
 * Log lines of a fleet's hosts, worked on side by side: every line written to stdout while a host's
 * work runs is prefixed with that host's label, whichever code wrote it (ours, @actions/core, a
 * session). Workflow commands keep working: an annotation carries the label in its message, a
 * group becomes a plain line (groups of hosts running at once would interleave), a mask stays a mask.
 */

const current = new node_async_hooks__WEBPACK_IMPORTED_MODULE_0__.AsyncLocalStorage();
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


/***/ }),

/***/ 153:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   DU: () => (/* binding */ LineChunker),
/* harmony export */   GI: () => (/* binding */ BoundedBuffer),
/* harmony export */   IM: () => (/* binding */ eachLine),
/* harmony export */   XH: () => (/* binding */ stdoutSink),
/* harmony export */   eb: () => (/* binding */ TailLines),
/* harmony export */   pF: () => (/* binding */ CommandFence),
/* harmony export */   tJ: () => (/* binding */ inert)
/* harmony export */ });
/* unused harmony export LineSplitter */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6193);
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_string_decoder__WEBPACK_IMPORTED_MODULE_1__);
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
        const token = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)();
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
    decoder = new node_string_decoder__WEBPACK_IMPORTED_MODULE_1__.StringDecoder('utf8');
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
        const token = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)();
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


/***/ }),

/***/ 6538:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   SS: () => (/* binding */ describeOutcome),
/* harmony export */   T$: () => (/* binding */ ConnectError),
/* harmony export */   at: () => (/* binding */ RemoteCommandError),
/* harmony export */   jQ: () => (/* binding */ RUN_LABEL),
/* harmony export */   vM: () => (/* binding */ SshSession),
/* harmony export */   z_: () => (/* binding */ Bastion)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var ssh2__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5472);
/* harmony import */ var ssh2__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(ssh2__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(9680);
/* harmony import */ var _known_hosts__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3375);
/* harmony import */ var _output__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(153);
/* harmony import */ var _sleep__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9600);
/* harmony import */ var _host_log__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9449);
/* harmony import */ var _shell__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(3238);
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
    runToken = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)();
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
            if ((0,_known_hosts__WEBPACK_IMPORTED_MODULE_2__/* .hasPins */ .Z9)(hop.pins))
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
                await (0,_sleep__WEBPACK_IMPORTED_MODULE_3__/* .sleep */ .y)(delay, hooks.signal);
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
        const sink = this.hooks.sink ?? _output__WEBPACK_IMPORTED_MODULE_4__/* .stdoutSink */ .XH;
        // A fleet's hosts log side by side: their lines carry the host's label, made inert line by line,
        // since fences of hosts running at once would interleave (one host's end would reopen commands
        // in the middle of another's output).
        const label = (0,_host_log__WEBPACK_IMPORTED_MODULE_5__/* .hostLabel */ .vy)();
        const prefix = label === undefined ? '' : `${label} | `;
        const fence = new _output__WEBPACK_IMPORTED_MODULE_4__/* .CommandFence */ .pF(sink);
        const stdout = new _output__WEBPACK_IMPORTED_MODULE_4__/* .BoundedBuffer */ .GI(options.maxBytes ?? DEFAULT_MAX_BYTES);
        const stderr = new _output__WEBPACK_IMPORTED_MODULE_4__/* .BoundedBuffer */ .GI(0);
        const stderrTail = new _output__WEBPACK_IMPORTED_MODULE_4__/* .TailLines */ .eb(20);
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
            this.client.exec((0,_shell__WEBPACK_IMPORTED_MODULE_6__/* .withRunToken */ .$E)(command, this.runToken), (error, stream) => {
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
                        (0,_host_log__WEBPACK_IMPORTED_MODULE_5__/* .outsideHostLog */ .UH)(() => sink.write(text));
                    echoed = '';
                };
                const asLine = (line) => (prefix === '' ? `${line}\n` : `${prefix}${(0,_output__WEBPACK_IMPORTED_MODULE_4__/* .inert */ .tJ)(line)}\n`);
                const echoLines = (text) => {
                    if (prefix === '')
                        echoed += text;
                    else
                        (0,_output__WEBPACK_IMPORTED_MODULE_4__/* .eachLine */ .IM)(text, (line) => (echoed += asLine(line)));
                };
                const outLines = new _output__WEBPACK_IMPORTED_MODULE_4__/* .LineChunker */ .DU((text) => {
                    const onLine = options.onStdoutLine;
                    if (onLine === undefined) {
                        if (echo === 'all')
                            echoLines(text);
                        return;
                    }
                    (0,_output__WEBPACK_IMPORTED_MODULE_4__/* .eachLine */ .IM)(text, (line) => {
                        writeEchoed();
                        onLine(line);
                        if (echo === 'all')
                            echoed += asLine(line);
                    });
                });
                const errLines = new _output__WEBPACK_IMPORTED_MODULE_4__/* .LineChunker */ .DU((text) => {
                    const onLine = options.onStderrLine;
                    if (onLine === undefined) {
                        stderrTail.pushLines(text);
                        if (echo !== 'none')
                            echoLines(text);
                        return;
                    }
                    (0,_output__WEBPACK_IMPORTED_MODULE_4__/* .eachLine */ .IM)(text, (line) => {
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
            throw new _errors__WEBPACK_IMPORTED_MODULE_7__/* .CancelledError */ .cc(String(this.hooks.signal?.reason ?? 'signal'));
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
            const opening = (0,_host_log__WEBPACK_IMPORTED_MODULE_5__/* .outsideHostLog */ .UH)(() => connectOnce(this.settings, jump, jump.username, undefined, this.hooks));
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
        const client = new ssh2__WEBPACK_IMPORTED_MODULE_1__.Client();
        let hostKeyProblem;
        const verify = (key) => {
            const verdict = (0,_known_hosts__WEBPACK_IMPORTED_MODULE_2__/* .verifyHostKey */ .Hj)(endpoint.pins, key);
            if (verdict === 'accepted')
                return true;
            // insecure-ignore-host-key covers hosts without any pin; a pin that is given is always enforced.
            if (settings.insecureIgnoreHostKey && !(0,_known_hosts__WEBPACK_IMPORTED_MODULE_2__/* .hasPins */ .Z9)(endpoint.pins) && verdict !== 'revoked')
                return true;
            const name = endpoint === settings.jumpHost ? `jump host ${endpoint.label}` : endpoint.label;
            hostKeyProblem =
                verdict === 'revoked'
                    ? `the host key of ${name} (${(0,_known_hosts__WEBPACK_IMPORTED_MODULE_2__/* .fingerprintOf */ .ax)(key)}) is marked @revoked in known-hosts`
                    : `the host key of ${name} (${(0,_known_hosts__WEBPACK_IMPORTED_MODULE_2__/* .fingerprintOf */ .ax)(key)}) matches no pinned key: nothing was sent; ` +
                        'if the server was rebuilt, take its new key out of band and update known-hosts or host-fingerprint';
            return false;
        };
        const algorithms = (0,_known_hosts__WEBPACK_IMPORTED_MODULE_2__/* .hasPins */ .Z9)(endpoint.pins) ? (0,_known_hosts__WEBPACK_IMPORTED_MODULE_2__/* .hostKeyAlgorithms */ .Qb)(endpoint.pins) : undefined;
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
            reject(new _errors__WEBPACK_IMPORTED_MODULE_7__/* .CancelledError */ .cc(String(hooks.signal?.reason ?? 'signal')));
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


/***/ }),

/***/ 8195:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Mm: () => (/* binding */ bounded),
/* harmony export */   ZD: () => (/* binding */ escapeHtml),
/* harmony export */   l: () => (/* binding */ checksTables),
/* harmony export */   lA: () => (/* binding */ planSection),
/* harmony export */   tp: () => (/* binding */ table)
/* harmony export */ });
/* unused harmony export SUMMARY_LIMIT */
/* harmony import */ var _shell__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3238);

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
        .map((step, index) => `${index + 1}. ${escapeHtml(step.title)}${step.command ? `\n   \`${escapeHtml((0,_shell__WEBPACK_IMPORTED_MODULE_0__/* .renderScript */ .y9)(step.command))}\`` : ''}`)
        .join('\n')}`;
}


/***/ }),

/***/ 9197:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   IG: () => (/* binding */ inStartOrder),
/* harmony export */   mU: () => (/* binding */ timelineGantt)
/* harmony export */ });
/* unused harmony exports MAX_CHART_STAGES, formatSeconds, mermaidText, timelineText */
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


/***/ })

};
;