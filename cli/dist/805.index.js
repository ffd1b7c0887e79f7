"use strict";
exports.id = 805;
exports.ids = [805];
exports.modules = {

/***/ 805:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   swarmMain: () => (/* binding */ swarmMain)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7484);
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(_actions_core__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9692);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2626);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2415);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(744);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(8283);
/* harmony import */ var _thinktank_shared__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(153);


/** orchestrator swarm: the ledger's release (commit and image tag) redeployed with `docker stack deploy`. */
async function swarmMain(settings, { signal }) {
    const { connection } = settings.deploy;
    const holder = (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_1__/* .holderFromEnvironment */ .Qh)(connection.environment, 'rollback');
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(`swarm rollback of stack ${connection.stackName} in ${connection.environment} to ` +
        `${settings.to.kind === 'previous' ? 'previous' : settings.to.value} requested by ${holder.actor}`);
    const outcome = await (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_2__/* .onFirstHost */ .GC)(connection, signal, (session) => (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_1__/* .withDeployLock */ .Jg)(session, connection, settings.deploy.lockTimeoutSeconds, holder, async () => {
        const outcome = await (0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_3__/* .runSwarmRollback */ .go)(settings, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
        });
        await _actions_core__WEBPACK_IMPORTED_MODULE_0__.summary.addRaw((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_4__/* .swarmSummary */ .P)(outcome, connection.environment, session.label)).write();
        return outcome;
    }, { signal }));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('from-ref', outcome.previousRef);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('to-ref', outcome.attemptedRef);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('restored-backup', '');
    _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput('report', JSON.stringify({ orchestrator: 'swarm', ...outcome }));
    if (!connection.dryRun) {
        const deployment = await _thinktank_shared__WEBPACK_IMPORTED_MODULE_5__/* .GitHubDeployment */ .P.start((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_5__/* .deploymentTarget */ .n)(connection.githubToken, connection.environment), outcome.attemptedRef, `rollback to ${outcome.attemptedRef.slice(0, 12)}`);
        await deployment?.status(outcome.failure === undefined ? 'success' : 'failure', `image rollback to ${outcome.attemptedRef.slice(0, 12)}`);
    }
    if (outcome.failure !== undefined)
        throw new Error((0,_thinktank_shared__WEBPACK_IMPORTED_MODULE_6__/* .inert */ .tJ)(`swarm rollback to ${outcome.attemptedRef.slice(0, 12)} (${outcome.imageTag}) failed: ${outcome.failure}`));
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