/**
 * A run's stages as pictures: a Mermaid gantt chart for the job summary, and text bars for a terminal.
 * Stage names quote the server (service names, refs, backup names): the chart gets only text Mermaid
 * reads as a task's name, and the terminal gets no control characters.
 */

/** One stage of a run, as `stage()` recorded it. */
export interface StageTiming {
  readonly name: string;
  /** When it began: ISO 8601, UTC. */
  readonly startedAt: string;
  readonly seconds: number;
  /** failed: it threw (a cancel too). */
  readonly result: 'ok' | 'failed';
  /** The host it ran on, in a fleet (hosts side by side each record their own). */
  readonly host?: string;
}

/** Bars beyond this many are summed up in one: a summary stays readable, and bounded. */
export const MAX_CHART_STAGES = 100;
const MAX_NAME = 80;

const startOf = (stage: StageTiming) => Date.parse(stage.startedAt);

/** The stages in the order they began (equal starts keep their order). */
export function inStartOrder(stages: readonly StageTiming[]): StageTiming[] {
  return [...stages].sort((a, b) => startOf(a) - startOf(b));
}

/** 12.3s, or 2m05s from a minute on. */
export function formatSeconds(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** `text` cut to `max` characters (code points), an ellipsis where it was cut. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** `text` padded to `width` characters (code points, not UTF-16 units). */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/** Whitespace, control and format characters (escape sequences, bidi overrides): one space. */
const oneLine = (text: string) => text.replace(/[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim();

// Mermaid's gantt lexer ends a task's name at `:`, `#` or `;` and skips the rest of a line after a
// `%`; at the start of a line it reads these words (in any case) as statements, not as a task: a
// name never starts with one.
const KEYWORD =
  /^(?:click|call|href|gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|excludes|todaymarker|weekday|weekend|title|accdescription|acctitle|accdescr|section|\d{4}-\d\d-\d\d)/i;

/**
 * Text that Mermaid reads as plain words on one line, at most `max` characters: no statement
 * separators, comments, fences, tags or entities: those characters become spaces.
 */
export function mermaidText(text: string, max = MAX_NAME): string {
  const plain = oneLine(text.replace(/&/g, '+').replace(/[:;#%`<>"]/g, ' '));
  return cut(KEYWORD.test(plain) ? `› ${plain}` : plain, max) || '(unnamed)';
}

/**
 * A ```mermaid gantt block of the stages: time of day on the axis, each bar named with its length, a
 * failed stage marked crit, a section per host when they ran on several. No stages: ''.
 */
export function timelineGantt(stages: readonly StageTiming[], title: string): string {
  const ordered = inStartOrder(stages).filter((stage) => Number.isFinite(startOf(stage)));
  if (ordered.length === 0) return '';
  const hosts = [...new Set(ordered.map((stage) => stage.host ?? ''))];
  const lines = [
    '```mermaid',
    'gantt',
    `    title ${mermaidText(title)}`,
    '    dateFormat x',
    '    axisFormat %M:%S',
  ];
  // `label` is Mermaid-safe already; a bar is at least a millisecond long.
  const task = (label: string, failed: boolean, start: number, end: number) =>
    `    ${label} :${failed ? 'crit, ' : ''}${Math.round(start)}, ${Math.max(Math.round(end), Math.round(start) + 1)}`;
  for (const host of hosts) {
    const own = ordered.filter((stage) => (stage.host ?? '') === host);
    if (hosts.length > 1) lines.push(`    section ${host === '' ? '(no host)' : mermaidText(host)}`);
    for (const stage of own.slice(0, MAX_CHART_STAGES)) {
      const start = startOf(stage);
      const label = `${mermaidText(stage.name, MAX_NAME - 10)} ${formatSeconds(stage.seconds)}`;
      lines.push(task(label, stage.result === 'failed', start, start + stage.seconds * 1000));
    }
    const rest = own.slice(MAX_CHART_STAGES);
    if (rest.length > 0)
      lines.push(
        task(
          `${rest.length} more stages`,
          rest.some((stage) => stage.result === 'failed'),
          startOf(rest[0]),
          Math.max(...rest.map((stage) => startOf(stage) + stage.seconds * 1000)),
        ),
      );
  }
  lines.push('```');
  return lines.join('\n');
}

/**
 * The stages as text bars for a terminal, one line each, at most `width` characters wide (from 40 on):
 * the name, the length, and where in the run it took place (█ the stage, ░ the rest of the run). A
 * failed stage says so; a line for the whole run ends it. No stages: ''.
 */
export function timelineText(stages: readonly StageTiming[], width = 80): string {
  const ordered = inStartOrder(stages).filter((stage) => Number.isFinite(startOf(stage)));
  if (ordered.length === 0) return '';
  const begin = startOf(ordered[0]);
  const end = Math.max(...ordered.map((stage) => startOf(stage) + stage.seconds * 1000));
  const span = Math.max(end - begin, 1);
  const severalHosts = new Set(ordered.map((stage) => stage.host ?? '')).size > 1;
  const names = ordered.map((stage) =>
    oneLine(severalHosts && stage.host !== undefined ? `${stage.host}: ${stage.name}` : stage.name),
  );
  const lengths = ordered.map((stage) => formatSeconds(stage.seconds));
  const total = formatSeconds(span / 1000);
  const FAILED = ' failed';
  const lengthWidth = Math.max(total.length, ...lengths.map((text) => text.length));
  const suffixWidth = ordered.some((stage) => stage.result === 'failed') ? FAILED.length : 0;
  // Indent, name, two spaces, length, two spaces, bar, suffix: the name gives way first, then the bar.
  const fixed = 2 + 2 + lengthWidth + 2 + suffixWidth;
  const longest = Math.max('total'.length, ...names.map((name) => [...name].length));
  const nameWidth = Math.max(8, Math.min(longest, 40, width - fixed - 10));
  const barWidth = Math.max(4, width - fixed - nameWidth);
  const rows = ordered.map((stage, index) => {
    // The same rounding at both ends: where one stage ends, the next one begins.
    const from = Math.min(barWidth - 1, Math.round(((startOf(stage) - begin) / span) * barWidth));
    const to = Math.min(
      barWidth,
      Math.max(from + 1, Math.round(((startOf(stage) - begin + stage.seconds * 1000) / span) * barWidth)),
    );
    const bar = '░'.repeat(from) + '█'.repeat(to - from) + '░'.repeat(barWidth - to);
    const name = padEnd(cut(names[index], nameWidth), nameWidth);
    return `  ${name}  ${lengths[index].padStart(lengthWidth)}  ${bar}${stage.result === 'failed' ? FAILED : ''}`;
  });
  rows.push(`  ${padEnd('total', nameWidth)}  ${total.padStart(lengthWidth)}`);
  return `${rows.join('\n')}\n`;
}
