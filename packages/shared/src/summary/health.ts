/**
 * The health job summary: a table of check, value, threshold and verdict per host, and the runbook §1
 * preflight (when run) as a table of its own: item, value, minimum, recommended, verdict.
 */
import type { HealthReport } from '../health/checks';
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
      (failing === '' ? '' : `\nFailing checks:\n${failing}\n`),
  );
}
