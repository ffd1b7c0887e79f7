/**
 * Runs a bundled action exactly as the Actions runner does: `node dist/index.js` with INPUT_*
 * variables (upper-cased, hyphens kept), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseOutputFile } from '../../cli/src/report';

/** The repository's root: found from the working directory, so the demo (bundled elsewhere) finds it too. */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'packages/shared/package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`not inside the repository: ${start}`);
  }
}
export const ROOT = findRoot(process.cwd());

export interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly durationMs: number;
}

// One reader of the GITHUB_OUTPUT file for the tests and the terminal CLI.
export { parseOutputFile };

export interface RunOptions {
  readonly timeoutMs?: number;
  /** Called with the child once started (to send it signals). */
  readonly onStart?: (child: ReturnType<typeof spawn>) => void;
  /** More of the runner's variables (GITHUB_REPOSITORY, GITHUB_API_URL...). */
  readonly env?: Record<string, string>;
}

export function runBundledAction(
  action: string,
  inputs: Record<string, string>,
  options: RunOptions = {},
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tt-run-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('INPUT_') && !name.startsWith('GITHUB_')) env[name] = value;
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  Object.assign(env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    ...options.env,
  });
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, action, 'dist', 'index.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onStart?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const result = {
        code,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        summary: readFileSync(summaryFile, 'utf8'),
        durationMs: Date.now() - started,
      };
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
  });
}

/** A check row of a health `report` output (preflight rows also have minimum and recommended). */
export interface CheckRow {
  readonly host: string;
  readonly check: string;
  readonly value: string;
  readonly threshold: string;
  readonly verdict: string;
  readonly minimum?: string;
  readonly recommended?: string;
}

/** The check rows of a run's `report` output. */
export const checksOf = (run: ActionRun): CheckRow[] =>
  (JSON.parse(run.outputs.report) as { checks: CheckRow[] }).checks;

/** The `::error::` lines of a run's log. */
export function errorLines(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error'));
}

/**
 * Run options that send SIGINT (as the runner does on cancel) once the log shows `pattern`, after
 * `delayMs`; `signalled()` says when it was sent (0 = never).
 */
export function cancelWhen(pattern: RegExp, delayMs = 1000): RunOptions & { signalled(): number } {
  let at = 0;
  let seen = '';
  return {
    timeoutMs: 180_000,
    signalled: () => at,
    onStart: (child) =>
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (at === 0 && pattern.test(seen)) {
          at = -1;
          setTimeout(() => {
            at = Date.now();
            child.kill('SIGINT');
          }, delayMs);
        }
      }),
  };
}

/** The log with every `::stop-commands::` fence cut out: what the runner reads as commands. */
export function outsideFences(stdout: string): string[] {
  const lines: string[] = [];
  let token: string | undefined;
  for (const line of stdout.split('\n')) {
    if (token !== undefined) {
      if (line === `::${token}::`) token = undefined;
    } else if (line.startsWith('::stop-commands::')) token = line.slice('::stop-commands::'.length);
    else lines.push(line);
  }
  return lines;
}
