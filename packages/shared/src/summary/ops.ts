/** The emergency operation's job summary: the verdict, the stack before and after, the gates, the steps. */
import type { ServiceWait } from '../compose/rollout';
import type { OpsOutcome, StackReport } from '../ops/ops';
import { renderScript } from '../shell';
import { bounded, escapeHtml, table } from './markdown';
import { timelineGantt } from './timeline';

const HEADLINE: Record<OpsOutcome['result'], string> = {
  success: '✅ done',
  failed: '❌ failed',
  unchanged: '🔎 dry run: nothing changed',
};

/** One row per container (a service without one gets a row saying so), before beside after. */
function stackTable(before: StackReport, after: StackReport): string {
  const describe = (report: StackReport, service: string) =>
    (report[service] ?? []).map(
      (c) =>
        `${c.id} ${c.image} ${c.state}${c.health === 'none' ? '' : `, ${c.health}`}` +
        `${c.startedAt ? `, started ${c.startedAt.replace(/\.\d+/, '')}` : ''}${c.restartCount > 0 ? `, ${c.restartCount} restarts` : ''}`,
    );
  const rows = Object.keys(after).map((service) => {
    const then = describe(before, service);
    const now = describe(after, service);
    return [service, then.join('\n') || 'no container', now.join('\n') || 'no container'];
  });
  return table(['service', 'before', 'after'], rows);
}

function waitsTable(waits: readonly ServiceWait[]): string {
  return table(
    ['service', 'waited', 'gate'],
    waits.map((wait) => [
      wait.service,
      `${(wait.waitedMs / 1000).toFixed(1)}s`,
      `${wait.ok ? '✅' : '❌'} ${wait.state}`,
    ]),
  );
}

export function opsSummary(outcome: OpsOutcome, environment: string, host: string): string {
  const parts: string[] = [
    `## Emergency operation on ${escapeHtml(environment)} (${escapeHtml(host)}): ${escapeHtml(outcome.operation)}: ${HEADLINE[outcome.result]}`,
    `Commit ${outcome.ref.slice(0, 12)}, image tag ${escapeHtml(outcome.imageTag)}; ${outcome.durationSeconds}s`,
  ];
  if (outcome.productionDown) parts.push(`> [!CAUTION]\n> ${escapeHtml(outcome.productionDown)}`);
  if (outcome.failure) parts.push(`**What failed:** ${escapeHtml(outcome.failure)}`);
  if (!outcome.dryRun && outcome.stages.length > 0)
    parts.push(timelineGantt(outcome.stages, `${outcome.operation} stages`));
  if (outcome.restoredBackup) {
    parts.push(
      [
        `- restored backup: ${escapeHtml(outcome.restoredBackup)}`,
        `- emergency backup (the database as it was before): ${escapeHtml(outcome.emergencyBackup ?? 'none taken')}`,
      ].join('\n'),
    );
  }
  if (outcome.disk) {
    parts.push(
      [
        '### Disk',
        '',
        `- before: ${escapeHtml(outcome.disk.before.filesystem)}`,
        `- after: ${escapeHtml(outcome.disk.after?.filesystem ?? (outcome.dryRun ? '(dry run)' : 'not read'))}`,
        '',
        `<details><summary>docker system df</summary>\n\n\`\`\`\n${outcome.disk.before.docker.replaceAll('```', "'''")}\n\`\`\`\n${
          outcome.disk.after
            ? `after:\n\n\`\`\`\n${outcome.disk.after.docker.replaceAll('```', "'''")}\n\`\`\`\n`
            : ''
        }</details>`,
      ].join('\n'),
    );
  }
  parts.push(
    `### The stack${outcome.dryRun ? ' (now)' : ''}\n\n${stackTable(outcome.before, outcome.after)}`,
  );
  if (outcome.waits.length > 0) parts.push(`### Gates\n\n${waitsTable(outcome.waits)}`);
  if (outcome.gate.length > 0 || outcome.healthUrl) {
    const rows = outcome.gate.map((verdict) => [
      verdict.service,
      `${verdict.ok ? '✅' : '❌'} ${verdict.state}`,
    ]);
    if (outcome.healthUrl)
      rows.push(['health-url', `${outcome.healthUrl.ok ? '✅' : '❌'} ${outcome.healthUrl.answer}`]);
    parts.push(`### Health gate at the end\n\n${table(['', 'state'], rows)}`);
  }
  parts.push(
    `### ${outcome.dryRun ? 'Plan' : 'Commands'}\n\n${outcome.plan
      .map(
        (step, index) =>
          `${index + 1}. ${escapeHtml(step.title)}${step.command ? `\n   \`${escapeHtml(renderScript(step.command))}\`` : ''}`,
      )
      .join('\n')}`,
  );
  if (outcome.account.length > 0)
    parts.push(`### Steps\n\n${outcome.account.map((line) => `- ${escapeHtml(line)}`).join('\n')}`);
  return bounded(`${parts.join('\n\n')}\n`);
}
