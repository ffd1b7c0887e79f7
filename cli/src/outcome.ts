/** How a run ended, as an exit code and a word, decided from runAction's ending and the outputs. */
import type { RunEnd, StageTiming } from '@thinktank/shared';
import { EXIT } from './commands';
import { withoutControls } from './terminal';

interface Reported {
  readonly rolledBack?: boolean;
  readonly stages?: StageTiming[];
  readonly hosts?: readonly {
    readonly result?: string;
    /** A rollback's fleet report has each host's stages here; a deploy's, in its outcome. */
    readonly stages?: StageTiming[];
    readonly outcome?: { readonly rolledBack?: boolean; readonly stages?: StageTiming[] };
  }[];
}

function parsedReport(report: string | undefined): Reported {
  try {
    const parsed: unknown = JSON.parse(report ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Reported) : {};
  } catch {
    return {};
  }
}

/**
 * A deploy that failed and was rolled back: on one host, its `rolled-back` output; on a fleet, every
 * host that did not pass was rolled back (one left broken, or unreachable, is a plain failure).
 */
function rolledBack(outputs: Readonly<Record<string, string>>): boolean {
  const { hosts } = parsedReport(outputs.report);
  if (!Array.isArray(hosts)) return outputs['rolled-back'] === 'true';
  const failed = hosts.filter((host) => host.result !== 'success' && host.result !== 'not started');
  return failed.length > 0 && failed.every((host) => host.outcome?.rolledBack === true);
}

export function exitCodeOf(command: string, end: RunEnd, outputs: Readonly<Record<string, string>>): number {
  if (command === 'deploy' && end === 'failed' && rolledBack(outputs)) return EXIT.rolledBack;
  return {
    ok: EXIT.ok,
    'bad-input': EXIT.badInput,
    'lock-busy': EXIT.lockBusy,
    cancelled: EXIT.cancelled,
    failed: EXIT.failed,
  }[end];
}

export function resultOf(code: number): string {
  return {
    [EXIT.ok]: 'success',
    [EXIT.failed]: 'failed',
    [EXIT.badInput]: 'bad input',
    [EXIT.lockBusy]: 'lock busy',
    [EXIT.rolledBack]: 'rolled back',
    [EXIT.cancelled]: 'cancelled',
  }[code] as string;
}

/** The stages in a `report` output: its own, or each host's in a fleet (the summary's chart, as text). */
export function stagesOf(report: string | undefined): StageTiming[] {
  const { hosts, stages } = parsedReport(report);
  if (Array.isArray(hosts)) return hosts.flatMap((host) => host.outcome?.stages ?? host.stages ?? []);
  return Array.isArray(stages) ? stages : [];
}

/**
 * Every string in `value` masked and without control characters, before it is made JSON: masking
 * the JSON text would miss a secret JSON escaped (a quote, a backslash), and a reader using `jq -r`
 * would get DEL and C1 characters as they are.
 */
export function cleanStrings(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return withoutControls(mask(value));
  if (Array.isArray(value)) return value.map((each) => cleanStrings(each, mask));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, each]) => [key, cleanStrings(each, mask)]));
  return value;
}
