/**
 * Log lines of a fleet's hosts, worked on side by side: every line written to stdout while a host's
 * work runs is prefixed with that host's label, whichever code wrote it (ours, @actions/core, a
 * session). Workflow commands keep working: an annotation carries the label in its message, a
 * group becomes a plain line (groups of hosts running at once would interleave), a mask stays a mask.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<string>();
let installed = false;

/** The label of the host whose work is running here; undefined outside a fleet. */
export function hostLabel(): string | undefined {
  return current.getStore();
}

/** Runs `work` with its log lines prefixed by `label`. */
export function withHostLabel<T>(label: string, work: () => Promise<T>): Promise<T> {
  install();
  return current.run(label, work);
}

/**
 * Runs `work` outside any host's log context: text that is labelled already (a session's remote
 * lines), or a connection that serves every host (the jump host's).
 */
export function outsideHostLog<T>(work: () => T): T {
  return current.exit(work);
}

const ANNOTATION = /^::(error|warning|notice)( [^:]*)?::/;

/** One stdout line as a host's line. */
export function labelLine(label: string, line: string): string {
  if (line === '') return line;
  const annotation = ANNOTATION.exec(line);
  if (annotation) return `${annotation[0]}${label} | ${line.slice(annotation[0].length)}`;
  const group = /^::group::(.*)$/.exec(line);
  if (group) return `${label} | ▸ ${group[1]}`;
  if (line === '::endgroup::') return '';
  // Masks, and commands the runner reads whole, stay as they are.
  if (line.startsWith('::')) return line;
  return `${label} | ${line}`;
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

/** `write`, with each line written inside a host's work labelled as that host's. */
export function labelling(write: Write): Write {
  return (chunk, ...rest) => {
    const label = current.getStore();
    if (label === undefined || typeof chunk !== 'string') return write(chunk, ...rest);
    const lines = chunk.split('\n');
    const last = lines.pop() ?? '';
    let text = '';
    for (const line of lines) {
      const labelled = labelLine(label, line);
      if (labelled !== '' || line === '') text += `${labelled}\n`;
    }
    // A write that ends mid-line (rare: core writes whole lines) is labelled as it stands.
    if (last !== '') text += labelLine(label, last);
    return write(text, ...rest);
  };
}

function install(): void {
  if (installed) return;
  installed = true;
  process.stdout.write = labelling(
    process.stdout.write.bind(process.stdout) as Write,
  ) as typeof process.stdout.write;
}
