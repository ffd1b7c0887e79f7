/**
 * Job summary text: every user or server value is escaped, since the summary renders HTML and
 * Markdown (no tags, no links, no table breaks). Quotes are left: no value goes into an attribute.
 */
import type { CheckResult } from '../health/checks';
import { renderScript, type RemoteCommand } from '../shell';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('[', '&#91;')
    .replaceAll(']', '&#93;')
    .replaceAll('|', '&#124;');
}

/** A GitHub-flavoured Markdown table with escaped cells. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell) => escapeHtml(cell).replace(/\n/g, '<br>')).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The job summary file holds at most 1 MiB per step; stay well below it. */
export const SUMMARY_LIMIT = 512 * 1024;

export function bounded(text: string, limit = SUMMARY_LIMIT): string {
  return text.length <= limit
    ? text
    : `${text.slice(0, limit)}\n\n…(cut: the summary is limited to ${limit} characters)\n`;
}

const VERDICT = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skipped' } as const;

/** Check rows as tables: the runbook §1 preflight rows (with minimum and recommended) apart from the rest. */
export function checksTables(checks: readonly CheckResult[], title = 'Checks'): string {
  const preflight = checks.filter((check) => check.minimum !== undefined);
  const others = checks.filter((check) => check.minimum === undefined);
  const parts: string[] = [];
  if (others.length > 0)
    parts.push(
      `### ${title}\n\n${table(
        ['host', 'check', 'value', 'threshold', 'verdict'],
        others.map((check) => [
          check.host,
          check.check,
          check.value,
          check.threshold,
          VERDICT[check.verdict],
        ]),
      )}`,
    );
  if (preflight.length > 0)
    parts.push(
      `### Preflight (runbook §1)\n\n${table(
        ['host', 'item', 'value', 'minimum', 'recommended', 'verdict'],
        preflight.map((check) => [
          check.host,
          check.check,
          check.value,
          check.minimum ?? '',
          check.recommended ?? '',
          VERDICT[check.verdict],
        ]),
      )}`,
    );
  return parts.join('\n\n');
}

/** A dry run's plan: each step, and the command it runs. */
export function planSection(
  plan: readonly { readonly title: string; readonly command?: RemoteCommand }[],
): string {
  return `### Plan\n\n${plan
    .map(
      (step, index) =>
        `${index + 1}. ${escapeHtml(step.title)}${step.command ? `\n   \`${escapeHtml(renderScript(step.command))}\`` : ''}`,
    )
    .join('\n')}`;
}
