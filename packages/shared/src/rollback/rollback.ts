/**
 * Runbook §5: an image rollback (the target commit and its images, restarted one service at a time
 * with health waits, exactly as a deploy) or a full rollback (an emergency backup of the database
 * first, the application services stopped, the database restored, then the same rolling restart).
 */
import * as core from '@actions/core';
import {
  defaultImageTag,
  liveStateRequest,
  servicesDown,
  resolveRef,
  rollbackCommand,
  withStages,
  runDeploy,
  stage,
  type DeployContext,
  type DeployOutcome,
} from '../deploy/deploy';
import { readLiveState, type LiveState } from '../deploy/live-state';
import { tagOf } from '../deploy/plan';
import { CancelledError, errorMessage } from '../errors';
import { headCommit } from '../git/git';
import type { RollbackSettings, RollbackTarget } from '../inputs/rollback';
import { appendRelease, GOOD_RESULTS, readReleases, releasesOnly, type Release } from '../ledger/ledger';
import {
  backupProblem,
  newestTrustedBackup,
  restoreBackup,
  stopServices,
  takeEmergencyBackup,
  type DatabaseWork,
} from '../ops/database';
import { commandLine } from '../shell';
import type { RemoteSession } from '../ssh/session';
import { inert } from '../ssh/output';
import type { StageTiming } from '../summary/timeline';

export interface RollbackOutcome {
  readonly mode: 'image' | 'full';
  readonly fromRef: string;
  readonly toRef: string;
  readonly toImageTag: string;
  readonly restoredBackup: string | undefined;
  readonly emergencyBackup: string | undefined;
  readonly schemaWarning: string | undefined;
  /** Set when the rollback leaves the application stopped: why, and the commands to finish. */
  readonly productionDown: string | undefined;
  readonly deploy: DeployOutcome | undefined;
  readonly failure: string | undefined;
  /** What happened, step by step, for the summary and the error. */
  readonly account: readonly string[];
  /** Each stage, in the order they began: the database's, then the deploy's (also in `deploy`). */
  readonly stages: readonly StageTiming[];
}

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
  session: RemoteSession,
  appDir: string,
  releases: readonly Release[],
  head: string,
  to: RollbackTarget,
): Promise<{ sha: string; imageTag: string | undefined }> {
  // Emergency operations ran a release; they never made one.
  const newestFirst = releasesOnly(releases).reverse();
  if (to.kind === 'previous') {
    const entry = newestFirst.find((r) => GOOD_RESULTS.includes(r.result) && r.ref !== head);
    if (entry) return { sha: entry.ref, imageTag: entry.image_tag || undefined };
    const current = newestFirst.find(
      (r) => r.ref === head && r.previous_ref !== '' && r.previous_ref !== head,
    );
    if (current) return { sha: current.previous_ref, imageTag: undefined };
    throw new Error(`no previous release to roll back to${recent(releases)}`);
  }
  const value = to.value;
  if (/^[0-9a-f]{7,40}$/.test(value)) {
    const entry = newestFirst.find((r) => r.ref.startsWith(value) && GOOD_RESULTS.includes(r.result));
    if (entry) return { sha: entry.ref, imageTag: entry.image_tag || undefined };
    try {
      return { sha: await resolveRef(session, appDir, value, 'origin'), imageTag: undefined };
    } catch {
      // Not a commit here: try it as an image tag below.
    }
  }
  const tagged = newestFirst.find((r) => r.image_tag === value && GOOD_RESULTS.includes(r.result));
  if (tagged) return { sha: tagged.ref, imageTag: tagged.image_tag };
  throw new Error(
    `"${value}" is neither a commit nor an image tag this server's ledger knows${recent(releases)}`,
  );
}

/** The database against the target's migrations: a warning naming both and how to reconcile them. */
export function schemaMismatch(
  state: LiveState,
  environment: string,
  afterRestore: boolean,
): string | undefined {
  if (state.dbRevision === undefined || state.migrations === undefined) return undefined;
  const heads = state.migrations.heads.join(',');
  if (state.dbRevision === heads) return undefined;
  const db = state.dbRevision || '(base)';
  const code = `${state.target.slice(0, 12)}'s migrations end at ${heads || '(none)'}`;
  // A database at base (no revision) is upgraded from the start.
  const known =
    state.dbRevision === '' ||
    state.dbRevision.split(',').every((revision) => state.migrations?.revisions.includes(revision));
  const reconcile = known
    ? `gh workflow run migrate.yml -f environment=${environment} -f direction=upgrade -f target=${heads || 'head'} -f preview=false`
    : afterRestore
      ? 'restore a backup taken at that revision, or deploy the release whose migrations contain it'
      : rollbackCommand(environment, state.target, true);
  return (
    `code and schema do not match: the database is at ${db} but ${code}. ` +
    `${afterRestore ? 'The restored backup was taken at another revision. ' : 'The database was not changed. '}To reconcile: ${reconcile}`
  );
}

/** A rollback, with the stages it went through. */
export async function runRollback(
  settings: RollbackSettings,
  context: DeployContext,
): Promise<RollbackOutcome> {
  return withStages(() => runRollbackUntimed(settings, context));
}

async function runRollbackUntimed(
  settings: RollbackSettings,
  context: DeployContext,
): Promise<Omit<RollbackOutcome, 'stages'>> {
  const { session } = context;
  const { connection } = settings.deploy;
  const account: string[] = [];
  // Account lines quote the server (backup names, stderr): inert wherever they are shown.
  const note = (line: string) => {
    account.push(inert(line));
    core.info(inert(line));
  };
  const fromRef = (
    await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
      echo: 'stderr',
    })
  ).trim();
  const releases = await readReleases(session, connection.stateDir);
  const target = await resolveTarget(session, connection.appDir, releases, fromRef, settings.to);
  const toImageTag = target.imageTag ?? defaultImageTag(target.sha);
  const deploySettings = {
    ...settings.deploy,
    ref: target.sha,
    // A tag that is not ours (git-<sha>) was pulled when it was deployed; pull it again.
    imageTag:
      target.imageTag !== undefined && !target.imageTag.startsWith('git-') ? target.imageTag : undefined,
    // After a database restore, putting the newer code back on the older data would be worse.
    autoRollback: settings.mode === 'full' ? false : settings.deploy.autoRollback,
  };
  // The database revision and the target's migration heads are read too, to compare them; the
  // rollback itself never migrates.
  const readState = () =>
    stage('Read the live state', () =>
      readLiveState(session, {
        ...liveStateRequest({ ...deploySettings, migrate: 'auto' }, false),
      }),
    );
  const before = await readState();
  const fromTag =
    before.containers.map((container) => tagOf(container.imageRef)).find((tag) => tag !== undefined) ?? '';
  note(
    `rolling back (${settings.mode}) from ${fromRef.slice(0, 12)} (${fromTag || 'no container'}) to ${target.sha.slice(0, 12)} (${toImageTag})`,
  );
  const base = { mode: settings.mode, fromRef, toRef: target.sha, toImageTag, account };
  const compose = before.compose;
  /** Backups this run found that `latest` must never pick: in every entry it journals. */
  const untrusted: string[] = [];
  const journal = (result: Release['result'], extra: Partial<Release> = {}) =>
    appendRelease(session, connection.stateDir, {
      time: new Date().toISOString(),
      environment: connection.environment,
      ref: target.sha,
      image_tag: toImageTag,
      previous_ref: fromRef,
      migration: '',
      actor: context.actor,
      run_url: context.runUrl,
      result,
      action: 'rollback',
      run_id: context.runId,
      ...extra,
      ...(untrusted.length > 0 ? { untrusted_backups: [...untrusted] } : {}),
    });

  let restoredBackup: string | undefined;
  let emergencyBackup: string | undefined;
  let state = before;

  if (settings.mode === 'full' && !connection.dryRun) {
    const stopped = settings.deploy.services;
    const fail = async (
      failure: string,
      productionDown?: string,
    ): Promise<Omit<RollbackOutcome, 'stages'>> => {
      await journal('failed', {
        ...(restoredBackup ? { backup: restoredBackup } : {}),
        ...(emergencyBackup ? { emergency_backup: emergencyBackup } : {}),
      }).catch((error: unknown) => core.warning(`could not append to the ledger: ${errorMessage(error)}`));
      return {
        ...base,
        restoredBackup,
        emergencyBackup,
        schemaWarning: undefined,
        productionDown,
        deploy: undefined,
        failure,
      };
    };
    // 1. Which backup: chosen before the emergency backup exists, so `latest` can never be that one,
    //    nor any backup a rollback or a failed run took (the journal names them).
    let restoreArgs: string[];
    if (settings.backup.kind === 'latest') {
      const newest = await newestTrustedBackup(session, connection.appDir, settings.restoreCommand, releases);
      if (newest === undefined)
        return fail(`restore-command --list names no usable backup; nothing was changed`);
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
    // A backup that is not there, or empty, is refused before anything is taken or stopped.
    if (settings.backup.kind !== 's3') {
      const problem = await backupProblem(
        session,
        connection.appDir,
        settings.restoreCommand,
        restoredBackup,
      );
      if (problem !== undefined) return fail(`${problem}; nothing was stopped or restored`);
    }
    await journal('started', { backup: restoredBackup });
    const work: DatabaseWork = {
      session,
      compose,
      place: connection,
      env: { IMAGE_TAG: fromTag || toImageTag },
      services: stopped,
      gate: {
        timeoutSeconds: settings.deploy.waitTimeoutSeconds,
        minUptimeSeconds: settings.deploy.minUptimeSeconds,
      },
      signal: context.signal,
      procedure: 'the rollback',
      ref: fromRef,
      note,
      journal,
      untrusted,
    };
    // 2. Emergency backup of the database as it is, so a wrong restore can be undone.
    try {
      emergencyBackup = await takeEmergencyBackup(
        work,
        settings.deploy.migration.backupCommand,
        settings.restoreCommand,
      );
      // Journalled at once: whatever happens next, `latest` must never pick it.
      if (emergencyBackup !== undefined)
        await journal('started', { backup: restoredBackup, emergency_backup: emergencyBackup });
    } catch (error) {
      if (error instanceof CancelledError) {
        await journal('cancelled').catch(() => undefined);
        throw error;
      }
      return fail(`${errorMessage(error)}; the emergency backup failed, so nothing was stopped or restored`);
    }
    // 3. Stop the application services (not the database).
    try {
      await stopServices(work);
    } catch (error) {
      if (error instanceof CancelledError)
        await journal('cancelled', { emergency_backup: emergencyBackup }).catch(() => undefined);
      throw error;
    }
    // 4. Restore, answering the script's confirmation prompt (see restoreBackup for what a failed one leaves).
    const restoreFailure = await restoreBackup(work, {
      command: settings.restoreCommand,
      args: restoreArgs,
      backup: restoredBackup,
      emergencyBackup,
      finish:
        `to finish by hand: restore again (${settings.restoreCommand} ${restoreArgs.join(' ')}), then start the services ` +
        `(${rollbackCommand(connection.environment, target.sha)}); or put the data back as it was from the emergency backup ${emergencyBackup ?? '(none named)'}`,
    });
    if (restoreFailure !== undefined) return fail(restoreFailure.failure, restoreFailure.productionDown);
    // The database changed: read what runs again (services stopped, revision restored) and converge
    // on it. From here on, anything that stops the rollback leaves production down: say so.
    try {
      state = await readState();
      return await converge(state);
    } catch (error) {
      const down = await servicesDown(session, compose, settings.deploy);
      const productionDown =
        `PRODUCTION MAY BE DOWN: the database was restored from ${restoredBackup}, then the rollback stopped ` +
        `(${errorMessage(error)}); not running and healthy now: ${down.join('; ') || 'none'}. ` +
        `To finish: ${rollbackCommand(connection.environment, target.sha)} (a deploy of ${target.sha.slice(0, 12)} starts what is stopped)`;
      core.error(inert(productionDown));
      if (error instanceof CancelledError || context.signal.aborted) {
        await journal('cancelled', { backup: restoredBackup, emergency_backup: emergencyBackup }).catch(
          () => undefined,
        );
        throw new CancelledError(String(context.signal.reason ?? 'signal'), productionDown);
      }
      return fail(errorMessage(error), productionDown);
    }
  }
  return converge(state);

  async function converge(now: LiveState): Promise<Omit<RollbackOutcome, 'stages'>> {
    const schemaWarning = connection.dryRun
      ? undefined
      : schemaMismatch(now, connection.environment, settings.mode === 'full');
    const deploy = await runDeploy(deploySettings, { ...context, action: 'rollback', state: now });
    if (schemaWarning !== undefined) core.warning(schemaWarning);
    if (emergencyBackup !== undefined || restoredBackup !== undefined) {
      await journal(deploy.result === 'cancelled' ? 'cancelled' : deploy.failure ? 'failed' : 'success', {
        ...(restoredBackup ? { backup: restoredBackup } : {}),
        ...(emergencyBackup ? { emergency_backup: emergencyBackup } : {}),
      });
    }
    return {
      ...base,
      restoredBackup: settings.mode === 'full' ? restoredBackup : undefined,
      emergencyBackup,
      schemaWarning,
      productionDown:
        deploy.down.length > 0
          ? `not running and healthy after the rollback: ${deploy.down.join('; ')}`
          : undefined,
      deploy,
      failure: deploy.failure,
    };
  }
}
