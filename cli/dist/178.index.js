"use strict";
exports.id = 178;
exports.ids = [178];
exports.modules = {

/***/ 1178:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   swarmMain: () => (/* binding */ swarmMain)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9692);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2626);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8283);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(2415);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(744);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(153);


/** orchestrator swarm: `docker stack deploy` on the manager, waited for until Swarm converged. */
async function swarmMain(settings, { signal }) {
    const { connection } = settings;
    const holder = (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_1__/* .holderFromEnvironment */ .Qh)(connection.environment, 'deploy');
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(`swarm deploy of ${settings.ref} (image tag ${settings.imageTag ?? ''}) to stack ${connection.stackName} ` +
        `in ${connection.environment} requested by ${holder.actor}`);
    const outcome = await (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_2__/* .onFirstHost */ .GC)(connection, signal, (session) => (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_1__/* .withDeployLock */ .Jg)(session, connection, settings.lockTimeoutSeconds, holder, async () => {
        const deployment = connection.dryRun
            ? undefined
            : await _thinktank_shared__WEBPACK_IMPORTED_MODULE_3__/* .GitHubDeployment */ .P.start((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_3__/* .deploymentTarget */ .n)(connection.githubToken, connection.environment), settings.ref, `deploy ${settings.ref}`);
        let outcome;
        try {
            outcome = await (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_4__/* .runSwarmDeploy */ .X5)(settings, {
                session,
                signal,
                actor: holder.actor,
                runUrl: holder.run_url,
                runId: holder.run_id,
            });
        }
        catch (error) {
            // Not a deployment left "in progress" for ever.
            await deployment?.status('failure', 'deploy failed');
            throw error;
        }
        await deployment?.status(outcome.result === 'success' ? 'success' : 'failure', `${outcome.result}: ${outcome.deployedRef.slice(0, 12)}`);
        await _actions_core__WEBPACK_IMPORTED_MODULE_0__.summary.addRaw((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_5__/* .swarmSummary */ .P)(outcome, connection.environment, session.label)).write();
        return outcome;
    }, { signal }));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('previous-ref', outcome.previousRef);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('deployed-ref', outcome.deployedRef);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('attempted-ref', outcome.attemptedRef);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('image-tag', outcome.deployedImageTag);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('migrated', String(outcome.migrated));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('rolled-back', String(outcome.rolledBack));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('duration-seconds', String(outcome.durationSeconds));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('report', JSON.stringify({ orchestrator: 'swarm', ...outcome }));
    if (outcome.failure !== undefined) {
        const what = `swarm deploy of ${outcome.attemptedRef.slice(0, 12)} (${outcome.imageTag}) failed`;
        throw new Error((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_6__/* .inert */ .tJ)(outcome.rolledBack
            ? `${what} and was rolled back to ${outcome.deployedRef.slice(0, 12)} (${outcome.deployedImageTag}): ${outcome.failure}`
            : `${what}: ${outcome.failure}${outcome.notes.length > 0 ? ` (${outcome.notes.join('; ')})` : ''}`));
    }
}


/***/ }),

/***/ 744:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   P: () => (/* binding */ swarmSummary)
/* harmony export */ });
/* harmony import */ var _deploy_deploy__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3108);
/* harmony import */ var _summary_markdown__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8195);
/* harmony import */ var _summary_timeline__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9197);
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
        `## ${what} of stack ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(outcome.stack)} to ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(environment)} (Swarm manager ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(host)}): ${outcome.dryRun ? '🔎 dry run: nothing changed' : HEADLINE[outcome.result]}`,
        (0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .table */ .tp)(['', 'commit', 'image tag'], [
            ['before', outcome.previousRef, outcome.previousImageTag],
            [outcome.dryRun ? 'planned' : 'attempted', outcome.attemptedRef, outcome.imageTag],
            ['running now', outcome.deployedRef, outcome.deployedImageTag],
        ]),
    ];
    if (outcome.failure)
        parts.push(`**What failed:** ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(outcome.failure)}`);
    for (const note of outcome.notes)
        parts.push(`> [!WARNING]\n> ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(note)}`);
    if (!outcome.dryRun && outcome.stages.length > 0)
        parts.push((0,_summary_timeline__WEBPACK_IMPORTED_MODULE_1__/* .timelineGantt */ .mU)(outcome.stages, `${what} stages`));
    if (outcome.services.length > 0)
        parts.push(`### Services\n\n${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .table */ .tp)(['service', 'image', 'replicas', 'state'], outcome.services.map((service) => [
            service.service,
            service.image,
            `${service.running}/${service.desired}`,
            `${service.phase === 'converged' ? '✅' : service.phase === 'failed' ? '❌' : '⏳'} ${service.state}`,
        ]))}`);
    if (outcome.health)
        parts.push(`health-url: ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(outcome.health)}`);
    if (outcome.migration) {
        const migration = outcome.migration;
        parts.push([
            '### Migration\n',
            `- revision: ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(migration.revisionBefore || '(base)')} → ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(migration.revisionAfter || '(base)')}${migration.applied ? '' : ' (not applied)'}`,
            `- backup: ${(0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .escapeHtml */ .ZD)(migration.backup ?? 'none taken')}`,
        ].join('\n'));
    }
    if (outcome.dryRun)
        parts.push((0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .planSection */ .lA)(outcome.plan));
    parts.push(`Total time: ${outcome.durationSeconds}s`);
    if (!outcome.dryRun && outcome.result === 'success' && outcome.previousRef !== '')
        parts.push(`To roll back:\n\n\`\`\`sh\n${(0,_deploy_deploy__WEBPACK_IMPORTED_MODULE_2__/* .rollbackCommand */ .Ct)(environment, outcome.previousRef)}\n\`\`\``);
    return (0,_summary_markdown__WEBPACK_IMPORTED_MODULE_0__/* .bounded */ .Mm)(`${parts.join('\n\n')}\n`);
}


/***/ })

};
;