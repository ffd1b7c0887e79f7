/**
 * `orchestrator: swarm`: deploy and roll back a stack on a Swarm manager. The action checks the
 * commit out there (for the compose file), runs the migration once before the stack update, runs
 * `docker stack deploy` with IMAGE_TAG, and waits while Swarm rolls each service as its
 * `deploy.update_config` says: it reads the progress, never steers it. A service Swarm rolls back or
 * pauses fails the run, named.
 */
import * as core from '@actions/core';
import { withStages, resolveRef, stage, waitForHealthUrl } from '../deploy/deploy';
import { ensureCheckout } from '../deploy/first';
import { CancelledError, errorMessage } from '../errors';
import { checkoutCommand, EXCLUDE_SCRIPT, fetchRemote, headCommit } from '../git/git';
import type { DeploySettings } from '../inputs/deploy';
import type { RollbackSettings } from '../inputs/rollback';
import { appendRelease, GOOD_RESULTS, readReleases, releasesOnly, type Release } from '../ledger/ledger';
import { MigrationError, type MigrationOutcome } from '../migrate/alembic';
import { resolveTarget } from '../rollback/rollback';
import { commandLine, renderScript, toSshCommand, type RemoteCommand } from '../shell';
import { inert } from '../ssh/output';
import type { RemoteSession } from '../ssh/session';
import type { StageTiming } from '../summary/timeline';
import { sleep } from '../sleep';
import { migrateForSwarm, swarmMigrationSteps } from './migrate';
import {
  judgeProgress,
  NODE_STATE_COMMAND,
  parseStackState,
  STACK_STATE_SCRIPT,
  stackDeployCommand,
  withStackEnv,
  tagOfImage,
  updateStatuses,
  type ServiceProgress,
  type SwarmState,
} from './state';

/** What a swarm deploy or rollback did. */
export interface SwarmOutcome {
  readonly action: 'deploy' | 'rollback';
  readonly result: Release['result'];
  readonly dryRun: boolean;
  readonly stack: string;
  readonly previousRef: string;
  readonly previousImageTag: string;
  readonly attemptedRef: string;
  readonly imageTag: string;
  /** The commit (and tag) the stack runs now: after an automatic rollback, the previous ones. */
  readonly deployedRef: string;
  readonly deployedImageTag: string;
  readonly migrated: boolean;
  readonly migration: MigrationOutcome | undefined;
  readonly rolledBack: boolean;
  readonly durationSeconds: number;
  /** Each service as the wait left it. */
  readonly services: readonly ServiceProgress[];
  readonly health: string | undefined;
  readonly failure: string | undefined;
  /** The dry run's plan: each step and the command it runs. */
  readonly plan: readonly { readonly title: string; readonly command?: RemoteCommand }[];
  readonly notes: readonly string[];
  /** Each stage, in the order they began: the summary's timeline. */
  readonly stages: readonly StageTiming[];
}

export interface SwarmContext {
  readonly session: RemoteSession;
  readonly signal: AbortSignal;
  readonly actor: string;
  readonly runUrl: string;
  readonly runId: string;
}

/** Refuses a host that is not a Swarm manager, saying what it is. */
export async function requireManager(session: RemoteSession): Promise<void> {
  const answer = (
    await session.run(commandLine(NODE_STATE_COMMAND), 'docker info', { echo: 'stderr', timeoutSeconds: 60 })
  ).trim();
  if (answer !== 'active true')
    throw new Error(
      inert(
        `${session.label} is not a Swarm manager (docker info says swarm state ${answer || 'unknown'}): ` +
          'orchestrator swarm needs host to be a manager node (docker swarm init, or docker node promote)',
      ),
    );
}

export async function readStackState(session: RemoteSession, stack: string): Promise<SwarmState> {
  const text = await session.run(toSshCommand(STACK_STATE_SCRIPT, [stack]), `reading stack ${stack}`, {
    echo: 'none',
    timeoutSeconds: 120,
    maxBytes: 16 * 1024 * 1024,
  });
  return parseStackState(text, stack);
}

/** The tag most of the stack's services run now ('' when the stack does not exist). */
function runningTagOf(state: SwarmState): string {
  const counts = new Map<string, number>();
  for (const service of state.services) {
    const tag = tagOfImage(service.image);
    if (tag !== '') counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** Thrown when the stack did not converge: names the services and what Swarm says of each. */
export class ConvergeError extends Error {
  constructor(
    message: string,
    readonly services: readonly ServiceProgress[],
  ) {
    super(message);
    this.name = 'ConvergeError';
  }
}

/**
 * Waits until every service of the stack has converged (its update completed, or never started,
 * and every replica running the image of its spec), logging each change. Fails once a service is
 * rolled back or paused by Swarm (after any rollback still under way has ended), or when the stack
 * has taken `perServiceSeconds` (wait-timeout) for each of its services: Swarm updates them side by
 * side, each as its update_config says, so the budget is the one the compose path's serial restarts have.
 */
export async function waitForConvergence(
  session: RemoteSession,
  stack: string,
  before: SwarmState,
  perServiceSeconds: number,
  signal: AbortSignal,
): Promise<ServiceProgress[]> {
  const statuses = updateStatuses(before);
  const started = Date.now();
  let timeoutSeconds: number;
  const said = new Map<string, string>();
  for (;;) {
    const progress = judgeProgress(await readStackState(session, stack), statuses);
    for (const service of progress) {
      if (said.get(service.service) === service.state) continue;
      said.set(service.service, service.state);
      core.info(inert(`${service.service}: ${service.state}`));
    }
    if (progress.length === 0)
      throw new ConvergeError(
        `stack ${stack} has no services on ${session.label} after docker stack deploy`,
        [],
      );
    timeoutSeconds = perServiceSeconds * progress.length;
    const failed = progress.filter((service) => service.phase === 'failed');
    const rollingBack = progress.some((service) => service.state.startsWith('rollback_started'));
    if (failed.length > 0 && !rollingBack)
      throw new ConvergeError(
        inert(
          `Swarm did not complete the update of ${failed.map((service) => `${service.service} (${service.state})`).join('; ')}`,
        ),
        progress,
      );
    if (progress.every((service) => service.phase === 'converged')) return progress;
    if (Date.now() >= started + timeoutSeconds * 1000) {
      const pending = progress.filter((service) => service.phase !== 'converged');
      throw new ConvergeError(
        inert(
          `the stack did not converge within ${timeoutSeconds}s: ${pending
            .map((service) => `${service.service} (${service.state})`)
            .join('; ')}`,
        ),
        progress,
      );
    }
    await sleep(1000, signal);
  }
}

interface Release1 {
  readonly ref: string;
  readonly imageTag: string;
}

/**
 * Puts `release` in place: checks its commit out, `docker stack deploy` with its tag, waits for
 * convergence and for health-url. Returns what the wait saw; throws ConvergeError or HealthUrlError.
 */
async function rollOut(
  session: RemoteSession,
  settings: DeploySettings,
  release: Release1,
  signal: AbortSignal,
  /** Called just before `docker stack deploy`: from then on the stack may have changed. */
  onStackDeploy: () => void = () => undefined,
): Promise<{ services: ServiceProgress[]; health: string }> {
  const { connection } = settings;
  const before = await readStackState(session, connection.stackName);
  await session.run(commandLine(checkoutCommand(connection.appDir, release.ref)), 'git checkout');
  const deploy = withStackEnv(connection, stackDeployCommand(connection, release.imageTag));
  onStackDeploy();
  await stage(`docker stack deploy ${connection.stackName} (${release.imageTag})`, () =>
    session.run(commandLine(deploy), 'docker stack deploy'),
  );
  const services = await stage('Wait for Swarm to converge', () =>
    waitForConvergence(session, connection.stackName, before, settings.waitTimeoutSeconds, signal),
  );
  const health = await stage(`Wait for ${settings.healthUrl}`, () =>
    waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal),
  );
  core.info(inert(`${settings.healthUrl}: ${health}`));
  return { services, health };
}

/** The stack's services as they are now, for an outcome after a failure. */
async function servicesNow(session: RemoteSession, stack: string): Promise<ServiceProgress[]> {
  try {
    const state = await readStackState(session, stack);
    return judgeProgress(state, updateStatuses(state));
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return [];
  }
}

/** A swarm deploy, with the stages it went through. */
export async function runSwarmDeploy(settings: DeploySettings, context: SwarmContext): Promise<SwarmOutcome> {
  return withStages(() => runSwarmDeployUntimed(settings, context));
}

async function runSwarmDeployUntimed(
  settings: DeploySettings,
  context: SwarmContext,
): Promise<Omit<SwarmOutcome, 'stages'>> {
  const started = Date.now();
  const { session, signal } = context;
  const { connection } = settings;
  const imageTag = settings.imageTag ?? '';
  const notes: string[] = [];
  await requireManager(session);
  const resolve = () => resolveRef(session, connection.appDir, settings.ref, settings.remote);
  const cloned = await ensureCheckout(session, settings, resolve);
  const previousRef =
    cloned === undefined
      ? (
          await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
            echo: 'stderr',
          })
        ).trim()
      : '';
  if (cloned === undefined)
    await session.run(
      commandLine(fetchRemote(connection.appDir, settings.remote)),
      `git fetch ${settings.remote}`,
    );
  const target = cloned ?? (await resolve());
  const before = await readStackState(session, connection.stackName);
  const releases = releasesOnly(await readReleases(session, connection.stateDir));
  // The ledger's tag of the running release first: the most common tag among the services would count
  // third-party images (postgres:16) too.
  const previousImageTag =
    [...releases].reverse().find((r) => r.ref === previousRef && GOOD_RESULTS.includes(r.result))
      ?.image_tag || runningTagOf(before);
  core.info(
    `swarm deploy of ${target.slice(0, 12)} (${imageTag}) to stack ${connection.stackName} on ${session.label}; ` +
      `running now: ${previousRef ? previousRef.slice(0, 12) : '(new checkout)'} (${previousImageTag || 'no stack yet'})`,
  );
  const base = {
    action: 'deploy' as const,
    stack: connection.stackName,
    previousRef,
    previousImageTag,
    attemptedRef: target,
    imageTag,
    notes,
  };
  const migrates = settings.migrate !== 'false';
  const plan: SwarmOutcome['plan'] = [
    {
      title: `check out ${target.slice(0, 12)} in ${connection.appDir}`,
      command: checkoutCommand(connection.appDir, target),
    },
    ...(migrates ? swarmMigrationSteps(settings, imageTag) : []),
    {
      title: `docker stack deploy ${connection.stackName} with IMAGE_TAG=${imageTag} (and the stack's .env exported)`,
      command: stackDeployCommand(connection, imageTag),
    },
    {
      title: `wait until every service of ${connection.stackName} converged (UpdateStatus, replicas), then ${settings.healthUrl}`,
    },
  ];
  if (connection.dryRun) {
    printPlan(session.label, 'deploy', plan);
    return {
      ...base,
      result: 'unchanged',
      dryRun: true,
      deployedRef: previousRef,
      deployedImageTag: previousImageTag,
      migrated: false,
      migration: undefined,
      rolledBack: false,
      durationSeconds: seconds(started),
      services: judgeProgress(before, updateStatuses(before)),
      health: undefined,
      failure: undefined,
      plan,
    };
  }
  if (connection.stateDir.startsWith(`${connection.appDir}/`))
    await session.run(
      toSshCommand(EXCLUDE_SCRIPT, [
        connection.appDir,
        `${connection.stateDir.slice(connection.appDir.length)}/`,
      ]),
      'keeping the state dir out of git',
    );
  const journal = (result: Release['result'], migration?: MigrationOutcome) =>
    appendRelease(session, connection.stateDir, {
      time: new Date().toISOString(),
      environment: connection.environment,
      ref: target,
      image_tag: imageTag,
      previous_ref: previousRef,
      migration:
        migration?.applied === true
          ? `${migration.revisionBefore || 'base'} -> ${migration.revisionAfter}`
          : '',
      actor: context.actor,
      run_url: context.runUrl,
      result,
      action: 'deploy',
      run_id: context.runId,
      ...(migration?.backup ? { backup: migration.backup } : {}),
    });
  await journal('started');
  let migration: MigrationOutcome | undefined;
  /** Whether the stack was touched: a failed migration leaves the stack as it was, nothing to roll back. */
  let stackTouched = false;
  try {
    if (migrates) {
      // The migration needs the target's compose file (its migrate-service and the image's tag).
      await session.run(commandLine(checkoutCommand(connection.appDir, target)), 'git checkout');
      migration = await stage('Migrate (one-off container of the new image)', () =>
        migrateForSwarm(session, settings, imageTag, signal),
      );
    }
    const { services, health } = await rollOut(session, settings, { ref: target, imageTag }, signal, () => {
      stackTouched = true;
    });
    await journal('success', migration);
    return {
      ...base,
      result: 'success',
      dryRun: false,
      deployedRef: target,
      deployedImageTag: imageTag,
      migrated: migration?.applied === true,
      migration,
      rolledBack: false,
      durationSeconds: seconds(started),
      services,
      health,
      failure: undefined,
      plan,
    };
  } catch (error) {
    if (error instanceof MigrationError)
      migration = { ...(error.partial as MigrationOutcome), applied: false };
    if (session.lost !== undefined)
      throw new Error(
        `${errorMessage(error)}: the connection to ${session.label} was lost ` +
          (stackTouched
            ? `after docker stack deploy of ${imageTag} started: Swarm goes on with the update as its update_config says; ` +
              'run the health check (or docker stack services on a manager) to see where it is'
            : 'before the stack was changed'),
        { cause: error },
      );
    if (error instanceof CancelledError || signal.aborted) {
      await journal('cancelled', migration).catch((why: unknown) =>
        core.warning(`could not record the cancel in the ledger: ${errorMessage(why)}`),
      );
      throw error;
    }
    const failure = errorMessage(error);
    core.error(inert(failure));
    // Back to the release that ran before, through Swarm as well (its own rollbacks stay as they are).
    let rolledBack = false;
    const canRollBack = settings.autoRollback && previousRef !== '' && previousImageTag !== '';
    if (!stackTouched) {
      notes.push('the stack was not changed');
      if (previousRef !== '')
        await session
          .run(commandLine(checkoutCommand(connection.appDir, previousRef)), 'git checkout (back)')
          .catch((why: unknown) => notes.push(`the checkout stays at the target: ${errorMessage(why)}`));
    } else if (canRollBack) {
      try {
        core.info(`auto-rollback: redeploying ${previousRef.slice(0, 12)} (${previousImageTag})`);
        await rollOut(session, settings, { ref: previousRef, imageTag: previousImageTag }, signal);
        rolledBack = true;
      } catch (why) {
        if (why instanceof CancelledError || signal.aborted) throw why;
        notes.push(`the automatic rollback to ${previousRef.slice(0, 12)} failed too: ${errorMessage(why)}`);
        core.error(inert(notes[notes.length - 1]));
      }
    } else if (!settings.autoRollback)
      notes.push('auto-rollback is false: the stack is left as Swarm left it');
    else notes.push('no previous release with an image tag is known: nothing to roll back to');
    await journal(rolledBack ? 'rolled-back' : 'failed', migration).catch((why: unknown) =>
      core.warning(`could not append to the ledger: ${errorMessage(why)}`),
    );
    const services =
      error instanceof ConvergeError && error.services.length > 0
        ? error.services
        : await servicesNow(session, connection.stackName);
    // What runs now, where the action did not put the previous release back itself: Swarm may have
    // (failure_action: rollback), or left the update paused half way.
    let runsPrevious = rolledBack || !stackTouched;
    if (!runsPrevious) {
      const now = await readStackState(session, connection.stackName).catch(() => undefined);
      const tags = new Set(now?.services.map((service) => tagOfImage(service.image)));
      const onTarget = tags.has(imageTag);
      runsPrevious = !onTarget && previousImageTag !== '' && tags.has(previousImageTag);
      if (onTarget && previousImageTag !== '' && tags.has(previousImageTag))
        notes.push(`the stack runs a mix: some services ${imageTag}, others ${previousImageTag}`);
      else if (runsPrevious) notes.push(`Swarm put ${previousImageTag} back`);
    }
    return {
      ...base,
      result: rolledBack ? 'rolled-back' : 'failed',
      dryRun: false,
      deployedRef: runsPrevious ? previousRef : target,
      deployedImageTag: runsPrevious ? previousImageTag : imageTag,
      migrated: migration?.applied === true,
      migration,
      rolledBack,
      durationSeconds: seconds(started),
      services,
      health: undefined,
      failure,
      plan,
    };
  }
}

/** A dry run's plan, in the log: each step and the command it runs. */
function printPlan(host: string, what: string, plan: SwarmOutcome['plan']): void {
  core.info(`dry run on ${host}: nothing will be changed; the ${what} would:`);
  plan.forEach((step, index) => {
    core.info(inert(`  ${index + 1}. ${step.title}`));
    if (step.command) core.info(inert(`     $ ${renderScript(step.command)}`));
  });
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/**
 * An image rollback of the stack: the release `to` names (from the ledger: its commit and image tag)
 * is checked out and redeployed with `docker stack deploy`, and waited for as a deploy.
 */
export async function runSwarmRollback(
  settings: RollbackSettings,
  context: SwarmContext,
): Promise<SwarmOutcome> {
  return withStages(() => runSwarmRollbackUntimed(settings, context));
}

async function runSwarmRollbackUntimed(
  settings: RollbackSettings,
  context: SwarmContext,
): Promise<Omit<SwarmOutcome, 'stages'>> {
  const started = Date.now();
  const { session, signal } = context;
  const deploy = settings.deploy;
  const { connection } = deploy;
  await requireManager(session);
  const fromRef = (
    await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
      echo: 'stderr',
    })
  ).trim();
  const releases = await readReleases(session, connection.stateDir);
  const before = await readStackState(session, connection.stackName);
  const fromTag = runningTagOf(before);
  const target = await resolveTarget(session, connection.appDir, releases, fromRef, settings.to);
  if (target.imageTag === undefined)
    throw new Error(
      `the ledger on ${session.label} names no image tag for ${target.sha.slice(0, 12)}: give to as an image tag the ledger knows`,
    );
  const imageTag = target.imageTag;
  core.info(
    `swarm rollback of stack ${connection.stackName} from ${fromRef.slice(0, 12)} (${fromTag || 'no stack'}) to ${target.sha.slice(0, 12)} (${imageTag})`,
  );
  const plan: SwarmOutcome['plan'] = [
    {
      title: `check out ${target.sha.slice(0, 12)} in ${connection.appDir}`,
      command: checkoutCommand(connection.appDir, target.sha),
    },
    {
      title: `docker stack deploy ${connection.stackName} with IMAGE_TAG=${imageTag} (and the stack's .env exported)`,
      command: stackDeployCommand(connection, imageTag),
    },
    { title: `wait until every service converged, then ${deploy.healthUrl}` },
  ];
  const base = {
    action: 'rollback' as const,
    stack: connection.stackName,
    previousRef: fromRef,
    previousImageTag: fromTag,
    attemptedRef: target.sha,
    imageTag,
    migrated: false,
    migration: undefined,
    rolledBack: false,
    notes: [],
    plan,
  };
  if (connection.dryRun) {
    printPlan(session.label, 'rollback', plan);
    return {
      ...base,
      result: 'unchanged',
      dryRun: true,
      deployedRef: fromRef,
      deployedImageTag: fromTag,
      durationSeconds: seconds(started),
      services: judgeProgress(before, updateStatuses(before)),
      health: undefined,
      failure: undefined,
    };
  }
  const journal = (result: Release['result']) =>
    appendRelease(session, connection.stateDir, {
      time: new Date().toISOString(),
      environment: connection.environment,
      ref: target.sha,
      image_tag: imageTag,
      previous_ref: fromRef,
      migration: '',
      actor: context.actor,
      run_url: context.runUrl,
      result,
      action: 'rollback',
      run_id: context.runId,
    });
  await journal('started');
  try {
    await session
      .run(commandLine(fetchRemote(connection.appDir, deploy.remote)), `git fetch ${deploy.remote}`)
      .catch((error: unknown) => {
        // The target is a commit the checkout had: a fetch that fails does not stop the rollback.
        if (error instanceof CancelledError) throw error;
        core.warning(
          inert(`git fetch failed (${errorMessage(error)}); rolling back with the commits already there`),
        );
      });
    const { services, health } = await rollOut(session, deploy, { ref: target.sha, imageTag }, signal);
    await journal('success');
    return {
      ...base,
      result: 'success',
      dryRun: false,
      deployedRef: target.sha,
      deployedImageTag: imageTag,
      durationSeconds: seconds(started),
      services,
      health,
      failure: undefined,
    };
  } catch (error) {
    if (error instanceof CancelledError || signal.aborted) {
      await journal('cancelled').catch(() => undefined);
      throw error;
    }
    const failure = errorMessage(error);
    await journal('failed').catch((why: unknown) =>
      core.warning(`could not append to the ledger: ${errorMessage(why)}`),
    );
    return {
      ...base,
      result: 'failed',
      dryRun: false,
      deployedRef: target.sha,
      deployedImageTag: imageTag,
      durationSeconds: seconds(started),
      services:
        error instanceof ConvergeError && error.services.length > 0
          ? error.services
          : await servicesNow(session, connection.stackName),
      health: undefined,
      failure,
    };
  }
}
