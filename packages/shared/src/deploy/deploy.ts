/**
 * action-deploy's work: runbook §3's standard update, proved step by step. Build (or pull), migrate
 * when migrations changed, restart services one at a time waiting for each to be healthy, probe
 * health-url, and on any failure after the first restart put the previous release back.
 */
import * as core from '@actions/core';
import { detectCompose, type Compose } from '../compose/compose';
import { buildCommand, pullCommand, upCommand, waitUntilHealthy, type ServiceWait } from '../compose/rollout';
import { CancelledError, errorMessage } from '../errors';
import {
  changedFiles,
  checkoutCommand,
  EXCLUDE_SCRIPT,
  fetchRemote,
  headCommit,
  refCandidates,
  resolveCommand,
} from '../git/git';
import { judgeHealthAnswer, probeOnServer } from '../health/checks';
import type { DeploySettings, RolloutSettings } from '../inputs/deploy';
import type { ConnectionSettings } from '../inputs/connection';
import { appendRelease, readReleases, type Release, type ReleaseResult } from '../ledger/ledger';
import { MigrationError, runMigration, type MigrationOutcome } from '../migrate/alembic';
import { commandLine, renderScript, toSshCommand, type RemoteCommand } from '../shell';
import type { SshSession } from '../ssh/session';
import { rollbackCommand } from '../summary/deploy';
import { sleep } from '../sleep';

export interface PlanStep {
  readonly title: string;
  readonly command?: RemoteCommand;
}

export interface DeployOutcome {
  readonly result: ReleaseResult;
  readonly dryRun: boolean;
  readonly previousRef: string;
  /** The commit running now (after a rollback: the previous one). */
  readonly deployedRef: string;
  readonly attemptedRef: string;
  readonly imageTag: string;
  readonly previousImageTag: string;
  readonly migrated: boolean;
  readonly rolledBack: boolean;
  readonly durationSeconds: number;
  readonly services: readonly ServiceWait[];
  readonly restored: readonly ServiceWait[];
  readonly migration: MigrationOutcome | undefined;
  readonly failure: string | undefined;
  readonly plan: readonly PlanStep[];
}

const IMAGE_TAG = 'IMAGE_TAG';

/** Runs `work` inside a log group named for the stage, and says how long it took. */
export async function stage<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  core.startGroup(name);
  try {
    return await work();
  } finally {
    core.endGroup();
    core.info(`${name}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
}

/** Probes health-url on the server until it answers 2xx with status "healthy", or until the timeout. */
export async function waitForHealthUrl(
  session: SshSession,
  url: string,
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const verdict = judgeHealthAnswer(await probeOnServer(session, url), 'healthy');
    if (verdict.ok) return verdict.value;
    if (Date.now() >= deadline)
      throw new Error(`${url} did not report healthy within ${timeoutSeconds}s (last: ${verdict.value})`);
    await sleep(1000, signal);
  }
}

export async function resolveRef(
  session: SshSession,
  appDir: string,
  ref: string,
  remote: string,
): Promise<string> {
  for (const candidate of refCandidates(ref, remote)) {
    const result = await session.exec(commandLine(resolveCommand(appDir, candidate)), {
      echo: 'none',
      timeoutSeconds: 60,
    });
    const sha = result.stdout.trim();
    if (result.outcome.kind === 'exited' && result.outcome.code === 0 && /^[0-9a-f]{40}$/.test(sha))
      return sha;
  }
  throw new Error(
    `ref "${ref}" names no branch of ${remote}, tag or commit in ${appDir} on ${session.label} after git fetch`,
  );
}

const shortSha = (sha: string) => sha.slice(0, 12);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
export const defaultImageTag = (sha: string) => `git-${shortSha(sha)}`;

/** The image tag recorded for the release now running, else the tag a build of it would get. */
export function runningImageTag(releases: readonly Release[], ref: string): string {
  const entry = [...releases]
    .reverse()
    .find(
      (release) => release.ref === ref && (release.result === 'success' || release.result === 'unchanged'),
    );
  return entry?.image_tag || defaultImageTag(ref);
}

type ImageMode = 'build' | 'pull' | 'none';

export function imageMode(build: RolloutSettings['build'], imageTagGiven: boolean): ImageMode {
  if (build === 'auto') return imageTagGiven ? 'pull' : 'build';
  return build === 'true' ? 'build' : 'none';
}

/** The steps to put a release in place: checkout, images, then each service restarted in order. */
export function planRelease(
  connection: ConnectionSettings,
  compose: Compose,
  rollout: RolloutSettings,
  sha: string,
  mode: ImageMode,
  env: Readonly<Record<string, string>>,
  migration: string | undefined,
): PlanStep[] {
  const steps: PlanStep[] = [
    { title: `check out ${shortSha(sha)} (detached)`, command: checkoutCommand(connection.appDir, sha) },
  ];
  if (mode === 'build')
    steps.push({
      title: `build images (IMAGE_TAG=${env[IMAGE_TAG]})`,
      command: buildCommand(compose, connection, env),
    });
  if (mode === 'pull')
    steps.push({
      title: `pull images (IMAGE_TAG=${env[IMAGE_TAG]})`,
      command: pullCommand(compose, connection, env, rollout.services),
    });
  if (migration !== undefined) steps.push({ title: migration });
  for (const service of rollout.services) {
    steps.push({ title: `restart ${service}`, command: upCommand(compose, connection, env, service) });
    steps.push({
      title: `wait until ${service} is healthy (at most ${rollout.waitTimeoutSeconds}s), then probe ${rollout.healthUrl}`,
    });
  }
  return steps;
}

export interface DeployContext {
  readonly session: SshSession;
  readonly signal: AbortSignal;
  readonly actor: string;
  readonly runUrl: string;
  /** What the ledger calls this run: a deploy, or an image rollback done the same way. */
  readonly action?: 'deploy' | 'rollback';
  /** The compose command already detected on this host (a rollback has), so it is not asked again. */
  readonly compose?: Compose;
}

export async function runDeploy(settings: DeploySettings, context: DeployContext): Promise<DeployOutcome> {
  const started = Date.now();
  const { session, signal } = context;
  const { connection } = settings;
  const run = (command: RemoteCommand, what: string) => session.run(commandLine(command), what);
  // Reads whose answer is parsed, not shown (stderr still is).
  const read = (command: RemoteCommand, what: string) =>
    session.run(commandLine(command), what, { echo: 'stderr' });

  const compose = context.compose ?? (await detectCompose(session, connection.composeCommand));
  const state = await stage('Read the live state', async () => {
    const previousRef = (await read(headCommit(connection.appDir), 'reading the checked-out commit')).trim();
    await run(fetchRemote(connection.appDir, settings.remote), 'git fetch');
    const targetRef = await resolveRef(session, connection.appDir, settings.ref, settings.remote);
    const releases = await readReleases(session, connection.stateDir);
    core.info(
      `running: ${previousRef}; requested ${settings.ref} = ${targetRef}; compose: ${compose.command.join(' ')} (v${compose.major})`,
    );
    return { previousRef, targetRef, releases };
  });
  const { previousRef, targetRef } = state;
  const previousImageTag = runningImageTag(state.releases, previousRef);
  const imageTag = settings.imageTag ?? defaultImageTag(targetRef);
  const env = { [IMAGE_TAG]: imageTag };
  const mode = imageMode(settings.build, settings.imageTag !== undefined);
  const migrationFiles =
    settings.migrate === 'false' || previousRef === targetRef
      ? ''
      : (
          await read(
            changedFiles(connection.appDir, previousRef, targetRef, settings.migrationsPath),
            'listing changed migrations',
          )
        ).trim();
  const migrate = settings.migrate === 'true' || (settings.migrate === 'auto' && migrationFiles !== '');
  const plan = planRelease(
    connection,
    compose,
    settings,
    targetRef,
    mode,
    env,
    migrate
      ? 'migrate the database (backup, SQL preview, destructive guard, alembic upgrade head)'
      : undefined,
  );

  const outcome = (result: ReleaseResult, extra: Partial<DeployOutcome> = {}): DeployOutcome => ({
    result,
    dryRun: connection.dryRun,
    previousRef,
    deployedRef: targetRef,
    attemptedRef: targetRef,
    imageTag,
    previousImageTag,
    migrated: false,
    rolledBack: false,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    services: [],
    restored: [],
    migration: undefined,
    failure: undefined,
    plan,
    ...extra,
  });
  const record = (result: ReleaseResult, migration: MigrationOutcome | undefined, backup?: string) =>
    appendRelease(session, connection.stateDir, {
      time: new Date().toISOString(),
      environment: connection.environment,
      ref: targetRef,
      image_tag: imageTag,
      previous_ref: previousRef,
      migration: migration?.applied
        ? `${migration.revisionBefore || 'base'} -> ${migration.revisionAfter}`
        : '',
      actor: context.actor,
      run_url: context.runUrl,
      result,
      action: context.action ?? 'deploy',
      ...(backup ? { backup } : {}),
    });

  if (connection.dryRun) {
    core.info(`dry run on ${session.label}: nothing will be changed. The plan:`);
    plan.forEach((step, index) =>
      core.info(
        `  ${index + 1}. ${step.title}${step.command ? `\n       $ ${renderScript(step.command)}` : ''}`,
      ),
    );
    return outcome('unchanged');
  }

  if (connection.stateDir.startsWith(`${connection.appDir}/`)) {
    const inside = connection.stateDir.slice(connection.appDir.length);
    await session.run(
      toSshCommand(EXCLUDE_SCRIPT, [connection.appDir, `${inside}/`]),
      'keeping the state dir out of git',
    );
  }
  if (previousRef === targetRef && imageTag === previousImageTag) {
    core.info(`${shortSha(targetRef)} with image tag ${imageTag} is already running: nothing to restart`);
    await record('unchanged', undefined);
    return outcome('unchanged');
  }

  const services: ServiceWait[] = [];
  const restarted: string[] = [];
  let migration: MigrationOutcome | undefined;
  let checkedOut = false;
  try {
    await stage(`Check out ${shortSha(targetRef)}`, async () => {
      await run(checkoutCommand(connection.appDir, targetRef), 'git checkout');
      checkedOut = true;
    });
    if (mode !== 'none') {
      await stage(mode === 'build' ? `Build images (${imageTag})` : `Pull images (${imageTag})`, () =>
        run(
          mode === 'build'
            ? buildCommand(compose, connection, env)
            : pullCommand(compose, connection, env, settings.services),
          `compose ${mode}`,
        ),
      );
    }
    if (migrate) {
      migration = await stage('Migrate the database', () =>
        runMigration(
          { session, appDir: connection.appDir, composeFile: connection.composeFile, compose, env },
          settings.migration,
          { direction: 'upgrade', target: 'head', preview: false },
          (message) => core.info(message),
        ),
      );
    }
    for (const service of settings.services) {
      await stage(`Restart ${service}`, async () => {
        restarted.push(service);
        const wait = await restartService(session, compose, settings, env, service, signal);
        services.push(wait);
        if (!wait.ok) throw new Error(`${service} did not become healthy: ${wait.state}`);
        const probeStarted = Date.now();
        const answer = await waitForHealthUrl(
          session,
          settings.healthUrl,
          settings.waitTimeoutSeconds,
          signal,
        );
        core.info(`health-url: ${answer} after ${seconds(probeStarted)}`);
      });
    }
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    const failure = errorMessage(error);
    if (error instanceof MigrationError)
      migration = { ...(error.partial as MigrationOutcome), applied: false };
    if (session.lost !== undefined) {
      // Nothing more can be done or recorded on the server; say exactly what is known.
      throw new Error(
        `the connection to ${session.label} was lost during the deploy of ${shortSha(targetRef)} (${session.lost}); ` +
          `restarted before the loss: ${restarted.join(', ') || 'none'}. The server may run a mix of ${shortSha(previousRef)} and ` +
          `${shortSha(targetRef)}; the deploy lock was released when the connection ended; nothing was written to the ledger. ` +
          `Re-run the deploy, or roll back: ${rollbackCommand(connection.environment, previousRef)}`,
        { cause: error },
      );
    }
    core.error(`deploy of ${shortSha(targetRef)} failed: ${failure}`);
    if (restarted.length > 0 && settings.autoRollback) {
      const restored = await stage(`Roll back to ${shortSha(previousRef)}`, () =>
        restorePrevious(session, compose, settings, previousRef, previousImageTag, mode, restarted, signal),
      );
      const ok = restored.failure === undefined;
      await record(ok ? 'rolled-back' : 'failed', migration, migration?.backup);
      return outcome(ok ? 'rolled-back' : 'failed', {
        deployedRef: ok ? previousRef : targetRef,
        rolledBack: ok,
        services,
        restored: restored.waits,
        migration,
        migrated: migration?.applied ?? false,
        failure: ok ? failure : `${failure}; the rollback failed too: ${restored.failure}`,
      });
    }
    if (checkedOut && restarted.length === 0) {
      // Nothing was restarted: the running code is still the previous release; keep the checkout with it.
      await run(
        checkoutCommand(connection.appDir, previousRef),
        'checking the previous commit out again',
      ).catch((undo: unknown) =>
        core.warning(`could not check ${shortSha(previousRef)} out again: ${errorMessage(undo)}`),
      );
    }
    await record('failed', migration, migration?.backup);
    return outcome('failed', {
      deployedRef: restarted.length === 0 ? previousRef : targetRef,
      services,
      migration,
      migrated: migration?.applied ?? false,
      failure:
        restarted.length > 0
          ? `${failure}; auto-rollback is off: ${restarted.join(', ')} run the new release`
          : failure,
    });
  }
  await record('success', migration, migration?.backup);
  return outcome('success', { services, migration, migrated: migration?.applied ?? false });
}

/** `up -d --no-deps` one service, then wait until its new container is healthy (or running). */
async function restartService(
  session: SshSession,
  compose: Compose,
  settings: RolloutSettings & { readonly connection: ConnectionSettings },
  env: Readonly<Record<string, string>>,
  service: string,
  signal: AbortSignal,
): Promise<ServiceWait> {
  const started = Date.now();
  await session.run(
    commandLine(upCommand(compose, settings.connection, env, service)),
    `restarting ${service}`,
  );
  core.info(`${service} recreated in ${seconds(started)}`);
  const wait = await waitUntilHealthy(
    session,
    compose,
    settings.connection,
    env,
    service,
    settings.waitTimeoutSeconds,
    signal,
  );
  core.info(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`);
  return wait;
}

/** Puts the previous release back: its commit, its images, the restarted services, each healthy. */
export async function restorePrevious(
  session: SshSession,
  compose: Compose,
  settings: DeploySettings,
  previousRef: string,
  previousImageTag: string,
  mode: ImageMode,
  services: readonly string[],
  signal: AbortSignal,
): Promise<{ waits: ServiceWait[]; failure: string | undefined }> {
  const { connection } = settings;
  const env = { [IMAGE_TAG]: previousImageTag };
  const waits: ServiceWait[] = [];
  try {
    await session.run(
      commandLine(checkoutCommand(connection.appDir, previousRef)),
      'checking the previous commit out',
    );
    // Images of the previous release: rebuilt from its commit (layers are cached), or pulled by tag.
    const previousMode = previousImageTag.startsWith('git-') ? (mode === 'none' ? 'none' : 'build') : 'pull';
    if (previousMode === 'build')
      await session.run(
        commandLine(buildCommand(compose, connection, env)),
        'rebuilding the previous images',
      );
    if (previousMode === 'pull')
      await session.run(
        commandLine(pullCommand(compose, connection, env, services)),
        'pulling the previous images',
      );
    for (const service of services) {
      const wait = await restartService(session, compose, settings, env, service, signal);
      waits.push(wait);
      if (!wait.ok) throw new Error(`${service} did not become healthy: ${wait.state}`);
    }
    await waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal);
    core.info(`restored ${shortSha(previousRef)} (${previousImageTag}): ${services.join(', ')} healthy`);
    return { waits, failure: undefined };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return { waits, failure: errorMessage(error) };
  }
}
