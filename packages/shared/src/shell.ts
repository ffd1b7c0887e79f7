/**
 * The one place that turns argument lists into shell text. Everything sent to a server is built as
 * argument arrays from validated values and rendered here, never pasted into a template string.
 */

/** Quote one argument for a POSIX shell: single quotes, with each `'` written as `'\''`. */
export function quote(argument: string): string {
  if (argument.includes('\0')) {
    // A NUL cannot travel in an argv; refusing is better than silently cutting the value.
    throw new Error('a shell argument cannot contain a NUL byte');
  }
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** One command: its argv, rendered with every word quoted. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(quote).join(' ');
}

/** A remote step: argv run in `cwd` (when given) with extra environment variables. */
export interface RemoteCommand {
  readonly argv: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Renders a command as POSIX sh text. The final program is `exec`ed: no intermediate shell stands
 * between it and the signals toSshCommand's wrapper passes on.
 */
export function renderScript(command: RemoteCommand): string {
  const parts: string[] = [];
  if (command.cwd !== undefined) parts.push(`cd ${quote(command.cwd)} &&`);
  for (const [name, value] of Object.entries(command.env ?? {})) {
    if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name: ${name}`);
    parts.push(`export ${name}=${quote(value)} &&`);
  }
  parts.push('exec', quoteArgv(command.argv));
  return parts.join(' ');
}

/**
 * Runs the script ($1) in a subshell of its own and, on TERM/INT/HUP, passes the signal to every
 * process of the command's process group (sshd starts each command in a new session), so a timeout
 * or a cancel stops the whole tree (a restore's psql, a build's children), not only the shell that
 * received the signal. stdin is handed through fd 3 because a background job's stdin is /dev/null.
 * The exit status is the script's (a script killed by signal N exits 128+N, as in any shell).
 */
const GROUP_WRAPPER = [
  // $1 is the run's token (see withRunToken), exported so the server can find the run's processes.
  'TT_RUN=$1; export TT_RUN; script=$2; shift 2',
  // $$ is the wrapper: it is let exit with the script's status before the group is killed.
  'reap() { n=0; while [ "$n" -lt 25 ] && { kill -0 "$child" || kill -0 $$; } 2>/dev/null; do sleep 0.2; n=$((n + 1)); done; kill -KILL 0; }',
  'exec 3<&0',
  // TERM to the whole group; KILL to what is left once the script is gone, or after a 5 s grace
  // (a tool that ignores TERM).
  `trap 'trap "" TERM INT HUP; kill -TERM 0 2>/dev/null; reap >/dev/null 2>&1 </dev/null &' TERM INT HUP`,
  '( eval "$script" ) <&3 3<&- &',
  'child=$!',
  'exec 3<&-',
  'while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done',
  // A wait cut short by the trap returns 128+N; the child's own status is still there to collect.
  'wait "$child" 2>/dev/null; r=$?; [ "$r" -eq 127 ] || rc=$r',
  'exit "$rc"',
].join('\n');

/**
 * What is sent over SSH. sshd hands the string to the user's login shell, which may be bash, csh or
 * fish; wrapping the script in `sh -c` (one more quoting layer) makes it POSIX sh everywhere.
 * `args` become `$1...` of a fixed script, so a script constant never needs values pasted in.
 */
export function toSshCommand(script: string, args: readonly string[] = []): string {
  return [WRAPPED, ...[NO_TOKEN, script, ...args].map(quote)].join(' ');
}

const WRAPPED = ['sh', '-c', GROUP_WRAPPER, 'sh'].map(quote).join(' ');
const NO_TOKEN = '';

/**
 * A command carrying the run's token in TT_RUN: inside the wrapper's own arguments where the command
 * is one of toSshCommand's (no process more), else through `env`, which works in any login shell.
 */
export function withRunToken(command: string, token: string): string {
  const unmarked = `${WRAPPED} ${quote(NO_TOKEN)} `;
  return command.startsWith(unmarked)
    ? `${WRAPPED} ${quote(token)} ${command.slice(unmarked.length)}`
    : `env TT_RUN=${quote(token)} ${command}`;
}

/** Convenience: a RemoteCommand as the text sent over SSH. */
export function commandLine(command: RemoteCommand): string {
  return toSshCommand(renderScript(command));
}
