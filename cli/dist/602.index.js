"use strict";
exports.id = 602;
exports.ids = [602];
exports.modules = {

/***/ 8602:
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
// EXTERNAL MODULE: ./packages/shared/src/rollback/rollback.ts
var rollback = __webpack_require__(8806);
// EXTERNAL MODULE: ./packages/shared/src/summary/fleet.ts
var summary_fleet = __webpack_require__(3360);
// EXTERNAL MODULE: ./packages/shared/src/summary/deploy.ts
var summary_deploy = __webpack_require__(7133);
// EXTERNAL MODULE: ./packages/shared/src/summary/markdown.ts
var markdown = __webpack_require__(8195);
// EXTERNAL MODULE: ./packages/shared/src/summary/timeline.ts
var timeline = __webpack_require__(9197);
;// CONCATENATED MODULE: ./packages/shared/src/summary/rollback.ts



function rollbackSummary(outcome, environment, host) {
    const verdict = outcome.failure ? '❌ failed' : '✅ done';
    const lines = [
        `## Rollback (${outcome.mode}) of ${(0,markdown/* escapeHtml */.ZD)(environment)}: ${verdict}`,
        '',
        `- from: ${outcome.fromRef}`,
        `- to: ${outcome.toRef} (${(0,markdown/* escapeHtml */.ZD)(outcome.toImageTag)})`,
    ];
    if (outcome.mode === 'full') {
        lines.push(`- restored backup: ${(0,markdown/* escapeHtml */.ZD)(outcome.restoredBackup ?? 'none')}`);
        lines.push(`- emergency backup (the database as it was before this rollback): ${(0,markdown/* escapeHtml */.ZD)(outcome.emergencyBackup ?? 'none')}`);
    }
    if (outcome.productionDown)
        lines.push('', `> [!CAUTION]\n> ${(0,markdown/* escapeHtml */.ZD)(outcome.productionDown)}`);
    if (outcome.schemaWarning)
        lines.push('', `> ⚠️ ${(0,markdown/* escapeHtml */.ZD)(outcome.schemaWarning)}`);
    if (outcome.failure)
        lines.push('', `**What failed:** ${(0,markdown/* escapeHtml */.ZD)(outcome.failure)}`);
    // Every stage, the restart's too: its own section below gets no second chart. A dry run: none.
    if (outcome.deploy?.dryRun !== true && outcome.stages.length > 0)
        lines.push('', (0,timeline/* timelineGantt */.mU)(outcome.stages, 'Rollback stages'));
    lines.push('', '### Steps', '', ...outcome.account.map((line) => `- ${(0,markdown/* escapeHtml */.ZD)(line)}`));
    const deploy = outcome.deploy
        ? `\n${(0,summary_deploy/* deploySummary */.e)({ ...outcome.deploy, stages: [] }, environment, host).replace(/^## Deploy to/, '### Restart of')}`
        : '';
    return (0,markdown/* bounded */.Mm)(`${lines.join('\n')}\n${deploy}`);
}

// EXTERNAL MODULE: ./packages/shared/src/diagnostics/diagnostics.ts
var diagnostics = __webpack_require__(9248);
// EXTERNAL MODULE: ./packages/shared/src/github/deployments.ts
var deployments = __webpack_require__(8283);
;// CONCATENATED MODULE: ./action-rollback/src/main.ts


const failureOf = (outcome) => outcome.failure ?? outcome.productionDown;
async function main(settings, context) {
    const { connection } = settings.deploy;
    if (connection.orchestrator === 'swarm')
        return (await __webpack_require__.e(/* import() */ 805).then(__webpack_require__.bind(__webpack_require__, 805))).swarmMain(settings, context);
    const { signal } = context;
    const holder = (0,lock/* holderFromEnvironment */.Qh)(connection.environment, 'rollback');
    const fleet = (0,ssh_fleet/* isFleet */.xP)(connection);
    core.info(`${settings.mode} rollback of ${connection.environment}${fleet ? ` (${connection.targets.length} hosts)` : ''} to ${settings.to.kind === 'previous' ? 'previous' : settings.to.value} requested by ${holder.actor}`);
    // `previous` is decided once, by the first host (which then goes alone): after a fleet deploy that
    // stopped half way, each host's own ledger would name a different release, and the fleet would end
    // on several. The others go to the commit the first one went to.
    let resolved;
    const runs = await (0,ssh_fleet/* forEachHost */.nY)(connection, {
        signal,
        passed: (outcome) => failureOf(outcome) === undefined,
        firstAlone: fleet && settings.to.kind === 'previous',
    }, (session, index) => (0,lock/* withDeployLock */.Jg)(session, connection, settings.deploy.lockTimeoutSeconds, holder, async () => {
        const own = index > 0 && resolved !== undefined ? resolved : settings;
        const outcome = await (0,rollback/* runRollback */.el)(own, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
        });
        if (index === 0 && settings.to.kind === 'previous' && outcome.toRef !== '')
            resolved = { ...settings, to: { kind: 'sha-or-tag', value: outcome.toRef } };
        return outcome;
    }, { signal }));
    (0,ssh_fleet/* rethrowSingle */.Uv)(runs);
    const outcomes = runs.flatMap((run) => (run.value === undefined ? [] : [run.value]));
    // Written once all hosts are done (hosts side by side would race on the summary file).
    if (fleet)
        await core.summary.addRaw((0,summary_fleet/* fleetSummary */.N)('Rollback', connection.environment, runs)).write();
    for (const run of runs)
        if (run.value !== undefined)
            await core.summary.addRaw(rollbackSummary(run.value, connection.environment, run.host)).write();
    await (0,diagnostics/* reportDiagnostics */.Dj)(outcomes.flatMap((outcome) => outcome.deploy?.diagnostics ?? []), 'rollback');
    const first = runs[0].value;
    if (first !== undefined) {
        core.setOutput('from-ref', first.fromRef);
        core.setOutput('to-ref', first.toRef);
        core.setOutput('restored-backup', first.restoredBackup ?? '');
    }
    if (fleet) {
        core.setOutput('report', JSON.stringify({
            hosts: runs.map(({ cause: _cause, value, ...run }) => ({
                ...run,
                fromRef: value?.fromRef,
                toRef: value?.toRef,
                failure: value && failureOf(value),
                stages: value?.stages,
            })),
        }));
    }
    const ok = runs.every((run) => run.result === 'success');
    if (first !== undefined && !connection.dryRun) {
        const deployment = await deployments/* GitHubDeployment */.P.start((0,deployments/* deploymentTarget */.n)(connection.githubToken, connection.environment), first.toRef, `rollback to ${first.toRef.slice(0, 12)}`);
        await deployment?.status(ok ? 'success' : 'failure', `${settings.mode} rollback to ${first.toRef.slice(0, 12)}`);
    }
    if (!ok) {
        if (!fleet && first !== undefined)
            throw new Error(`${settings.mode} rollback to ${first.toRef.slice(0, 12)} failed: ${failureOf(first)}`);
        throw (0,ssh_fleet/* fleetError */.Nb)(`rollback of the fleet failed: ${(0,ssh_fleet/* fleetFailures */.SS)(runs, failureOf)}`, runs);
    }
}


/***/ })

};
;