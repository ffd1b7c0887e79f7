"use strict";
exports.id = 996;
exports.ids = [996];
exports.modules = {

/***/ 3996:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js
var core = __webpack_require__(7484);
// EXTERNAL MODULE: ./packages/shared/src/health/checks.ts + 2 modules
var checks = __webpack_require__(861);
// EXTERNAL MODULE: ./packages/shared/src/health/delivery.ts
var delivery = __webpack_require__(5792);
// EXTERNAL MODULE: ./packages/shared/src/summary/markdown.ts
var markdown = __webpack_require__(8195);
;// CONCATENATED MODULE: ./packages/shared/src/summary/health.ts


const MARK = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skipped' };
function healthSummary(report, environment) {
    const verdict = report.healthy ? 'healthy' : 'NOT healthy';
    const preflight = report.checks.filter((check) => check.minimum !== undefined);
    const rows = report.checks
        .filter((check) => check.minimum === undefined)
        .map((check) => [check.host, check.check, check.value, check.threshold, MARK[check.verdict]]);
    const preflightRows = preflight.map((check) => [
        check.host,
        check.check,
        check.value,
        check.minimum ?? '',
        check.recommended ?? '',
        MARK[check.verdict],
    ]);
    const failing = report.failing.map((name) => `- ${(0,markdown/* escapeHtml */.ZD)(name)}`).join('\n');
    return (0,markdown/* bounded */.Mm)(`## Health: ${(0,markdown/* escapeHtml */.ZD)(environment)} is ${verdict}\n\n` +
        `${(0,markdown/* table */.tp)(['host', 'check', 'value', 'threshold', 'verdict'], rows)}\n\n` +
        (preflightRows.length === 0
            ? ''
            : `### Preflight (runbook §1)\n\n` +
                `${(0,markdown/* table */.tp)(['host', 'item', 'value', 'minimum', 'recommended', 'verdict'], preflightRows)}\n\n`) +
        `Rounds: ${report.attempts}\n` +
        (failing === '' ? '' : `\nFailing checks:\n${failing}\n`) +
        (report.history === undefined ? '' : `\n${historySection(report.history)}\n`));
}
/**
 * Journal text (server data: actor, ref, operation) as inert Markdown inline text: escapeHtml, and
 * what could still break a table row or start markup made inert too: every line ending (a lone CR is
 * one in Markdown) a `<br>`, backticks an entity, other control characters a space; cut at `max`.
 */
function inertText(text, max = 80) {
    const chars = [...text];
    const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
    return ((0,markdown/* escapeHtml */.ZD)(cut)
        .replaceAll('`', '&#96;')
        .replace(/\r\n?|\n/g, '<br>')
        .replace(/\p{Cc}/gu, ' ')
        // Bidi and other format characters would reorder what is shown.
        .replace(/\p{Cf}/gu, '')
        // GitHub links bare URLs, www. names and e-mail addresses: a zero-width space keeps them text.
        .replace(/:\/\/|www\.|@/gi, (link) => `${link[0]}\u200b${link.slice(1)}`));
}
/** A table whose cells are inertText. */
function inertTable(header, rows) {
    const line = (cells) => `| ${cells.map((cell) => inertText(cell, 200)).join(' | ')} |`;
    return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}
const RESULT = {
    success: '✅ success',
    failed: '❌ failed',
    'rolled-back': '↩️ rolled back',
    unchanged: '➖ unchanged',
    cancelled: '⏹️ cancelled',
    interrupted: '⚠️ interrupted',
};
function historyRow(run) {
    const what = run.action === 'ops'
        ? (run.operation ?? 'an emergency operation')
        : `${[...run.ref].slice(0, 12).join('')}${run.migration === '' ? '' : `, migration ${run.migration}`}`;
    return [
        run.startedAt === undefined ? run.time : (0,delivery/* formatUtcMinute */.Ko)(run.startedAt),
        run.action,
        what,
        run.actor,
        // The journal's newest run has no result while it runs: it may not be interrupted at all.
        run.result === 'interrupted' && run.newest
            ? '⚠️ no result (interrupted, or still running)'
            : RESULT[run.result],
        run.durationSeconds === undefined ? '—' : (0,delivery/* formatDuration */.a3)(run.durationSeconds),
    ];
}
const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
function figureRows(figures) {
    const lead = figures.leadTime;
    const skipped = [
        lead.notOnServer > 0 ? `${lead.notOnServer} skipped: commit not on the server` : '',
        lead.notACommit > 0 ? `${lead.notACommit} skipped: ref is not a commit id` : '',
    ].filter((part) => part !== '');
    const leadValue = lead.unread !== undefined
        ? `unknown: the commit times could not be read (${lead.unread})`
        : lead.medianSeconds === undefined
            ? `no deploy to measure${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}`
            : `${(0,delivery/* formatDuration */.a3)(lead.medianSeconds)} (${plural(lead.counted, 'deploy')}${skipped.map((part) => `; ${part}`).join('')})`;
    const failure = figures.changeFailure;
    const notCounted = Object.entries(failure.notCounted)
        .map(([result, count]) => `${count} ${result}`)
        .join(', ');
    const restore = figures.restore;
    const open = restore.openSince === undefined ? '' : `not restored yet since ${(0,delivery/* formatUtcMinute */.Ko)(restore.openSince)}`;
    return [
        [
            'deploys per week',
            `${figures.deploysPerWeek.toFixed(1)} (${plural(figures.successfulDeploys, 'successful deploy')} in ${figures.weeks.toFixed(1)} weeks)`,
            'successful deploys in the window / its weeks; unchanged not counted',
        ],
        [
            'lead time (median)',
            leadValue,
            "commit's committer time (git on the server) to the deploy's success in the journal",
        ],
        [
            'change failure rate',
            failure.rate === undefined
                ? 'no finished deploy'
                : `${(0,delivery/* formatPercent */.l9)(failure.rate)} (${failure.failed} of ${plural(failure.finished, 'finished deploy')}${notCounted === '' ? '' : `; not counted: ${notCounted}`})`,
            '(failed + rolled back) / (success + failed + rolled back); unchanged, cancelled, interrupted not counted',
        ],
        [
            'time to restore (median)',
            restore.medianSeconds === undefined
                ? open || 'no failed deploy'
                : `${(0,delivery/* formatDuration */.a3)(restore.medianSeconds)} (${plural(restore.restored, 'failure')}${open ? `; ${open}` : ''})`,
            'first failed or rolled-back deploy of a streak to the next successful deploy or rollback',
        ],
    ];
}
/** The release history (the newest runs) and the delivery figures, or why the journal was not read. */
function historySection(history) {
    const where = `${inertText(history.journal, 200)} on ${inertText(history.host)}`;
    if (history.error !== undefined)
        return `### Release history\n\nThe journal (${where}) could not be read: ${inertText(history.error, 500)}. The health checks above do not depend on it.`;
    const figures = history.figures;
    const parts = [
        history.runs.length === 0
            ? `### Release history\n\nNo run in the journal (${where}).`
            : `### Release history\n\nThe last ${Math.min(delivery/* HISTORY_RUNS */.eZ, history.runs.length)} runs in ${where}, newest first ` +
                '(when a run started; duration from its `started` entry to its result).\n\n' +
                inertTable(['when (UTC)', 'action', 'what', 'who', 'result', 'duration'], history.runs.map(historyRow)),
    ];
    if (figures !== undefined)
        parts.push(`### Delivery figures\n\nDeploys only (action \`deploy\`, or none in older entries), ` +
            `${(0,delivery/* formatUtcMinute */.Ko)(figures.window.from)} to ${(0,delivery/* formatUtcMinute */.Ko)(figures.window.to)} ` +
            `(${figures.weeks.toFixed(1)} weeks: the last 4, or since the oldest entry read when later, at least 1).\n\n` +
            inertTable(['figure', 'value', 'counted as'], figureRows(figures)));
    return parts.join('\n\n');
}

// EXTERNAL MODULE: ./packages/shared/src/ssh/output.ts
var output = __webpack_require__(153);
// EXTERNAL MODULE: ./packages/shared/src/diagnostics/diagnostics.ts
var diagnostics_diagnostics = __webpack_require__(9248);
;// CONCATENATED MODULE: ./action-health/src/main.ts


async function main(settings, { signal }) {
    if (settings.connection.dryRun)
        core.info('dry-run: action-health only reads; it runs as usual');
    core.startGroup(`Health of ${settings.connection.environment}`);
    let report;
    try {
        report = await (0,checks/* checkHosts */.GZ)(settings, signal);
    }
    finally {
        core.endGroup();
    }
    core.setOutput('healthy', String(report.healthy));
    // The journal's history and figures are for people (the summary); `report` keeps its documented fields.
    const { diagnostics = [], history: _history, ...shown } = report;
    core.setOutput('report', JSON.stringify(shown));
    await core.summary.addRaw(healthSummary(report, settings.connection.environment)).write();
    for (const check of report.checks) {
        // Values come from the server (backup names, os-release): inert in the log.
        const line = (0,output/* inert */.tJ)(`${check.host}: ${check.check}: ${check.value}`);
        if (check.verdict === 'fail')
            core.error(line);
        else if (check.verdict === 'warn')
            core.warning(line);
        else
            core.info(`${check.verdict}: ${line}`);
    }
    await (0,diagnostics_diagnostics/* reportDiagnostics */.Dj)(diagnostics, 'health');
    if (!report.healthy)
        throw new Error(`unhealthy: ${report.failing.join('; ')}`);
}


/***/ })

};
;