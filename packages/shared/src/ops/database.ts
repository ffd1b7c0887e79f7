/**
 * The pieces of a database restore that a full rollback (runbook §5) and recover-database (runbook §6,
 * database corruption) share: which backup `latest` means, the emergency backup, stopping and starting
 * the application services, and the restore itself with what a failed one leaves behind. Each caller
 * puts them in its own order; the messages name the procedure that runs them.
 */
import * as core from '@actions/core';
import { composeCommand, type Compose } from '../compose/compose';
import { waitUntilHealthy, type GateSettings, type ServiceWait } from '../compose/rollout';
import { stage } from '../deploy/deploy';
import { CancelledError, errorMessage } from '../errors';
import type { ConnectionSettings } from '../inputs/connection';
import { GOOD_RESULTS, type JournalResult, type Release } from '../ledger/ledger';
import { backupNamed } from '../migrate/alembic';
import { commandLine, toSshCommand } from '../shell';
import { inert } from '../ssh/output';
import { describeOutcome, RemoteCommandError, type RemoteSession } from '../ssh/session';

/**
 * Backups `latest` must never pick: emergency backups taken by rollbacks and recoveries (and every
 * backup that appeared while one was taken), backups whose restore failed, and backups taken by runs
 * that failed or were cancelled (the journal names them all).
 */
export function untrustedBackups(releases: readonly Release[]): Set<string> {
  const excluded = new Set<string>();
  for (const release of releases) {
    if (release.emergency_backup) excluded.add(release.emergency_backup);
    for (const backup of release.untrusted_backups ?? []) excluded.add(backup);
    if (
      release.backup &&
      release.action !== 'rollback' &&
      release.action !== 'ops' &&
      !GOOD_RESULTS.includes(release.result) &&
      release.result !== 'started'
    )
      excluded.add(release.backup);
  }
  return excluded;
}

/** A backup's file name: listings and backup commands may name it with or without its folder. */
export const backupBasename = (file: string): string => file.replace(/\/+$/, '').split('/').pop() ?? file;

/** `ls -l` lines: the size is the fifth field. */
const LONG_LISTING = /^[-dlbcps][rwxsStT-]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\S+)\s/;

/** The backups `restore-command --list` output names (entries the listing shows as empty left out). */
export function backupsListed(listing: string): string[] {
  return listing
    .split('\n')
    .filter((line) => LONG_LISTING.exec(line.trim())?.[1] !== '0')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((file) => /\//.test(file) || /\.(sql|gz|dump|bak)$/.test(file));
}

/**
 * The newest backup in `restore-command --list` output, by the timestamp in its name, else the last
 * listed. An entry the listing shows as empty (size 0 in an `ls -l` line) is never picked, nor one
 * whose file name (with or without its folder) is excluded.
 */
export function newestBackup(listing: string, excluded: ReadonlySet<string> = new Set()): string | undefined {
  const names = new Set([...excluded].map(backupBasename));
  const files = backupsListed(listing).filter((file) => !names.has(backupBasename(file)));
  const stamp = (file: string) => /(\d{8})[_-]?(\d{6})/.exec(file)?.slice(1).join('') ?? '';
  const dated = files.filter((file) => stamp(file) !== '');
  if (dated.length > 0) return dated.sort((a, b) => stamp(a).localeCompare(stamp(b))).at(-1);
  return files.at(-1);
}

/** The entries of `after` that `before` did not list (by file name). */
export function newBackups(before: readonly string[], after: readonly string[]): string[] {
  const known = new Set(before.map(backupBasename));
  return [...new Set(after.filter((file) => !known.has(backupBasename(file))))];
}

/** `restore-command --list`, as a list of backups. */
export async function listBackups(
  session: RemoteSession,
  appDir: string,
  restoreCommand: string,
  keepOnCancel = false,
  timeoutSeconds?: number,
): Promise<string[]> {
  return backupsListed(
    await session.run(toSshCommand(`cd "$1" && ${restoreCommand} --list`, [appDir]), 'listing the backups', {
      echo: 'stderr',
      ...(keepOnCancel ? { keepOnCancel, timeoutSeconds: 60 } : {}),
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    }),
  );
}

/**
 * The container a `docker exec [options] <container> ...` command runs in; undefined for any other
 * command (it then runs on the host).
 */
export function execContainer(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'docker' || words[1] !== 'exec') return undefined;
  const valued = ['-u', '--user', '-e', '--env', '-w', '--workdir', '--env-file', '--detach-keys'];
  for (let index = 2; index < words.length; index++) {
    const word = words[index];
    if (!word.startsWith('-')) return word;
    if (valued.includes(word)) index++;
  }
  return undefined;
}

/**
 * Why `backup` cannot be restored, read before anything is stopped: it is missing or empty where
 * restore-command reads it (in its container for `docker exec`, else on the host). undefined when it
 * is there, or when it is a bare name whose folder only the restore command knows.
 */
export async function backupProblem(
  session: RemoteSession,
  appDir: string,
  restoreCommand: string,
  backup: string,
): Promise<string | undefined> {
  if (!backup.includes('/')) return undefined;
  const container = execContainer(restoreCommand);
  const check = 'test -s "$1" || { echo "missing or empty" >&2; exit 1; }';
  const result = await session.exec(
    container === undefined
      ? toSshCommand(`cd "$1" && shift && ${check}`, [appDir, backup])
      : commandLine({ argv: ['docker', 'exec', container, 'sh', '-c', check, 'sh', backup] }),
    { echo: 'none', timeoutSeconds: 60 },
  );
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  if (result.outcome.kind === 'exited' && result.outcome.code === 0) return undefined;
  const where = container === undefined ? 'on the host' : `in ${container}`;
  return inert(
    `the backup ${backup} is not there or is empty ${where} (${result.stderrTail.join(' ').trim() || describeOutcome(result.outcome)})`,
  );
}

/**
 * The backup `latest` means: the newest trusted one `restore-command --list` names. Ask before any
 * backup of this run exists, so it can never be that one.
 */
export async function newestTrustedBackup(
  session: RemoteSession,
  appDir: string,
  restoreCommand: string,
  releases: readonly Release[],
): Promise<string | undefined> {
  const listed = await listBackups(session, appDir, restoreCommand);
  return newestBackup(listed.join('\n'), untrustedBackups(releases));
}

/** Where and how a procedure on the database works, and how it reports and journals. */
export interface DatabaseWork {
  readonly session: RemoteSession;
  readonly compose: Compose;
  readonly place: Pick<ConnectionSettings, 'appDir' | 'composeFile'>;
  readonly env: Readonly<Record<string, string>>;
  /** The application services: stopped for the restore, started again after it. */
  readonly services: readonly string[];
  readonly gate: GateSettings;
  readonly signal: AbortSignal;
  /** The procedure, as messages name it: "the rollback", "the recovery". */
  readonly procedure: string;
  /** The commit the stopped services run (for messages). */
  readonly ref: string;
  /** One step of what happened, already shown and kept for the summary. */
  readonly note: (line: string) => void;
  readonly journal: (result: JournalResult, extra?: Partial<Release>) => Promise<void>;
  /**
   * Backups `latest` must never pick that this run found (emergency ones, one whose restore failed):
   * the caller's journal writes them (`untrusted_backups`) with every entry.
   */
  readonly untrusted: string[];
}

/** Adds backups to the run's untrusted ones and journals them at once (best effort after a cancel). */
async function distrust(work: DatabaseWork, backups: readonly string[]): Promise<void> {
  const fresh = backups.filter((backup) => !work.untrusted.includes(backup));
  if (fresh.length === 0) return;
  work.untrusted.push(...fresh);
  // After a cancel this cannot run: the caller's `cancelled` entry carries them.
  await work.journal('started').catch(() => undefined);
}

/**
 * Runs `backup-command` in app-dir; the file it names (inert), or undefined. Throws when it fails.
 * The backups are listed before and after it (after it even when it was cancelled or failed: a backup
 * command in a container goes on after its client is stopped), and every new one is journalled as
 * untrusted with the one the command named: `latest` never restores the database this replaces.
 */
export async function takeEmergencyBackup(
  work: DatabaseWork,
  backupCommand: string,
  restoreCommand: string,
): Promise<string | undefined> {
  const { session } = work;
  const appDir = work.place.appDir;
  // Best effort, briefly: a listing that fails (not a cancel) only costs the comparison, said below.
  const before = await listBackups(session, appDir, restoreCommand, false, 30).catch((error: unknown) => {
    if (error instanceof CancelledError) throw error;
    return undefined;
  });
  let named: string | undefined;
  try {
    const output = await stage('Emergency backup', () =>
      session.run(toSshCommand(`cd "$1" && ${backupCommand}`, [appDir]), 'the emergency backup'),
    );
    named = backupNamed(output);
  } finally {
    const after =
      session.lost === undefined && before !== undefined
        ? await listBackups(session, appDir, restoreCommand, true, 30).catch(() => undefined)
        : undefined;
    const created = before === undefined || after === undefined ? [] : newBackups(before, after);
    if (after === undefined)
      work.note(
        'the backups could not be listed after the emergency backup: a new one may not be journalled',
      );
    await distrust(work, [...(named === undefined ? [] : [named]), ...created]);
  }
  work.note(`emergency backup of the current database: ${named ?? '(the command named no file)'}`);
  return named;
}

/** Stops the application services (not the database). */
export async function stopServices(work: DatabaseWork): Promise<void> {
  await stage('Stop the application services', () =>
    work.session.run(
      commandLine(composeCommand(work.compose, work.place, ['stop', ...work.services], work.env)),
      'stopping the services',
    ),
  );
  work.note(`stopped: ${work.services.join(', ')}`);
}

export interface ServicesStarted {
  /** `compose start` exited 0. */
  readonly started: boolean;
  readonly waits: readonly ServiceWait[];
  /** `service (state)` of each that did not pass its gate. */
  readonly failing: readonly string[];
  /** Why they could not be started, when they could not. */
  readonly problem: string | undefined;
}

/**
 * Starts the stopped services again, as they were (`compose start`: the same containers), and gates
 * each as a deploy does (in parallel: none of them is serving). After a cancel (`afterCancel`) the
 * start still runs, briefly, and nothing is waited for.
 */
export async function startServices(
  work: DatabaseWork,
  afterCancel = false,
  keepOnCancel = afterCancel,
): Promise<ServicesStarted> {
  const { session, compose, place, env, services, gate, signal } = work;
  const start = await session.exec(commandLine(composeCommand(compose, place, ['start', ...services], env)), {
    keepOnCancel,
    ...(afterCancel ? { timeoutSeconds: 60 } : {}),
  });
  const started = start.outcome.kind === 'exited' && start.outcome.code === 0;
  // Started is not back: each one passes the same gate as in a deploy.
  const waits =
    started && !afterCancel
      ? await Promise.all(
          services.map((service) =>
            waitUntilHealthy(session, compose, place, env, service, gate, signal).catch(
              (error: unknown): ServiceWait => ({
                service,
                ok: false,
                waitedMs: 0,
                state: errorMessage(error),
              }),
            ),
          ),
        )
      : [];
  return {
    started,
    waits,
    failing: waits.filter((wait) => !wait.ok).map((wait) => `${wait.service} (${wait.state})`),
    problem: started
      ? undefined
      : inert(start.stderrTail.join(' ').trim() || `compose start ${describeOutcome(start.outcome)}`),
  };
}

/** `pg_isready` in the database's container: whether PostgreSQL answers, and what it said. */
export async function postgresAnswers(
  session: RemoteSession,
  container: string,
): Promise<{ readonly ok: boolean; readonly said: string }> {
  const result = await session.exec(commandLine({ argv: ['docker', 'exec', container, 'pg_isready'] }), {
    echo: 'none',
    timeoutSeconds: 60,
  });
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  const said = inert(
    [result.stdout.trim(), ...result.stderrTail].filter((line) => line !== '').join(' ') ||
      describeOutcome(result.outcome),
  );
  return { ok: result.outcome.kind === 'exited' && result.outcome.code === 0, said };
}

export interface RestoreRequest {
  /** `restore-command`, a configured prefix. */
  readonly command: string;
  readonly args: readonly string[];
  /** The backup restored, as the summary and the ledger name it. */
  readonly backup: string;
  readonly emergencyBackup: string | undefined;
  /** What to do by hand when the services stay stopped. */
  readonly finish: string;
}

export interface RestoreFailure {
  readonly failure: string;
  /** Set when the application is left down: why, and the commands to finish. */
  readonly productionDown: string | undefined;
}

/**
 * Runs the restore, answering the script's confirmation prompt; undefined when it succeeded. Whatever
 * else happens to it (it exits non-zero, times out, is cancelled or loses its connection) leaves the
 * services stopped: the restore may have dropped the schema before it failed, and they are never
 * started on a database that may be half restored. (That the backup exists and is not empty is checked
 * before anything is stopped: backupProblem.) The backup is journalled as untrusted, so `latest` never
 * picks it again. A cancel is journalled and thrown, saying what is down.
 */
export async function restoreBackup(
  work: DatabaseWork,
  restore: RestoreRequest,
): Promise<RestoreFailure | undefined> {
  const { session, signal, procedure } = work;
  const stopped = work.services.join(', ');
  const journalled = { backup: restore.backup, emergency_backup: restore.emergencyBackup };
  const down = (why: string) =>
    `PRODUCTION IS DOWN: ${stopped} are stopped because ${why}; the database may be partly restored. ${restore.finish}`;
  try {
    await stage(`Restore ${restore.backup}`, () =>
      session.run(
        toSshCommand(`cd "$1" && shift && ${restore.command} "$@"`, [work.place.appDir, ...restore.args]),
        'the restore command',
        { stdin: 'yes\n' },
      ),
    );
    work.note(`database restored from ${restore.backup}`);
    return undefined;
  } catch (error) {
    // Never `latest` again: it may be what broke the restore.
    work.untrusted.push(...[restore.backup].filter((backup) => !work.untrusted.includes(backup)));
    if (error instanceof CancelledError || signal.aborted) {
      const productionDown = down(
        `${procedure} was cancelled during the restore (the restore was stopped on the server)`,
      );
      core.error(inert(productionDown));
      await work.journal('cancelled', journalled).catch(() => undefined);
      throw new CancelledError(String(signal.reason ?? 'signal'), productionDown);
    }
    await work.journal('started', journalled).catch(() => undefined);
    const outcome =
      error instanceof RemoteCommandError ? describeOutcome(error.result.outcome) : 'did not finish';
    const kept =
      restore.emergencyBackup === undefined
        ? `no emergency backup holds the database as it was before ${procedure}`
        : `the emergency backup ${restore.emergencyBackup} holds the database as it was before ${procedure}`;
    const productionDown = down(`the restore ${outcome}`);
    work.note(productionDown);
    return {
      failure: `${errorMessage(error)}\n${productionDown}; ${kept}; ${restore.backup} is journalled as untrusted (never \`latest\` again)`,
      productionDown,
    };
  }
}
