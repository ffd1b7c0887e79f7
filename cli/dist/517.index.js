"use strict";
exports.id = 517;
exports.ids = [517];
exports.modules = {

/***/ 2517:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   main: () => (/* binding */ main)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9692);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2626);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8283);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(3108);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(3360);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(7133);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(9248);


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
        return (await __webpack_require__.e(/* import() */ 178).then(__webpack_require__.bind(__webpack_require__, 1178))).swarmMain(settings, context);
    const { signal } = context;
    const { connection } = settings;
    const started = Date.now();
    const holder = (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_1__/* .holderFromEnvironment */ .Qh)(connection.environment, 'deploy');
    const triggering = process.env.GITHUB_TRIGGERING_ACTOR;
    const fleet = (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_2__/* .isFleet */ .xP)(connection);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(`deploy of ${settings.ref} to ${connection.environment}` +
        (fleet ? ` (${connection.targets.length} hosts, ${connection.maxParallel} at a time)` : '') +
        ` requested by ${holder.actor}` +
        (triggering && triggering !== holder.actor ? ` (triggered by ${triggering})` : ''));
    // One GitHub deployment for the run, started once the first host's lock is held.
    let deployment;
    const startDeployment = () => (deployment ??= connection.dryRun
        ? Promise.resolve(undefined)
        : _thinktank_shared__WEBPACK_IMPORTED_MODULE_3__/* .GitHubDeployment */ .P.start((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_3__/* .deploymentTarget */ .n)(connection.githubToken, connection.environment), settings.ref, `deploy ${settings.ref}`));
    // A shared database is migrated by the first host only, before any host restarts: the first host
    // then goes alone even without a canary.
    const migratesOnce = fleet && settings.migrateScope === 'fleet';
    const runs = await (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_2__/* .forEachHost */ .nY)(connection, { signal, passed, firstAlone: migratesOnce && settings.migrate !== 'false' }, (session, index) => (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_1__/* .withDeployLock */ .Jg)(session, connection, settings.lockTimeoutSeconds, holder, async () => {
        await startDeployment();
        const own = migratesOnce && index > 0 ? { ...settings, migrate: 'false' } : settings;
        if (own !== settings)
            _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(`migrate-scope fleet: the first host ${connection.dryRun ? 'would migrate' : 'migrated'} the shared database`);
        const outcome = await (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_4__/* .runDeploy */ .zt)(own, {
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
        await _actions_core__WEBPACK_IMPORTED_MODULE_0__.summary.addRaw((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_5__/* .fleetSummary */ .N)('Deploy', connection.environment, runs)).write();
    for (const run of runs)
        if (run.value !== undefined)
            await _actions_core__WEBPACK_IMPORTED_MODULE_0__.summary.addRaw((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_6__/* .deploySummary */ .e)(run.value, connection.environment, run.host)).write();
    await (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_7__/* .reportDiagnostics */ .Dj)(outcomes.flatMap((outcome) => outcome.diagnostics), 'deploy');
    const ok = runs.every((run) => run.result === 'success');
    const first = runs[0].value;
    if (first !== undefined) {
        // The first host's commits and tag; each host's own are in the report.
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('previous-ref', first.previousRef);
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('deployed-ref', first.deployedRef);
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('attempted-ref', first.attemptedRef);
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('image-tag', first.deployedRef === first.attemptedRef ? first.imageTag : first.previousImageTag);
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('migrated', String(outcomes.some((outcome) => outcome.migrated)));
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('rolled-back', String(outcomes.some((outcome) => outcome.rolledBack)));
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('duration-seconds', String(fleet ? Math.round((Date.now() - started) / 1000) : first.durationSeconds));
    }
    if (fleet) {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('report', JSON.stringify({
            ...(first === undefined ? {} : reported(first)),
            hosts: runs.map(({ cause: _cause, value, ...run }) => ({
                ...run,
                ...(value === undefined ? {} : { outcome: reported(value) }),
            })),
        }));
    }
    else if (first !== undefined)
        _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('report', JSON.stringify(reported(first)));
    await githubDeployment?.status(ok ? 'success' : 'failure', fleet
        ? `${runs.filter((run) => run.result === 'success').length} of ${runs.length} hosts deployed`
        : `${first?.result}: ${first?.deployedRef.slice(0, 12)}`);
    (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_2__/* .rethrowSingle */ .Uv)(runs);
    if (!ok) {
        if (!fleet && first !== undefined) {
            throw new Error(first.rolledBack
                ? `deploy of ${first.attemptedRef.slice(0, 12)} failed and was rolled back to ${first.deployedRef.slice(0, 12)}: ${first.failure}`
                : `deploy of ${first.attemptedRef.slice(0, 12)} failed: ${first.failure}`);
        }
        throw (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_2__/* .fleetError */ .Nb)(`deploy to the fleet failed: ${(0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_2__/* .fleetFailures */ .SS)(runs, (outcome) => outcome.failure)}`, runs);
    }
}


/***/ })

};
;