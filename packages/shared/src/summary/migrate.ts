/** The migration job summary: revisions, backup, destructive statements, and the SQL. */
import type { MigrationOutcome, MigrationRequest } from '../migrate/alembic';
import { bounded, escapeHtml } from './markdown';

export function migrationSummary(
  environment: string,
  request: MigrationRequest,
  outcome: Partial<MigrationOutcome>,
  failure: string | undefined,
): string {
  const destructive = outcome.destructive ?? [];
  const verdict = failure
    ? '❌ failed'
    : request.preview
      ? `🔎 preview: nothing applied${destructive.length > 0 ? ', destructive' : ''}`
      : outcome.applied
        ? '✅ applied'
        : '➖ nothing to apply';
  const lines = [
    `## Migration on ${escapeHtml(environment)}: alembic ${request.direction} ${escapeHtml(request.target)}: ${verdict}`,
    '',
    `- revision before: ${escapeHtml(outcome.revisionBefore || '(base)')}`,
    `- revision after: ${escapeHtml(outcome.revisionAfter === undefined ? '(unknown)' : outcome.revisionAfter || '(base)')}`,
    `- backup: ${escapeHtml(outcome.backup ?? 'none taken')}`,
  ];
  if (failure) lines.push(`- what failed: ${escapeHtml(failure)}`);
  if (destructive.length > 0) {
    lines.push(
      '',
      '### ⚠️ Destructive statements',
      '',
      ...(request.preview
        ? ['Applying this migration is refused unless `allow-destructive` is true.', '']
        : []),
      ...destructive.map((found) => `- **${found.kind}**: \`${escapeHtml(found.statement)}\``),
    );
  }
  if (outcome.sql) {
    lines.push(
      '',
      `### SQL${outcome.sqlTruncated ? ' (cut: too long to show whole)' : ''}`,
      '',
      '```sql',
      outcome.sql.replaceAll('```', "'''"),
      '```',
    );
  }
  return bounded(`${lines.join('\n')}\n`);
}
