/** The job summary of a swarm deploy or rollback: before and after, each service, what failed. */
import { rollbackCommand } from '../deploy/deploy';
import { bounded, escapeHtml, table, planSection } from '../summary/markdown';
import { timelineGantt } from '../summary/timeline';
import type { SwarmOutcome } from './deploy';

const HEADLINE: Record<SwarmOutcome['result'], string> = {
  success: '✅ done',
  unchanged: '➖ unchanged',
  'rolled-back': '↩️ failed and rolled back',
  failed: '❌ failed',
  cancelled: '⏹️ cancelled',
  started: '… started',
};

export function swarmSummary(outcome: SwarmOutcome, environment: string, host: string): string {
  const what = outcome.action === 'deploy' ? 'Deploy' : 'Rollback';
  const parts = [
    `## ${what} of stack ${escapeHtml(outcome.stack)} to ${escapeHtml(environment)} (Swarm manager ${escapeHtml(host)}): ${
      outcome.dryRun ? '🔎 dry run: nothing changed' : HEADLINE[outcome.result]
    }`,
    table(
      ['', 'commit', 'image tag'],
      [
        ['before', outcome.previousRef, outcome.previousImageTag],
        [outcome.dryRun ? 'planned' : 'attempted', outcome.attemptedRef, outcome.imageTag],
        ['running now', outcome.deployedRef, outcome.deployedImageTag],
      ],
    ),
  ];
  if (outcome.failure) parts.push(`**What failed:** ${escapeHtml(outcome.failure)}`);
  for (const note of outcome.notes) parts.push(`> [!WARNING]\n> ${escapeHtml(note)}`);
  if (!outcome.dryRun && outcome.stages.length > 0)
    parts.push(timelineGantt(outcome.stages, `${what} stages`));
  if (outcome.services.length > 0)
    parts.push(
      `### Services\n\n${table(
        ['service', 'image', 'replicas', 'state'],
        outcome.services.map((service) => [
          service.service,
          service.image,
          `${service.running}/${service.desired}`,
          `${service.phase === 'converged' ? '✅' : service.phase === 'failed' ? '❌' : '⏳'} ${service.state}`,
        ]),
      )}`,
    );
  if (outcome.health) parts.push(`health-url: ${escapeHtml(outcome.health)}`);
  if (outcome.migration) {
    const migration = outcome.migration;
    parts.push(
      [
        '### Migration\n',
        `- revision: ${escapeHtml(migration.revisionBefore || '(base)')} → ${escapeHtml(migration.revisionAfter || '(base)')}${migration.applied ? '' : ' (not applied)'}`,
        `- backup: ${escapeHtml(migration.backup ?? 'none taken')}`,
      ].join('\n'),
    );
  }
  if (outcome.dryRun) parts.push(planSection(outcome.plan));
  parts.push(`Total time: ${outcome.durationSeconds}s`);
  if (!outcome.dryRun && outcome.result === 'success' && outcome.previousRef !== '')
    parts.push(`To roll back:\n\n\`\`\`sh\n${rollbackCommand(environment, outcome.previousRef)}\n\`\`\``);
  return bounded(`${parts.join('\n\n')}\n`);
}
