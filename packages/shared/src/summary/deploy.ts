/** The deploy job summary: before and after, each service's wait, the migration, and how to roll back. */
import type { ServiceWait } from '../compose/rollout';
import { rollbackCommand, type DeployOutcome } from '../deploy/deploy';
import { bounded, checksTables, escapeHtml, table, planSection } from './markdown';
import { timelineGantt } from './timeline';

const HEADLINE: Record<DeployOutcome['result'], string> = {
  success: '✅ deployed',
  unchanged: '➖ unchanged',
  'rolled-back': '↩️ failed and rolled back',
  failed: '❌ failed',
  cancelled: '⏹️ cancelled',
};

function waitsTable(title: string, waits: readonly ServiceWait[]): string {
  const rows = waits.map((wait) => [
    wait.service,
    `${(wait.waitedMs / 1000).toFixed(1)}s`,
    `${wait.ok ? '✅' : '❌'} ${wait.state}`,
  ]);
  return `### ${title}\n\n${table(['service', 'waited', 'state'], rows)}`;
}

export function deploySummary(outcome: DeployOutcome, environment: string, host: string): string {
  const parts: string[] = [];
  const title = outcome.dryRun ? '🔎 dry run: nothing changed' : HEADLINE[outcome.result];
  parts.push(`## Deploy to ${escapeHtml(environment)} (${escapeHtml(host)}): ${title}`);
  parts.push(
    table(
      ['', 'commit', 'image tag'],
      [
        ['before', outcome.previousRef, outcome.previousImageTag],
        [outcome.dryRun ? 'planned' : 'attempted', outcome.attemptedRef, outcome.imageTag],
        [
          'running now',
          outcome.dryRun ? outcome.previousRef : outcome.deployedRef,
          outcome.deployedRef === outcome.previousRef ? outcome.previousImageTag : outcome.imageTag,
        ],
      ],
    ),
  );
  for (const note of outcome.notes) parts.push(`> [!WARNING]\n> ${escapeHtml(note)}`);
  if (outcome.failure) parts.push(`**What failed:** ${escapeHtml(outcome.failure)}`);
  if (outcome.down.length > 0)
    parts.push(`> [!CAUTION]\n> Not running and healthy now: ${escapeHtml(outcome.down.join('; '))}`);
  // Where the time went, before the details; a dry run only read the server: no chart.
  if (!outcome.dryRun && outcome.stages.length > 0)
    parts.push(timelineGantt(outcome.stages, 'Deploy stages'));
  if (outcome.checks.length > 0)
    parts.push(checksTables(outcome.checks, 'Post-deployment checklist (runbook §2)'));
  if (outcome.services.length > 0) parts.push(waitsTable('Services', outcome.services));
  if (outcome.restored.length > 0) parts.push(waitsTable('Restored (previous release)', outcome.restored));
  if (outcome.migration) {
    const migration = outcome.migration;
    const lines = [
      `### Migration\n`,
      `- revision: ${escapeHtml(migration.revisionBefore || '(base)')} → ${escapeHtml(migration.revisionAfter || '(base)')}${migration.applied ? '' : ' (not applied)'}`,
      `- backup: ${escapeHtml(migration.backup ?? 'none taken')}`,
    ];
    if (migration.destructive?.length)
      lines.push(
        `- destructive: ${migration.destructive.map((found) => escapeHtml(found.statement)).join('; ')}`,
      );
    if (migration.sql) {
      lines.push(
        `\n<details><summary>SQL${migration.sqlTruncated ? ' (cut)' : ''}</summary>\n\n\`\`\`sql\n${migration.sql.replaceAll('```', "'''")}\n\`\`\`\n</details>`,
      );
    }
    parts.push(lines.join('\n'));
    if (outcome.rolledBack && migration.applied) {
      parts.push(
        `The database was **not** rolled back (it stays at ${escapeHtml(migration.revisionAfter)}). To restore it too:\n\n\`\`\`sh\n${rollbackCommand(environment, outcome.previousRef, true)}\n\`\`\``,
      );
    }
  }
  if (outcome.dryRun) {
    parts.push(planSection(outcome.plan));
  }
  parts.push(`Total time: ${outcome.durationSeconds}s`);
  if (!outcome.dryRun && outcome.result === 'success') {
    parts.push(`To roll back:\n\n\`\`\`sh\n${rollbackCommand(environment, outcome.previousRef)}\n\`\`\``);
  }
  return bounded(`${parts.join('\n\n')}\n`);
}
