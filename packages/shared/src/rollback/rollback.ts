/**
 * Runbook §5: an image rollback (the target commit and its images, restarted one service at a time
 * with health waits, exactly as a deploy) or a full rollback (an emergency backup of the database
 * first, the application services stopped, the database restored, then the same rolling restart).
 */
import * as core from '@actions/core';
import { composeCommand, detectCompose } from '../compose/compose';
import {
  defaultImageTag,
  resolveRef,
  runDeploy,
  runningImageTag,
  stage,
  type DeployContext,
  type DeployOutcome,
} from '../deploy/deploy';
import { CancelledError, errorMessage } from '../errors';
import { headCommit } from '../git/git';
import type { RollbackSettings, RollbackTarget } from '../inputs/rollback';
import { appendRelease, readReleases, type Release } from '../ledger/ledger';
import { backupNamed, currentRevision, parseRevisions, alembicCommandLine } from '../migrate/alembic';
import { commandLine, toSshCommand } from '../shell';
import type { SshSession } from '../ssh/session';
import { rollbackCommand } from '../summary/deploy';

export interface RollbackOutcome {
  readonly mode: 'image' | 'full';
  readonly fromRef: string;
  readonly toRef: string;
  readonly toImageTag: string;
  readonly restoredBackup: string | undefined;
  readonly emergencyBackup: string | undefined;
  readonly schemaWarning: string | undefined;
  readonly deploy: DeployOutcome | undefined;
  readonly failure: string | undefined;
  /** What happened, step by step, for the summary and the error. */
  readonly account: readonly string[];
}

const GOOD: readonly Release['result'][] = ['success', 'unchanged'];

function recent(releases: readonly Release[]): string {
  const lines = [...releases]
    .reverse()
    .slice(0, 10)
    .map(
      (r) =>
        `  ${r.time} ${r.ref.slice(0, 12)} ${r.image_tag} ${r.result}${r.action ? ` (${r.action})` : ''} by ${r.actor}`,
    );
  return lines.length === 0
    ? ' (the ledger is empty: no release was recorded on this server yet)'
    : `; recent releases:\n${lines.join('\n')}`;
}

/** Resolves `to` against the ledger (and git, for a SHA the ledger does not name). */
export async function resolveTarget(
  session: SshSession,
  appDir: string,
  releases: readonly Release[],
  head: string,
  to: RollbackTarget,
): Promise<{ sha: string; imageTag: string | undefined }> {
  const newestFirst = [...releases].reverse();
  if (to.kind === 'previous') {
    const entry = newestFirst.find((r) => GOOD.includes(r.result) && r.ref !== head);
    if (entry) return { sha: entry.ref, imageTag: entry.image_tag || undefined };
    const current = newestFirst.find(
      (r) => r.ref === head && r.previous_ref !== '' && r.previous_ref !== head,
    );
    if (current) return { sha: current.previous_ref, imageTag: undefined };
    throw new Error(`no previous release to roll back to${recent(releases)}`);
  }
  const value = to.value;
  if (/^[0-9a-f]{7,40}$/.test(value)) {
    const entry = newestFirst.find((r) => r.ref.startsWith(value) && GOOD.includes(r.result));
    if (entry) return { sha: entry.ref, imageTag: entry.image_tag || undefined };
    try {
      return { sha: await resolveRef(session, appDir, value, 'origin'), imageTag: undefined };
    } catch {
      // Not a commit here: try it as an image tag below.
    }
  }
  const tagged = newestFirst.find((r) => r.image_tag === value && GOOD.includes(r.result));
  if (tagged) return { sha: tagged.ref, imageTag: tagged.image_tag };
  throw new Error(
    `"${value}" is neither a commit nor an image tag this server's ledger knows${recent(releases)}`,
  );
}

/** The newest backup in `restore-command --list` output, by the timestamp in its name, else the last listed. */
export function newestBackup(listing: string): string | undefined {
  const files = listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((file) => /\//.test(file) || /\.(sql|gz|dump|bak)$/.test(file));
  const stamp = (file: string) => /(\d{8})[_-]?(\d{6})/.exec(file)?.slice(1).join('') ?? '';
  const dated = files.filter((file) => stamp(file) !== '');
  if (dated.length > 0) return dated.sort((a, b) => stamp(a).localeCompare(stamp(b))).at(-1);
  return files.at(-1);
}

export async function runRollback(
  settings: RollbackSettings,
  context: DeployContext,
): Promise<RollbackOutcome> {
  const { session } = context;
  const { connection } = settings.deploy;
  const account: string[] = [];
  const note = (line: string) => {
    account.push(line);
    core.info(line);
  };
  const fromRef = (
    await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
      echo: 'stderr',
    })
  ).trim();
  const releases = await readReleases(session, connection.stateDir);
  const target = await resolveTarget(session, connection.appDir, releases, fromRef, settings.to);
  const toImageTag = target.imageTag ?? defaultImageTag(target.sha);
  const fromTag = runningImageTag(releases, fromRef);
  note(
    `rolling back (${settings.mode}) from ${fromRef.slice(0, 12)} (${fromTag}) to ${target.sha.slice(0, 12)} (${toImageTag})`,
  );
  const base = { mode: settings.mode, fromRef, toRef: target.sha, toImageTag, account };
  const compose = await detectCompose(session, connection.composeCommand);
  const migrationPlace = {
    session,
    appDir: connection.appDir,
    composeFile: connection.composeFile,
    compose,
    env: { IMAGE_TAG: fromTag },
  };

  let restoredBackup: string | undefined;
  let emergencyBackup: string | undefined;
  const deploySettings = {
    ...settings.deploy,
    ref: target.sha,
    // A tag that is not ours (git-<sha>) was pulled when it was deployed; pull it again.
    imageTag:
      target.imageTag !== undefined && !target.imageTag.startsWith('git-') ? target.imageTag : undefined,
    // After a database restore, putting the newer code back on the older data would be worse.
    autoRollback: settings.mode === 'full' ? false : settings.deploy.autoRollback,
  };

  if (settings.mode === 'full' && !connection.dryRun) {
    const fail = async (failure: string): Promise<RollbackOutcome> => {
      await appendRelease(session, connection.stateDir, {
        time: new Date().toISOString(),
        environment: connection.environment,
        ref: target.sha,
        image_tag: toImageTag,
        previous_ref: fromRef,
        migration: '',
        actor: context.actor,
        run_url: context.runUrl,
        result: 'failed',
        action: 'rollback',
        ...(restoredBackup ? { backup: restoredBackup } : {}),
      }).catch((error: unknown) => core.warning(`could not append to the ledger: ${errorMessage(error)}`));
      return {
        ...base,
        restoredBackup,
        emergencyBackup,
        schemaWarning: undefined,
        deploy: undefined,
        failure,
      };
    };
    // 1. Which backup: chosen before the emergency backup exists, so `latest` can never be that one.
    let restoreArgs: string[];
    if (settings.backup.kind === 'latest') {
      const listing = await session.run(
        toSshCommand(`cd "$1" && ${settings.restoreCommand} --list`, [connection.appDir]),
        'listing the backups',
        {
          echo: 'stderr',
        },
      );
      const newest = newestBackup(listing);
      if (newest === undefined) return fail(`restore-command --list names no backup; nothing was changed`);
      restoredBackup = newest;
      restoreArgs = [newest];
    } else if (settings.backup.kind === 'file') {
      restoredBackup = settings.backup.path;
      restoreArgs = [settings.backup.path];
    } else {
      restoredBackup = `s3:${settings.backup.key}`;
      restoreArgs = ['--from-s3', settings.backup.key];
    }
    note(`backup to restore: ${restoredBackup}`);
    // 2. Emergency backup of the database as it is, so a wrong restore can be undone.
    try {
      const output = await stage('Emergency backup', () =>
        session.run(
          toSshCommand(`cd "$1" && ${settings.deploy.migration.backupCommand}`, [connection.appDir]),
          'the emergency backup',
        ),
      );
      emergencyBackup = backupNamed(output);
      note(`emergency backup of the current database: ${emergencyBackup ?? '(the command named no file)'}`);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      return fail(`${errorMessage(error)}; the emergency backup failed, so nothing was stopped or restored`);
    }
    // 3. Stop the application services (not the database).
    const env = { IMAGE_TAG: fromTag };
    await stage('Stop the application services', () =>
      session.run(
        commandLine(composeCommand(compose, connection, ['stop', ...settings.deploy.services], env)),
        'stopping the services',
      ),
    );
    note(`stopped: ${settings.deploy.services.join(', ')}`);
    // 4. Restore, answering the script's confirmation prompt.
    try {
      await stage(`Restore ${restoredBackup}`, () =>
        session.run(
          toSshCommand(`cd "$1" && shift && ${settings.restoreCommand} "$@"`, [
            connection.appDir,
            ...restoreArgs,
          ]),
          'the restore command',
          {
            stdin: 'yes\n',
          },
        ),
      );
      note(`database restored from ${restoredBackup}`);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      const why = errorMessage(error);
      // Bring the stopped services back as they were, so the failed restore costs no more downtime.
      const restart = await session.exec(
        commandLine(
          composeCommand(compose, connection, ['up', '-d', '--no-deps', ...settings.deploy.services], env),
        ),
      );
      const back = restart.outcome.kind === 'exited' && restart.outcome.code === 0;
      note(
        back
          ? `services started again on ${fromRef.slice(0, 12)}`
          : `could not start the services again: ${restart.stderrTail.join(' ')}`,
      );
      return fail(
        `${why}\nthe restore failed; ${back ? `${settings.deploy.services.join(', ')} were started again on ${fromRef.slice(0, 12)}` : 'the services are STOPPED'}; ` +
          `the database may be partly restored: the emergency backup ${emergencyBackup ?? '(none named)'} holds it as it was before the rollback`,
      );
    }
  }

  // Schema compatibility (image mode): the database's revision against the target's migration head.
  let dbRevision: string | undefined;
  if (settings.mode === 'image') {
    dbRevision = await currentRevision(migrationPlace, settings.deploy.migration).catch((error: unknown) => {
      core.warning(`could not read the database revision: ${errorMessage(error)}`);
      return undefined;
    });
  }
  const deploy = await runDeploy(deploySettings, { ...context, action: 'rollback', compose });
  let schemaWarning: string | undefined;
  if (settings.mode === 'image' && dbRevision !== undefined && !connection.dryRun) {
    const heads = await session
      .run(
        alembicCommandLine({ ...migrationPlace, env: { IMAGE_TAG: toImageTag } }, settings.deploy.migration, [
          'heads',
        ]),
        'alembic heads',
        { echo: 'stderr' },
      )
      .then((text) => parseRevisions(text).join(','))
      .catch((error: unknown) => `(unknown: ${errorMessage(error)})`);
    if (heads !== dbRevision) {
      schemaWarning =
        `code and schema may not match: the database is at ${dbRevision || '(base)'} but ${target.sha.slice(0, 12)}'s migrations end at ${heads || '(none)'}. ` +
        `The database was not changed; to restore it too: ${rollbackCommand(connection.environment, target.sha, true)}`;
      core.warning(schemaWarning);
    }
  }
  return {
    ...base,
    restoredBackup: settings.mode === 'full' ? restoredBackup : undefined,
    emergencyBackup,
    schemaWarning,
    deploy,
    failure: deploy.failure,
  };
}
