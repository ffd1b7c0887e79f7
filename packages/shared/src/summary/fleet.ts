/** A fleet's job summary: one row per host (result, time, commits), above each host's own section. */
import type { HostRun } from '../ssh/fleet';
import { escapeHtml, table } from './markdown';

const MARK: Record<HostRun<unknown>['result'], string> = {
  success: '✅',
  failed: '❌',
  unreachable: '🔌',
  'not started': '⏸️',
  cancelled: '⏹️',
};

/** Commits a host's work reports, where it has them (deploy and rollback outcomes do). */
interface Commits {
  readonly previousRef?: string;
  readonly deployedRef?: string;
  readonly fromRef?: string;
  readonly toRef?: string;
  readonly result?: string;
}

export function fleetSummary(what: string, environment: string, runs: readonly HostRun<unknown>[]): string {
  const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : '');
  const rows = runs.map((run) => {
    const value = (run.value ?? {}) as Commits;
    const detail = (value.result !== run.result ? value.result : undefined) ?? run.error ?? '';
    return [
      escapeHtml(run.host),
      `${MARK[run.result]} ${run.result}${detail ? `: ${escapeHtml(detail.slice(0, 200))}` : ''}`,
      `${run.seconds.toFixed(1)}s`,
      short(value.previousRef ?? value.fromRef),
      short(value.deployedRef ?? value.toRef),
    ];
  });
  const passed = runs.filter((run) => run.result === 'success').length;
  return (
    `## ${escapeHtml(what)} to ${escapeHtml(environment)}: ${passed} of ${runs.length} hosts passed\n\n` +
    `${table(['host', 'result', 'time', 'previous commit', 'new commit'], rows)}\n`
  );
}
