/**
 * The health job summary: a table of check, value, threshold and verdict per host, the runbook §1
 * preflight (when run) as a table of its own: item, value, minimum, recommended, verdict; then the
 * release history and the delivery figures from the server's journal (health/delivery.ts).
 */
import type { HealthReport } from '../health/checks';
import {
  formatDuration,
  formatPercent,
  formatUtcMinute,
  HISTORY_RUNS,
  type DeliveryFigures,
  type DeliveryHistory,
  type JournalRun,
  type RunResult,
} from '../health/delivery';
import { bounded, escapeHtml, table } from './markdown';

const MARK = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skipped' } as const;

export function healthSummary(report: HealthReport, environment: string): string {
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
  const failing = report.failing.map((name) => `- ${escapeHtml(name)}`).join('\n');
  return bounded(
    `## Health: ${escapeHtml(environment)} is ${verdict}\n\n` +
      `${table(['host', 'check', 'value', 'threshold', 'verdict'], rows)}\n\n` +
      (preflightRows.length === 0
        ? ''
        : `### Preflight (runbook §1)\n\n` +
          `${table(['host', 'item', 'value', 'minimum', 'recommended', 'verdict'], preflightRows)}\n\n`) +
      `Rounds: ${report.attempts}\n` +
      (failing === '' ? '' : `\nFailing checks:\n${failing}\n`) +
      (report.history === undefined ? '' : `\n${historySection(report.history)}\n`),
  );
}

/**
 * Journal text (server data: actor, ref, operation) as inert Markdown inline text: escapeHtml, and
 * what could still break a table row or start markup made inert too: every line ending (a lone CR is
 * one in Markdown) a `<br>`, backticks an entity, other control characters a space; cut at `max`.
 */
export function inertText(text: string, max = 80): string {
  const chars = [...text];
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
  return (
    escapeHtml(cut)
      .replaceAll('`', '&#96;')
      .replace(/\r\n?|\n/g, '<br>')
      .replace(/\p{Cc}/gu, ' ')
      // Bidi and other format characters would reorder what is shown.
      .replace(/\p{Cf}/gu, '')
      // GitHub links bare URLs, www. names and e-mail addresses: a zero-width space keeps them text.
      .replace(/:\/\/|www\.|@/gi, (link) => `${link[0]}\u200b${link.slice(1)}`)
  );
}

/** A table whose cells are inertText. */
function inertTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => inertText(cell, 200)).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

const RESULT: Record<RunResult, string> = {
  success: '✅ success',
  failed: '❌ failed',
  'rolled-back': '↩️ rolled back',
  unchanged: '➖ unchanged',
  cancelled: '⏹️ cancelled',
  interrupted: '⚠️ interrupted',
};

function historyRow(run: JournalRun): string[] {
  const what =
    run.action === 'ops'
      ? (run.operation ?? 'an emergency operation')
      : `${[...run.ref].slice(0, 12).join('')}${run.migration === '' ? '' : `, migration ${run.migration}`}`;
  return [
    run.startedAt === undefined ? run.time : formatUtcMinute(run.startedAt),
    run.action,
    what,
    run.actor,
    // The journal's newest run has no result while it runs: it may not be interrupted at all.
    run.result === 'interrupted' && run.newest
      ? '⚠️ no result (interrupted, or still running)'
      : RESULT[run.result],
    run.durationSeconds === undefined ? '—' : formatDuration(run.durationSeconds),
  ];
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

function figureRows(figures: DeliveryFigures): string[][] {
  const lead = figures.leadTime;
  const skipped = [
    lead.notOnServer > 0 ? `${lead.notOnServer} skipped: commit not on the server` : '',
    lead.notACommit > 0 ? `${lead.notACommit} skipped: ref is not a commit id` : '',
  ].filter((part) => part !== '');
  const leadValue =
    lead.unread !== undefined
      ? `unknown: the commit times could not be read (${lead.unread})`
      : lead.medianSeconds === undefined
        ? `no deploy to measure${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}`
        : `${formatDuration(lead.medianSeconds)} (${plural(lead.counted, 'deploy')}${skipped.map((part) => `; ${part}`).join('')})`;
  const failure = figures.changeFailure;
  const notCounted = Object.entries(failure.notCounted)
    .map(([result, count]) => `${count} ${result}`)
    .join(', ');
  const restore = figures.restore;
  const open =
    restore.openSince === undefined ? '' : `not restored yet since ${formatUtcMinute(restore.openSince)}`;
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
        : `${formatPercent(failure.rate)} (${failure.failed} of ${plural(failure.finished, 'finished deploy')}${notCounted === '' ? '' : `; not counted: ${notCounted}`})`,
      '(failed + rolled back) / (success + failed + rolled back); unchanged, cancelled, interrupted not counted',
    ],
    [
      'time to restore (median)',
      restore.medianSeconds === undefined
        ? open || 'no failed deploy'
        : `${formatDuration(restore.medianSeconds)} (${plural(restore.restored, 'failure')}${open ? `; ${open}` : ''})`,
      'first failed or rolled-back deploy of a streak to the next successful deploy or rollback',
    ],
  ];
}

/** The release history (the newest runs) and the delivery figures, or why the journal was not read. */
export function historySection(history: DeliveryHistory): string {
  const where = `${inertText(history.journal, 200)} on ${inertText(history.host)}`;
  if (history.error !== undefined)
    return `### Release history\n\nThe journal (${where}) could not be read: ${inertText(history.error, 500)}. The health checks above do not depend on it.`;
  const figures = history.figures;
  const parts = [
    history.runs.length === 0
      ? `### Release history\n\nNo run in the journal (${where}).`
      : `### Release history\n\nThe last ${Math.min(HISTORY_RUNS, history.runs.length)} runs in ${where}, newest first ` +
        '(when a run started; duration from its `started` entry to its result).\n\n' +
        inertTable(
          ['when (UTC)', 'action', 'what', 'who', 'result', 'duration'],
          history.runs.map(historyRow),
        ),
  ];
  if (figures !== undefined)
    parts.push(
      `### Delivery figures\n\nDeploys only (action \`deploy\`, or none in older entries), ` +
        `${formatUtcMinute(figures.window.from)} to ${formatUtcMinute(figures.window.to)} ` +
        `(${figures.weeks.toFixed(1)} weeks: the last 4, or since the oldest entry read when later, at least 1).\n\n` +
        inertTable(['figure', 'value', 'counted as'], figureRows(figures)),
    );
  return parts.join('\n\n');
}
