/** The health job summary: a table of check, value, threshold and verdict per host. */
import type { HealthReport } from '../health/checks';
import { bounded, escapeHtml, table } from './markdown';

const MARK = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skipped' } as const;

export function healthSummary(report: HealthReport, environment: string): string {
  const verdict = report.healthy ? 'healthy' : 'NOT healthy';
  const rows = report.checks.map((check) => [
    check.host,
    check.check,
    check.value,
    check.threshold,
    MARK[check.verdict],
  ]);
  const failing = report.failing.map((name) => `- ${escapeHtml(name)}`).join('\n');
  return bounded(
    `## Health: ${escapeHtml(environment)} is ${verdict}\n\n` +
      `${table(['host', 'check', 'value', 'threshold', 'verdict'], rows)}\n\n` +
      `Rounds: ${report.attempts}\n` +
      (failing === '' ? '' : `\nFailing checks:\n${failing}\n`),
  );
}
