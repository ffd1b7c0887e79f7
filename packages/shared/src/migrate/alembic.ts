/**
 * Alembic migrations as runbook §4 asks: where the contract says (inside `compose run --rm --no-deps
 * -T <migrate-service>`, or on the host), with the SQL previewed for exactly the range to apply,
 * destructive statements refused unless allowed, a backup first, and an honest account of failure.
 * Shared by action-deploy and action-migrate.
 */
import { composeCommand, type Compose } from '../compose/compose';
import { CancelledError, errorMessage } from '../errors';
import { commandLine, quote, toSshCommand, type RemoteCommand } from '../shell';
import {
  describeOutcome,
  RemoteCommandError,
  type ExecOptions,
  type ExecResult,
  type RemoteSession,
  RUN_LABEL,
} from '../ssh/session';
import { inert } from '../ssh/output';
import { destructiveStatements, type DestructiveStatement } from './sql';

export interface MigrationSettings {
  /** Compose service to run alembic in; undefined = on the host, in app-dir. */
  readonly migrateService: string | undefined;
  /** Prefix such as `cd backend && uv run alembic` (validated: words and `&&` only). */
  readonly alembicCommand: string;
  readonly backup: boolean;
  readonly backupCommand: string;
  readonly allowDestructive: boolean;
}

export interface MigrationPlace {
  readonly session: RemoteSession;
  readonly appDir: string;
  readonly composeFile: string;
  /** Needed when migrateService is set. */
  readonly compose: Compose | undefined;
  /** Exported to compose (IMAGE_TAG), so the migration runs with the release's image. */
  readonly env: Readonly<Record<string, string>>;
  /** The run's cancel: a container running alembic is removed at once, not after its client is gone. */
  readonly signal?: AbortSignal;
  /**
   * Runs migrate-service's command other than by `compose run` (swarm: a one-off `docker run` of the
   * new image): the command for the container `label` and the words to run in it.
   */
  readonly oneOff?: (label: string, command: readonly string[]) => RemoteCommand;
}

export interface MigrationRequest {
  readonly direction: 'upgrade' | 'downgrade';
  /** `head`, `-N`, `+N` or a revision id (validated). */
  readonly target: string;
  /** Only produce the SQL; nothing is applied and no backup is taken. */
  readonly preview: boolean;
}

export interface MigrationOutcome {
  readonly revisionBefore: string;
  readonly revisionAfter: string;
  /** The SQL to show (outputs, summary): its first SQL_SHOWN characters. The guard reads it whole. */
  readonly sql: string;
  /** The shown SQL is cut (the guard still read all of it, up to SQL_READ_LIMIT). */
  readonly sqlTruncated: boolean;
  /** Statements that are destructive or cannot be proven safe; empty = safe to apply. */
  readonly destructive: readonly DestructiveStatement[];
  readonly backup: string | undefined;
  readonly applied: boolean;
}

/** Where a migration step failed, with what the database is at now and which backup to restore. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly partial: Partial<MigrationOutcome>,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/**
 * The previewed SQL is read and classified whole up to this size (parsing 8 MiB takes about a second
 * and half a GiB); longer SQL is refused as "cannot prove safe", never judged by a prefix.
 */
const SQL_READ_LIMIT = 8 * 1024 * 1024;
/** What outputs and summaries show of it (GitHub bounds outputs and summaries to about 1 MiB). */
const SQL_SHOWN = 256 * 1024;

/** The destructive statements, one per line, for logs, warnings and errors. */
export function listDestructive(found: readonly DestructiveStatement[]): string {
  // The statements are the migration's own text (string literals and comments included): inert.
  return inert(found.map((statement) => `  ${statement.kind}: ${statement.statement}`).join('\n'));
}

/** The text sent over SSH to run `alembic <args>`. */
export function alembicCommandLine(
  place: MigrationPlace,
  settings: MigrationSettings,
  args: readonly string[],
): string {
  const script = `${settings.alembicCommand} ${args.map(quote).join(' ')}`;
  if (settings.migrateService === undefined) return toSshCommand(`cd "$1" && ${script}`, [place.appDir]);
  // Labelled with the run's token: a container whose client was stopped (a cancel, a timeout, a
  // lost connection) keeps running the migration, so it is found and removed by that label.
  const label = `${RUN_LABEL}=${place.session.runToken}`;
  if (place.oneOff !== undefined) return commandLine(place.oneOff(label, ['sh', '-c', script]));
  if (place.compose === undefined)
    throw new Error('migrate-service is set but no compose command was detected');
  return commandLine(
    composeCommand(
      place.compose,
      place,
      ['run', '--rm', '--no-deps', '-T', '--label', label, settings.migrateService, 'sh', '-c', script],
      place.env,
    ),
  );
}

/** Removes the one-off containers this run started and left behind (its client was stopped). */
async function removeLeftoverContainers(place: MigrationPlace): Promise<void> {
  await place.session.exec(
    toSshCommand(
      'ids=$(docker ps -aq --filter "label=$1") && [ -n "$ids" ] && docker rm -f $ids >/dev/null; exit 0',
      [`${RUN_LABEL}=${place.session.runToken}`],
    ),
    { echo: 'none', keepOnCancel: true, timeoutSeconds: 60 },
  );
}

/** Runs alembic; when it did not exit by itself inside a container, its container is removed too. */
async function execAlembic(
  place: MigrationPlace,
  settings: MigrationSettings,
  args: readonly string[],
  options: ExecOptions,
): Promise<ExecResult> {
  if (settings.migrateService === undefined)
    return place.session.exec(alembicCommandLine(place, settings, args), options);
  // Stopping `compose run` does not stop its container at once (the client may take its whole kill
  // grace), and the migration would go on meanwhile: on a cancel the container is removed right away.
  let removing: Promise<void> | undefined;
  const onCancel = () => {
    removing = removeLeftoverContainers(place);
  };
  place.signal?.addEventListener('abort', onCancel, { once: true });
  try {
    const result = await place.session.exec(alembicCommandLine(place, settings, args), options);
    if (result.outcome.kind !== 'exited') await (removing ?? removeLeftoverContainers(place));
    return result;
  } finally {
    place.signal?.removeEventListener('abort', onCancel);
  }
}

/** Revision ids from `alembic current` / `alembic heads` output ("ae1027a6acf (head)"). */
export function parseRevisions(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^([0-9A-Za-z_]+)(?:\s+\(.*\))?\s*$/.exec(line.trim())?.[1])
    .filter((revision): revision is string => revision !== undefined);
}

async function alembic(
  place: MigrationPlace,
  settings: MigrationSettings,
  args: string[],
  what: string,
  maxBytes?: number,
) {
  const result = await execAlembic(place, settings, args, { echo: 'stderr', maxBytes });
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  if (result.outcome.kind !== 'exited' || result.outcome.code !== 0)
    throw new RemoteCommandError(place.session.label, what, result);
  return result.stdout;
}

export async function currentRevision(place: MigrationPlace, settings: MigrationSettings): Promise<string> {
  return parseRevisions(await alembic(place, settings, ['current'], 'alembic current')).join(',');
}

/** The path a backup command names: its last output line that looks like a file, else its last line. */
export function backupNamed(output: string): string | undefined {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const path = [...lines]
    .reverse()
    .map((line) => /(\S*\/\S+)\s*$/.exec(line)?.[1])
    .find((match) => match !== undefined);
  const named = path ?? lines[lines.length - 1];
  // What a command printed: never a workflow command where it is shown.
  return named === undefined ? undefined : inert(named);
}

/** A migration checked and ready to apply: its SQL previewed and judged. */
export interface PreparedMigration {
  readonly base: Omit<MigrationOutcome, 'revisionAfter' | 'backup' | 'applied'>;
  /** Nothing to apply: a preview, or the database already at the head. */
  readonly done: MigrationOutcome | undefined;
}

/** Preview, guard and backup, then the migration itself: runbook §4 in one call. */
export async function runMigration(
  place: MigrationPlace,
  settings: MigrationSettings,
  request: MigrationRequest,
  log: (message: string) => void,
  knownRevision?: string,
): Promise<MigrationOutcome> {
  const prepared = await prepareMigration(place, settings, request, log, knownRevision);
  return prepared.done ?? applyMigration(place, settings, request, prepared, log);
}

/**
 * The checks before a migration: heads and the current revision (asked side by side; the revision
 * may be one the run read under its lock moments ago), the SQL preview of exactly the range to apply,
 * and the destructive guard. They need the release's code but not its images or services, so a deploy
 * runs them during the build where alembic runs on the host. The backup is taken by applyMigration,
 * right before the migration, so it holds every write up to it.
 */
export async function prepareMigration(
  place: MigrationPlace,
  settings: MigrationSettings,
  request: MigrationRequest,
  log: (message: string) => void,
  knownRevision?: string,
): Promise<PreparedMigration> {
  const [heads, revisionBefore] = await Promise.all([
    alembic(place, settings, ['heads'], 'alembic heads').then(parseRevisions),
    knownRevision ?? currentRevision(place, settings),
  ]);
  if (heads.length > 1) {
    throw new MigrationError(
      `the migrations have ${heads.length} heads (${heads.join(', ')}): merge them (alembic merge) before deploying`,
      {},
    );
  }
  log(`database revision: ${revisionBefore || '(none: base)'}; head: ${heads[0] ?? '(no migrations)'}`);

  // Offline mode starts at base unless told where to start: give it exactly the range to apply.
  const range =
    request.direction === 'upgrade'
      ? `${revisionBefore === '' ? '' : `${revisionBefore}:`}${request.target}`
      : `${revisionBefore}:${request.target}`;
  const upToDate =
    request.direction === 'upgrade' &&
    request.target === 'head' &&
    heads.length === 1 &&
    revisionBefore === heads[0];
  let sql = '';
  let sqlCut = false;
  let destructive: DestructiveStatement[] = [];
  if (!upToDate) {
    const preview = await execAlembic(place, settings, [request.direction, range, '--sql'], {
      echo: 'stderr',
      maxBytes: SQL_READ_LIMIT,
    });
    if (preview.outcome.kind !== 'exited' || preview.outcome.code !== 0) {
      throw new MigrationError(
        `the SQL preview (alembic ${request.direction} ${range} --sql) ${describeOutcome(preview.outcome)}; nothing was applied`,
        {
          revisionBefore,
        },
      );
    }
    sql = preview.stdout;
    sqlCut = preview.stdoutTruncated;
    if (sqlCut) {
      destructive = [
        {
          kind: 'SQL too long to read whole (cannot prove safe)',
          statement: `the preview printed ${preview.stdoutBytes} bytes; the guard reads at most ${SQL_READ_LIMIT / 1024 / 1024} MiB`,
        },
      ];
    } else {
      try {
        destructive = await destructiveStatements(sql);
      } catch (error) {
        throw new MigrationError(`${errorMessage(error)}; the SQL was not classified, nothing was applied`, {
          revisionBefore,
        });
      }
    }
  }
  const base = {
    revisionBefore,
    sql: sql.length > SQL_SHOWN ? sql.slice(0, SQL_SHOWN) : sql,
    sqlTruncated: sqlCut || sql.length > SQL_SHOWN,
    destructive,
  };
  // A preview never fails for being destructive: its caller warns, and sets the outputs and summary.
  if (destructive.length > 0 && !request.preview) {
    log(`destructive statements:\n${listDestructive(destructive)}`);
    if (!settings.allowDestructive) {
      throw new MigrationError(
        `the migration is destructive (${[...new Set(destructive.map((found) => found.kind))].join(', ')}) and allow-destructive is false; ` +
          'nothing was applied, no backup was taken',
        { ...base, revisionAfter: revisionBefore, applied: false },
      );
    }
  }
  if (request.preview || upToDate) {
    return { base, done: { ...base, revisionAfter: revisionBefore, backup: undefined, applied: false } };
  }
  return { base, done: undefined };
}

/** The backup, the migration itself, then the revision it left the database at. */
export async function applyMigration(
  place: MigrationPlace,
  settings: MigrationSettings,
  request: MigrationRequest,
  prepared: PreparedMigration,
  log: (message: string) => void,
): Promise<MigrationOutcome> {
  const { base } = prepared;
  const { revisionBefore } = base;
  let backup: string | undefined;
  if (settings.backup) {
    try {
      const output = await place.session.run(
        toSshCommand(`cd "$1" && ${settings.backupCommand}`, [place.appDir]),
        'the backup command',
        {
          echo: 'all',
        },
      );
      backup = backupNamed(output);
      log(`backup taken: ${backup ?? '(the backup command named no file)'}`);
    } catch (error) {
      if (!(error instanceof RemoteCommandError)) throw error;
      throw new MigrationError(`${error.message}\nthe backup failed, so nothing was migrated`, {
        ...base,
        revisionAfter: revisionBefore,
        applied: false,
      });
    }
  }

  // Alembic logs each step before running it; the last one seen is the one that failed.
  let running: string | undefined;
  const applied = await execAlembic(place, settings, [request.direction, request.target], {
    echo: 'all',
    onStderrLine: (line) => {
      const step = /Running (upgrade|downgrade) .*$/.exec(line);
      if (step) running = step[0].trim();
    },
  });
  const revisionAfter = await currentRevision(place, settings).catch(
    () => '(unknown: alembic current failed)',
  );
  if (applied.outcome.kind !== 'exited' || applied.outcome.code !== 0) {
    throw new MigrationError(
      `alembic ${request.direction} ${request.target} ${describeOutcome(applied.outcome)}` +
        (running ? ` during "${running}"` : '') +
        `; the database is now at ${revisionAfter || '(base)'}` +
        (backup ? `; the backup taken before it is ${backup}` : '; no backup was taken') +
        (applied.stderrTail.length > 0
          ? `\n  stderr: ${applied.stderrTail.slice(-5).join('\n  stderr: ')}`
          : ''),
      { ...base, revisionAfter, backup, applied: false },
    );
  }
  log(`database migrated: ${revisionBefore || '(base)'} -> ${revisionAfter}`);
  return { ...base, revisionAfter, backup, applied: true };
}
