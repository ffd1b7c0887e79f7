/** The rollback job summary: what was stopped, restored and restarted, and what to watch. */
import type { RollbackOutcome } from '../rollback/rollback';
import { deploySummary } from './deploy';
import { bounded, escapeHtml } from './markdown';
import { timelineGantt } from './timeline';

export function rollbackSummary(outcome: RollbackOutcome, environment: string, host: string): string {
  const verdict = outcome.failure ? '❌ failed' : '✅ done';
  const lines = [
    `## Rollback (${outcome.mode}) of ${escapeHtml(environment)}: ${verdict}`,
    '',
    `- from: ${outcome.fromRef}`,
    `- to: ${outcome.toRef} (${escapeHtml(outcome.toImageTag)})`,
  ];
  if (outcome.mode === 'full') {
    lines.push(`- restored backup: ${escapeHtml(outcome.restoredBackup ?? 'none')}`);
    lines.push(
      `- emergency backup (the database as it was before this rollback): ${escapeHtml(outcome.emergencyBackup ?? 'none')}`,
    );
  }
  if (outcome.productionDown) lines.push('', `> [!CAUTION]\n> ${escapeHtml(outcome.productionDown)}`);
  if (outcome.schemaWarning) lines.push('', `> ⚠️ ${escapeHtml(outcome.schemaWarning)}`);
  if (outcome.failure) lines.push('', `**What failed:** ${escapeHtml(outcome.failure)}`);
  // Every stage, the restart's too: its own section below gets no second chart. A dry run: none.
  if (outcome.deploy?.dryRun !== true && outcome.stages.length > 0)
    lines.push('', timelineGantt(outcome.stages, 'Rollback stages'));
  lines.push('', '### Steps', '', ...outcome.account.map((line) => `- ${escapeHtml(line)}`));
  const deploy = outcome.deploy
    ? `\n${deploySummary({ ...outcome.deploy, stages: [] }, environment, host).replace(/^## Deploy to/, '### Restart of')}`
    : '';
  return bounded(`${lines.join('\n')}\n${deploy}`);
}
