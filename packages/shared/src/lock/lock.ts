/**
 * The deploy lock: `flock` on `<state-dir>/lock`, held by a remote shell whose stdin is this run's
 * SSH channel. When the run ends, or the runner dies and its connection with it, stdin closes, the
 * shell exits and the kernel releases the lock: a dead runner never leaves it held.
 * Deploy, migrate and rollback all take this same lock.
 */
import * as core from '@actions/core';
import { toSshCommand } from '../shell';
import { describeOutcome, type SshSession } from '../ssh/session';
import { CancelledError } from '../errors';

export interface LockHolder {
  readonly run_id: string;
  readonly run_url: string;
  readonly actor: string;
  readonly environment: string;
  readonly action: string;
  readonly since: string;
}

export interface DeployLock {
  /** What was recorded for the previous holder, when the lock was busy on arrival. */
  readonly waitedFor: string | undefined;
  readonly waitedMs: number;
  release(): Promise<void>;
}

/**
 * $1 state dir, $2 lock timeout (s), $3 holder JSON. Prints BUSY <holder> when another run holds
 * it, LOCKED once taken, then holds it until stdin closes. Exit 75 (EX_TEMPFAIL): still busy.
 */
const LOCK_SCRIPT = `
set -e
mkdir -p -- "$1"
exec 9>>"$1/lock"
if ! flock -n 9; then
  printf 'BUSY %s\\n' "$(head -c 2000 "$1/lock" | tr '\\n' ' ')"
  flock -w "$2" 9 || exit 75
fi
printf '%s\\n' "$3" > "$1/lock"
echo LOCKED
# Hold fd 9 (the lock) until this run's channel closes; cat does not inherit it.
cat >/dev/null 9>&-
`;

export class LockTimeoutError extends Error {}

export async function takeDeployLock(
  session: SshSession,
  stateDir: string,
  timeoutSeconds: number,
  holder: LockHolder,
  onBusy: (holderText: string) => void,
): Promise<DeployLock> {
  const started = Date.now();
  let waitedFor: string | undefined;
  let locked: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (locked = resolve));
  const held = session.start(
    toSshCommand(LOCK_SCRIPT, [stateDir, String(timeoutSeconds), JSON.stringify(holder)]),
    {
      keepStdinOpen: true,
      echo: 'none',
      timeoutSeconds: 7 * 24 * 3600,
      onStdoutLine: (line) => {
        if (line.startsWith('BUSY ')) {
          waitedFor = line.slice(5).trim();
          onBusy(waitedFor);
        } else if (line === 'LOCKED') locked();
      },
    },
  );
  const outcome = await Promise.race([ready.then(() => undefined), held.done]);
  if (outcome !== undefined) {
    if (outcome.outcome.kind === 'cancelled') throw new CancelledError('signal');
    if (outcome.outcome.kind === 'exited' && outcome.outcome.code === 75) {
      throw new LockTimeoutError(
        `the deploy lock in ${stateDir} on ${session.label} is still held after ${timeoutSeconds}s by ${waitedFor ?? 'another run'}; nothing was changed`,
      );
    }
    throw new Error(
      `could not take the deploy lock in ${stateDir} on ${session.label}: the lock command ${describeOutcome(outcome.outcome)}` +
        (outcome.stderrTail.length > 0 ? ` (${outcome.stderrTail.join(' ')})` : ''),
    );
  }
  return {
    waitedFor,
    waitedMs: Date.now() - started,
    release: async () => {
      held.endInput();
      await held.done;
    },
  };
}

/** The holder record for this run, from the runner's environment. */
export function holderFromEnvironment(environment: string, action: string): LockHolder {
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const runId = process.env.GITHUB_RUN_ID ?? `local-${process.pid}`;
  return {
    run_id: runId,
    run_url: repository === '' ? '' : `${server}/${repository}/actions/runs/${runId}`,
    actor: process.env.GITHUB_ACTOR ?? process.env.USER ?? 'unknown',
    environment,
    action,
    since: new Date().toISOString(),
  };
}

/**
 * Runs `work` holding the deploy lock, released whatever happens. A dry run changes nothing, so it
 * takes no lock (taking it writes the holder into state-dir).
 */
export async function withDeployLock<T>(
  session: SshSession,
  connection: { readonly stateDir: string; readonly dryRun: boolean },
  timeoutSeconds: number,
  holder: LockHolder,
  work: () => Promise<T>,
): Promise<T> {
  if (connection.dryRun) return work();
  const started = Date.now();
  core.startGroup('Take the deploy lock');
  let lock: DeployLock;
  try {
    lock = await takeDeployLock(session, connection.stateDir, timeoutSeconds, holder, (busy) =>
      core.info(`the deploy lock is held by ${busy}; waiting up to ${timeoutSeconds}s`),
    );
  } finally {
    core.endGroup();
  }
  core.info(`Take the deploy lock: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
