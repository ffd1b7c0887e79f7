/**
 * Runs the bundled terminal CLI (cli/dist/index.js) as a person would: piped, or in a real
 * pseudo-terminal (util-linux `script`), with a HOME of its own so ~/.ssh/known_hosts is the test's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './runner';

export const CLI = join(ROOT, 'cli', 'dist', 'index.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface CliOptions {
  /** Variables on top of a clean environment (PATH, and no INPUT_*, GITHUB_* or SSH_AUTH_SOCK). */
  readonly env?: Record<string, string>;
  /** Run inside a pseudo-terminal: stdout is then a TTY (and stderr is folded into stdout). */
  readonly tty?: boolean;
  readonly timeoutMs?: number;
  readonly onStart?: (child: ChildProcess) => void;
  /** Typed at the terminal once `prompt` shows (a tty run: `script` passes its stdin to the pty). */
  readonly answer?: { readonly prompt: RegExp; readonly text: string };
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TERM: 'xterm-256color',
    ...options.env,
  };
  const [file, argv] = options.tty
    ? // -q no banner, -f flush as written, -e the command's exit code, -E never: `script` itself does
      // not echo what the test types (the pty's own echo, which a secret prompt turns off, stays).
      [
        'script',
        ['-qfe', '-E', 'never', '-c', [process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null'],
      ]
    : [process.execPath, [CLI, ...args]];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv as string[], {
      env,
      stdio: [options.answer === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    options.onStart?.(child);
    let stdout = '';
    let stderr = '';
    let answered = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.answer !== undefined && !answered && options.answer.prompt.test(stdout)) {
        answered = true;
        child.stdin?.write(options.answer.text);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}
