/**
 * action-deploy's work, in three parts that each stay small: read what runs (live-state.ts), plan
 * from it (plan.ts, pure), and apply exactly the plan (here). Every run is journalled: `started`
 * before its first change, its result after (`cancelled` too, when it can).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as core from '@actions/core';
import { judgeServices, readServicesState, type Compose, type ContainerState } from '../compose/compose';
import {
  buildCommand,
  pullCommand,
  scaleUpCommand,
  startCommand,
  serviceContainers,
  startFirst,
  upCommand,
  waitUntilHealthy,
  type ServiceWait,
} from '../compose/rollout';
import { CancelledError, errorMessage } from '../errors';
import { checkoutCommand, EXCLUDE_SCRIPT, refCandidates, resolveCommand } from '../git/git';
import { judgeHealthAnswer, probeOnServer, type CheckResult, type HttpAnswer } from '../health/checks';
import { collectDiagnostics, type Diagnostics } from '../diagnostics/diagnostics';
import {
  strategyOf,
  type DeploySettings,
  type FirstDeploymentSettings,
  type RolloutSettings,
} from '../inputs/deploy';
import type { Strategy } from '../inputs/validators';
import type { ConnectionSettings } from '../inputs/connection';
import { appendRelease, type Release, type ReleaseResult } from '../ledger/ledger';
import {
  applyMigration,
  MigrationError,
  prepareMigration,
  type MigrationOutcome,
  type MigrationRequest,
  type PreparedMigration,
} from '../migrate/alembic';
import { commandLine, quote, renderScript, toSshCommand, type RemoteCommand } from '../shell';
import { RemoteCommandError, type RemoteSession } from '../ssh/session';
import { hostLabel } from '../ssh/host-log';
import { inert } from '../ssh/output';
import { inStartOrder, type StageTiming } from '../summary/timeline';
import { sleep } from '../sleep';
import { readLiveState, type LiveState } from './live-state';
import {
  ensureCheckout,
  firstDeploymentPreflight,
  firstDeploymentSteps,
  postDeploymentChecklist,
  readCheckoutState,
} from './first';
import { describeStep, imageMode, planDeploy, repositoryOf, tagOf, type Plan, type Step } from './plan';

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
  /** Interrupted runs found in the journal, a database ahead of the code, and the like. */
  readonly notes: readonly string[];
  /** Listed services that are not running and healthy after a failure, with their state. */
  readonly down: readonly string[];
  /** Runbook §9: what was collected about the service that failed (and one that failed to come back). */
  readonly diagnostics: readonly Diagnostics[];
  /** A first deployment's preflight (runbook §1) and post-deployment checklist (§2) rows. */
  readonly checks: readonly CheckResult[];
  /** Each stage the run went through, in the order they began: the summary's timeline. */
  readonly stages: readonly StageTiming[];
}

const IMAGE_TAG = 'IMAGE_TAG';
const UPGRADE_HEAD: MigrationRequest = { direction: 'upgrade', target: 'head', preview: false };
const short = (sha: string) => sha.slice(0, 12);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
export const defaultImageTag = (sha: string) => `git-${short(sha)}`;

export function rollbackCommand(environment: string, ref: string, full = false): string {
  return `gh workflow run rollback.yml -f environment=${environment} -f to=${ref}${full ? ` -f mode=full -f confirm=${environment}` : ''}`;
}

/**
 * The stage lists being recorded where the code runs: the innermost recorder's, and those around it
 * (a rollback's list holds its deploy's stages too). Scoped to the async work that started each
 * recorder, so the hosts of a fleet, worked on side by side, never see each other's stages.
 */
const recorders = new AsyncLocalStorage<readonly StageTiming[][]>();

/** Runs `work`, and gives what it returned with the stages it ran, in the order they began. */
export async function recordStages<T>(work: () => Promise<T>): Promise<{ value: T; stages: StageTiming[] }> {
  const stages: StageTiming[] = [];
  const value = await recorders.run([...(recorders.getStore() ?? []), stages], work);
  return { value, stages: inStartOrder(stages) };
}

/** `work`'s outcome with the stages it went through (runDeploy, runRollback, runOps and swarm's). */
export async function withStages<T extends object>(
  work: () => Promise<T>,
): Promise<T & { stages: StageTiming[] }> {
  const { value, stages } = await recordStages(work);
  return { ...value, stages };
}

/**
 * Runs `work` inside a log group named for the stage, and says how long it took; the recorders in
 * scope (see recordStages) get its timing. Without one, only the log has it.
 */
export async function stage<T>(
  name: string,
  work: () => Promise<T>,
  /** For work that says it failed in its value instead of throwing (a rollback, a command's result). */
  failed: (value: T) => boolean = () => false,
): Promise<T> {
  const started = Date.now();
  let result: StageTiming['result'] = 'failed';
  core.startGroup(name);
  try {
    const value = await work();
    result = failed(value) ? 'failed' : 'ok';
    return value;
  } finally {
    const ms = Date.now() - started;
    core.endGroup();
    core.info(`${name}: ${(ms / 1000).toFixed(1)}s`);
    const host = hostLabel();
    const timing: StageTiming = {
      name,
      startedAt: new Date(started).toISOString(),
      seconds: ms / 1000,
      result,
      ...(host === undefined ? {} : { host }),
    };
    for (const stages of recorders.getStore() ?? []) stages.push(timing);
  }
}

/** health-url never reported healthy: its last answer goes into the diagnostics. */
export class HealthUrlError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly answer: HttpAnswer,
  ) {
    super(message);
  }
}

/** Probes health-url on the server until it answers 2xx with status "healthy", or until the timeout. */
export async function waitForHealthUrl(
  session: RemoteSession,
  url: string,
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const answer = await probeOnServer(session, url);
    const verdict = judgeHealthAnswer(answer, 'healthy');
    if (verdict.ok) return verdict.value;
    if (Date.now() >= deadline)
      throw new HealthUrlError(
        `${url} did not report healthy within ${timeoutSeconds}s (last: ${verdict.value})`,
        url,
        answer,
      );
    await sleep(250, signal);
  }
}

export async function resolveRef(
  session: RemoteSession,
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

/** A service that failed its gate or its health-url probe, with what it showed. */
interface Failing {
  readonly service: string;
  readonly logs?: string;
  readonly probe?: { readonly url: string; readonly answer: HttpAnswer };
}

export interface DeployContext {
  readonly session: RemoteSession;
  readonly signal: AbortSignal;
  readonly actor: string;
  readonly runUrl: string;
  /** GITHUB_RUN_ID (or local-<pid>): pairs the journal's `started` with the run's result. */
  readonly runId: string;
  /** What the ledger calls this run: a deploy, or an image rollback done the same way. */
  readonly action?: 'deploy' | 'rollback';
  /** A live state already read by the caller for this target (a rollback reads it first). */
  readonly state?: LiveState;
}

/** Shell text for `alembic current`, evaluated inside the live-state script ("$@" = compose). */
function alembicCurrentText(settings: DeploySettings): string {
  const { migration, connection } = settings;
  if (migration.migrateService === undefined)
    return `cd ${quote(connection.appDir)} && ${migration.alembicCommand} current`;
  // The running container answers fastest, and no image of the target is needed for it.
  return `"$@" -f "$file" exec -T ${quote(migration.migrateService)} sh -c ${quote(`${migration.alembicCommand} current`)}`;
}

export function liveStateRequest(settings: DeploySettings, fetch = true) {
  const { connection } = settings;
  const migrations = settings.migrate !== 'false';
  return {
    appDir: connection.appDir,
    composeFile: connection.composeFile,
    composeCommand: connection.composeCommand,
    remote: settings.remote,
    ref: settings.ref,
    imageTag: settings.imageTag,
    stateDir: connection.stateDir,
    migrationsPath: migrations ? settings.migrationsPath : undefined,
    alembicCurrent: migrations ? alembicCurrentText(settings) : undefined,
    fetch,
  };
}

/** The commands the plan's steps run, for the dry run's listing. */
function planSteps(plan: Plan, settings: DeploySettings, compose: Compose, state: LiveState): PlanStep[] {
  const env = { [IMAGE_TAG]: state.imageTag };
  const { connection } = settings;
  return plan.steps.map((step) => {
    const title = describeStep(step);
    switch (step.kind) {
      case 'checkout':
        return { title, command: checkoutCommand(connection.appDir, step.sha) };
      case 'build':
        return { title, command: buildCommand(compose, connection, env) };
      case 'pull':
        return { title, command: pullCommand(compose, connection, env, step.services) };
      case 'start':
        return { title, command: startCommand(compose, connection, env, step.services) };
      case 'migrate':
        return { title };
      case 'restart':
        return {
          title,
          command:
            step.strategy === 'start-first'
              ? scaleUpCommand(
                  compose,
                  connection,
                  env,
                  step.service,
                  containersOf(state, step.service) + (state.replicas[step.service] ?? 1),
                )
              : upCommand(compose, connection, env, step.service, step.force),
        };
    }
  });
}

const containersOf = (state: LiveState, service: string) =>
  state.containers.filter((container) => container.service === service).length;

/** The IMAGE_TAG the listed services run now: the tag most of their containers were made with. */
function runningTag(plan: Plan): string {
  const tags = plan.services.map((service) => service.imageTag).filter((tag) => tag !== undefined);
  const counts = new Map<string, number>();
  for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** An outcome before its stages are added: what the run returns inside recordStages. */
type Untimed<T> = Omit<T, 'stages'>;

/** An outcome of the run that began at `started`: what is given, and nothing done for the rest. */
function outcomeOf(
  started: number,
  given: Pick<
    DeployOutcome,
    | 'result'
    | 'dryRun'
    | 'previousRef'
    | 'deployedRef'
    | 'attemptedRef'
    | 'imageTag'
    | 'previousImageTag'
    | 'plan'
    | 'notes'
    | 'checks'
  > &
    Partial<DeployOutcome>,
): Untimed<DeployOutcome> {
  return {
    migrated: false,
    rolledBack: false,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    services: [],
    restored: [],
    migration: undefined,
    failure: undefined,
    down: [],
    diagnostics: [],
    ...given,
  };
}

/** A dry run where app-dir is not a checkout: the first deployment's steps, nothing read beyond that. */
function firstDeploymentDryRun(
  settings: DeploySettings,
  label: string,
  started: number,
): Untimed<DeployOutcome> {
  const steps = firstDeploymentSteps(settings);
  core.info(
    `dry run on ${label}: ${settings.connection.appDir} is not a checkout; a first deployment would:`,
  );
  steps.forEach((step, index) => core.info(inert(`  ${index + 1}. ${step}`)));
  return outcomeOf(started, {
    result: 'unchanged',
    dryRun: true,
    previousRef: '',
    deployedRef: '',
    attemptedRef: '',
    imageTag: settings.imageTag ?? '',
    previousImageTag: '',
    plan: steps.map((title) => ({ title })),
    notes: [],
    checks: [],
  });
}

/** A deploy (or an image rollback done as one), with the stages it went through. */
export async function runDeploy(settings: DeploySettings, context: DeployContext): Promise<DeployOutcome> {
  return withStages(() => runDeployUntimed(settings, context));
}

async function runDeployUntimed(
  settings: DeploySettings,
  context: DeployContext,
): Promise<Untimed<DeployOutcome>> {
  const started = Date.now();
  const { session, signal } = context;
  const { connection } = settings;
  const run = (command: RemoteCommand, what: string) => session.run(commandLine(command), what);
  /** Runbook §1 before a first deployment: its rows into `checks`; why it must stop, if it must. */
  const preflightFirst = async (first: FirstDeploymentSettings): Promise<string | undefined> => {
    const preflight = await stage('Preflight (runbook §1)', () => firstDeploymentPreflight(session, first));
    checks = preflight.rows;
    if (preflight.refusal !== undefined) core.error(preflight.refusal);
    return preflight.refusal;
  };

  // Runbook §2: app-dir not a checkout yet. A rollback (which passes its state) never gets here.
  let cloned = false;
  // The first deployment's preflight (runbook §1) rows, then its checklist's (§2).
  let checks: CheckResult[] = [];
  if (context.state === undefined) {
    if (connection.dryRun && (await readCheckoutState(session, connection.appDir)).kind !== 'checkout')
      return firstDeploymentDryRun(settings, session.label, started);
    const sha = await stage('Check app-dir', () =>
      ensureCheckout(session, settings, () =>
        resolveRef(session, connection.appDir, settings.ref, settings.remote),
      ),
    );
    cloned = sha !== undefined;
    // Before the live state: its `compose config` may need the .env the preflight asks for.
    if (sha !== undefined && settings.firstDeployment !== undefined) {
      const refusal = await preflightFirst(settings.firstDeployment);
      if (refusal !== undefined)
        return outcomeOf(started, {
          result: 'failed',
          dryRun: false,
          previousRef: '',
          deployedRef: '',
          attemptedRef: sha,
          imageTag: settings.imageTag ?? defaultImageTag(sha),
          previousImageTag: '',
          plan: [],
          notes: [],
          checks,
          failure: refusal,
        });
    }
  }
  const state =
    context.state ??
    (await stage('Read the live state', () => readLiveState(session, liveStateRequest(settings))));
  if (state.target === '')
    throw new Error(
      `ref "${settings.ref}" names no branch of ${settings.remote}, tag or commit in ${connection.appDir} on ${session.label} after git fetch`,
    );
  const compose = state.compose;
  const plan = planDeploy(state, {
    services: settings.services,
    build: settings.build,
    imageTagGiven: settings.imageTag !== undefined,
    migrate: settings.migrate,
    strategy: settings.strategy,
  });
  // What ran before: the checkout, unless an interrupted run already checked the target out while the
  // services still run an older release of ours (git-<sha12>), which is then the one to go back to.
  // Nothing, on a server this run cloned, or one with the target checked out, nothing older running and
  // no release ever recorded (a first deployment tried again): there is nothing to go back to.
  const released = state.releases.some((release) =>
    ['success', 'unchanged', 'rolled-back'].includes(release.result),
  );
  let previousRef = cloned ? '' : state.head;
  const olderTag = /^git-([0-9a-f]{12})$/.exec(runningTag(plan))?.[1];
  if (!cloned && state.head === state.target) {
    if (olderTag !== undefined && !state.target.startsWith(olderTag))
      previousRef = await resolveRef(session, connection.appDir, olderTag, settings.remote).catch(
        () => state.head,
      );
    else if (!released) previousRef = '';
  }
  const targetRef = state.target;
  const imageTag = state.imageTag;
  const previousImageTag = runningTag(plan) || imageTag;
  const env = { [IMAGE_TAG]: imageTag };
  // Image references and states come from the server: inert.
  core.info(
    inert(
      `running: ${previousRef} (${plan.services.map((s) => `${s.service} ${s.imageTag ?? '?'}: ${s.state}`).join('; ')}); ` +
        `requested ${settings.ref} = ${targetRef} (${imageTag}); compose: ${compose.command.join(' ')} (v${compose.major})` +
        (state.dbRevision !== undefined ? `; database at ${state.dbRevision || '(base)'}` : ''),
    ),
  );
  for (const note of plan.notes) core.warning(note);

  const outcome = (result: ReleaseResult, extra: Partial<DeployOutcome> = {}): Untimed<DeployOutcome> =>
    outcomeOf(started, {
      result,
      dryRun: connection.dryRun,
      previousRef,
      deployedRef: targetRef,
      attemptedRef: targetRef,
      imageTag,
      previousImageTag,
      plan: planSteps(plan, settings, compose, state),
      notes: plan.notes,
      checks,
      ...extra,
    });
  if (plan.refusal !== undefined) throw new Error(`${plan.refusal}; nothing was changed`);

  // A first deployment (cloned now, or nothing of the stack runs and no release was ever recorded):
  // runbook §1's preflight first (only reads), the post-deployment checklist at the end. A stack that
  // was taken down after releases is brought back as any deploy would: no preflight refuses it.
  const first = cloned || (plan.firstStart && !released) ? settings.firstDeployment : undefined;
  if (first !== undefined && !cloned) {
    const refusal = await preflightFirst(first);
    if (refusal !== undefined) return outcome('failed', { deployedRef: previousRef, failure: refusal });
  }

  if (connection.dryRun) {
    const steps = planSteps(plan, settings, compose, state);
    core.info(
      steps.length === 0
        ? `dry run on ${session.label}: nothing to do (every service runs ${imageTag}, healthy; checkout and database at the target)`
        : `dry run on ${session.label}: nothing will be changed. The plan:`,
    );
    steps.forEach((step, index) =>
      core.info(
        `  ${index + 1}. ${step.title}${step.command ? `\n       $ ${renderScript(step.command)}` : ''}`,
      ),
    );
    return outcome('unchanged');
  }

  const journal = (result: Release['result'], migration?: MigrationOutcome, backup?: string) =>
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
      run_id: context.runId,
      ...(backup ? { backup } : {}),
    });

  if (plan.steps.length === 0) {
    core.info(
      `${short(targetRef)} with image tag ${imageTag} is running: every service on its image and healthy, ` +
        'the checkout and the database at the target; nothing to do',
    );
    await journal('unchanged');
    return outcome('unchanged');
  }

  await journal('started');
  if (connection.stateDir.startsWith(`${connection.appDir}/`)) {
    const inside = connection.stateDir.slice(connection.appDir.length);
    await session.run(
      toSshCommand(EXCLUDE_SCRIPT, [connection.appDir, `${inside}/`]),
      'keeping the state dir out of git',
    );
  }

  const services: ServiceWait[] = [];
  const restarted: string[] = [];
  // Services whose containers this run began to change (a start-first one before its switch too).
  const touched: string[] = [];
  const place = {
    session,
    appDir: connection.appDir,
    composeFile: connection.composeFile,
    compose,
    env,
    signal,
  };
  const log = (message: string) => core.info(message);
  const absentNow = new Set(
    plan.services.filter((now) => now.state === 'no container').map((now) => now.service),
  );
  const absentAfter = (service: string) =>
    settings.services.slice(settings.services.indexOf(service) + 1).some((later) => absentNow.has(later));
  let preparing: Promise<PreparedMigration> | undefined;
  let migration: MigrationOutcome | undefined;
  let checkedOut = false;
  // The service being restarted, and what it showed when it failed: the diagnostics' subject.
  let failing: Failing | undefined;
  const diagnostics: Diagnostics[] = [];
  /** Runbook §9's collection about a failed service, before anything (a rollback) removes its container. */
  const diagnose = async (subject: Failing | undefined, reason: string) => {
    if (subject === undefined) return;
    try {
      diagnostics.push(
        await collectDiagnostics(session, compose, connection, {
          reason,
          services: [subject.service],
          ...(subject.logs ? { earlierLogs: { [subject.service]: subject.logs } } : {}),
          ...(subject.probe ? { probe: subject.probe } : {}),
        }),
      );
    } catch (why) {
      if (why instanceof CancelledError) throw why;
      core.warning(`could not collect diagnostics for ${subject.service}: ${errorMessage(why)}`);
    }
  };
  try {
    for (const step of plan.steps) await applyStep(step);
  } catch (error) {
    // A migration's checks still running beside a failed build: let them end before anything else.
    await preparing?.catch(() => undefined);
    if (error instanceof MigrationError)
      migration = { ...(error.partial as MigrationOutcome), applied: false };
    // A step that failed because the run was cancelled (its command was stopped) is a cancel too.
    if (error instanceof CancelledError || signal.aborted) {
      // Remote work was stopped before this point; say so in the journal while the lock is still held.
      await journal('cancelled', migration, migration?.backup).catch((why: unknown) =>
        core.warning(`could not record the cancel in the ledger: ${errorMessage(why)}`),
      );
      throw error instanceof CancelledError
        ? error
        : new CancelledError(String(signal.reason ?? 'signal'), `During the cancel: ${errorMessage(error)}`);
    }
    const failure = errorMessage(error);
    if (session.lost !== undefined) {
      // Nothing more can be done or recorded on the server; say exactly what is known.
      throw new Error(
        `the connection to ${session.label} was lost during the deploy of ${short(targetRef)} (${session.lost}); ` +
          `restarted (or being restarted) before the loss: ${touched.join(', ') || 'none'}. The server may run a mix of ${short(previousRef)} and ` +
          `${short(targetRef)}; the deploy lock was released when the connection ended; the journal shows this run as started. ` +
          `Re-run the deploy (it reads what runs and converges), or roll back: ${rollbackCommand(connection.environment, previousRef)}`,
        { cause: error },
      );
    }
    core.error(`deploy of ${short(targetRef)} failed: ${failure}`);
    await diagnose(failing, `deploy of ${short(targetRef)}: ${failure.split('\n')[0]}`);
    if (restarted.length > 0 && settings.autoRollback && previousRef !== '') {
      const restored = await stage(
        `Roll back to ${short(previousRef)}`,
        () => restorePrevious(session, compose, settings, previousRef, plan, state, restarted, signal),
        (value) => value.failure !== undefined,
      ).catch(async (error: unknown) => {
        // Cancelled while putting the previous release back: journal it, and say what is down.
        const down = await servicesDown(session, compose, settings).catch(() => []);
        await journal('cancelled', migration, migration?.backup).catch(() => undefined);
        throw error instanceof CancelledError
          ? new CancelledError(
              String(signal.reason ?? 'signal'),
              `During the automatic rollback${downText(down)}`,
            )
          : error;
      });
      const ok = restored.failure === undefined;
      if (!ok) {
        const failed = restored.waits.find((wait) => !wait.ok);
        await diagnose(
          failed && { service: failed.service, logs: failed.logs },
          `rollback to ${short(previousRef)}: ${restored.failure?.split('\n')[0]}`,
        );
      }
      const down = ok ? [] : await servicesDown(session, compose, settings);
      await journal(ok ? 'rolled-back' : 'failed', migration, migration?.backup);
      return outcome(ok ? 'rolled-back' : 'failed', {
        deployedRef: ok ? previousRef : targetRef,
        rolledBack: ok,
        services,
        restored: restored.waits,
        migration,
        migrated: migration?.applied ?? false,
        down,
        diagnostics,
        failure: ok ? failure : `${failure}; the rollback failed too: ${restored.failure}${downText(down)}`,
      });
    }
    if (checkedOut && restarted.length === 0 && previousRef !== '') {
      // Nothing was restarted: the running code is still the previous release; keep the checkout with it.
      await run(
        checkoutCommand(connection.appDir, previousRef),
        'checking the previous commit out again',
      ).catch((undo: unknown) =>
        core.warning(`could not check ${short(previousRef)} out again: ${errorMessage(undo)}`),
      );
    }
    const down = await servicesDown(session, compose, settings);
    await journal('failed', migration, migration?.backup);
    return outcome('failed', {
      deployedRef: restarted.length === 0 ? previousRef : targetRef,
      services,
      migration,
      migrated: migration?.applied ?? false,
      down,
      diagnostics,
      failure:
        (restarted.length > 0
          ? previousRef === ''
            ? `${failure}; no release ran here before this one, so there is nothing to roll back to: ${restarted.join(', ')} run the new release`
            : `${failure}; auto-rollback is off: ${restarted.join(', ')} run the new release`
          : failure) + downText(down),
    });
  }
  if (first !== undefined) {
    // Nothing ran before: a failed item is reported and fails the run, with nothing to go back to.
    const checklist = await stage('Post-deployment checklist (runbook §2)', () =>
      postDeploymentChecklist(session, compose, settings, first, Object.keys(state.targetImages), checks),
    );
    checks = [...checks, ...checklist];
    const failed = checklist.filter((row) => row.verdict === 'fail');
    if (failed.length > 0) {
      const failure = `post-deployment checklist: ${failed.map((row) => `${row.check}: ${row.value}`).join('; ')}`;
      core.error(inert(failure));
      await journal('failed', migration, migration?.backup);
      return outcome('failed', { services, migration, migrated: migration?.applied ?? false, failure });
    }
  }
  await journal('success', migration, migration?.backup);
  return outcome('success', { services, migration, migrated: migration?.applied ?? false });

  /** The migration's checks (see prepareMigration), from the revision read with the live state. */
  function prepare(): Promise<PreparedMigration> {
    const preparation = prepareMigration(place, settings.migration, UPGRADE_HEAD, log, state.dbRevision);
    // Awaited by the migrate step, or after a failure before it; never an unhandled rejection meanwhile.
    preparation.catch(() => undefined);
    return preparation;
  }

  /** The id of the image the target names for `service`, as the server has it now. */
  async function imageIdOf(service: string): Promise<string> {
    const result = await session.exec(
      commandLine({
        argv: ['docker', 'image', 'inspect', '--format', '{{.Id}}', state.targetImages[service]],
      }),
      { echo: 'none', timeoutSeconds: 60 },
    );
    return result.stdout.trim();
  }

  async function applyStep(step: Step): Promise<void> {
    switch (step.kind) {
      case 'checkout':
        return stage(`Check out ${short(step.sha)}`, async () => {
          await run(checkoutCommand(connection.appDir, step.sha), 'git checkout');
          checkedOut = true;
        });
      case 'build':
        return stage(`Build images (${step.imageTag})`, async () => {
          // Alembic on the host needs the release's code, not its images: the migration's checks run
          // while the images build.
          if (
            plan.steps.some((later) => later.kind === 'migrate') &&
            settings.migration.migrateService === undefined
          )
            preparing = prepare();
          await run(buildCommand(compose, connection, env), 'compose build');
        });
      case 'pull':
        return stage(`Pull images (${step.imageTag})`, async () => {
          await run(pullCommand(compose, connection, env, step.services), 'compose pull');
        });
      case 'start':
        return stage(`Start ${step.services.join(', ')}`, async () => {
          await run(startCommand(compose, connection, env, step.services), 'compose up');
          const gate = {
            timeoutSeconds: settings.waitTimeoutSeconds,
            minUptimeSeconds: settings.minUptimeSeconds,
          };
          // Started together: their waits overlap, so waiting for each in turn costs the slowest one.
          for (const service of step.services) {
            failing = { service };
            const wait = await waitUntilHealthy(session, compose, connection, env, service, gate, signal);
            services.push(wait);
            if (!wait.ok) {
              failing = { service, logs: wait.logs };
              throw new Error(`${service} did not pass its gate: ${wait.state}`);
            }
            core.info(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`);
          }
          failing = undefined;
        });
      case 'migrate':
        migration = await stage('Migrate the database', async () => {
          const prepared = await (preparing ?? prepare());
          return prepared.done ?? applyMigration(place, settings.migration, UPGRADE_HEAD, prepared, log);
        });
        return;
      case 'restart':
        if (step.unlessImageIs !== undefined && (await imageIdOf(step.service)) === step.unlessImageIs) {
          core.info(
            // The reference comes from the compose file on the server: inert.
            inert(
              `${step.service}: its new image ${state.targetImages[step.service]} is the image it runs (${step.unlessImageIs}); ` +
                'its configuration differs only in the tag: not restarted',
            ),
          );
          return;
        }
        return stage(
          `Restart ${step.service}${step.strategy === 'start-first' ? ' start-first' : ''} (${step.why})`,
          async () => {
            touched.push(step.service);
            failing = { service: step.service };
            const wait = await restartService(session, compose, settings, env, step.service, signal, {
              strategy: step.strategy,
              replicas: state.replicas[step.service] ?? 1,
              force: step.force,
              // What a rollback must put back: a recreated service at once, a start-first one from its switch.
              onChange: () => restarted.push(step.service),
            });
            services.push(wait);
            if (!wait.ok) {
              failing = { service: step.service, logs: wait.logs };
              throw new Error(`${step.service} did not pass its gate: ${wait.state}`);
            }
            if (absentAfter(step.service)) {
              // A service later in the order (the proxy, say) has no container yet: health-url can
              // answer only once every listed service runs; it is probed after the last of them.
              failing = undefined;
              return;
            }
            const probeStarted = Date.now();
            const answer = await waitForHealthUrl(
              session,
              settings.healthUrl,
              settings.waitTimeoutSeconds,
              signal,
            ).catch((error: unknown) => {
              if (error instanceof HealthUrlError)
                failing = { service: step.service, probe: { url: error.url, answer: error.answer } };
              throw error;
            });
            failing = undefined;
            core.info(`health-url: ${answer} after ${seconds(probeStarted)}`);
          },
        );
    }
  }
}

/** The IMAGE_TAG a service's container was made with, read from the server; undefined without one. */
export async function runningImageTagOf(
  session: RemoteSession,
  compose: Compose,
  place: Pick<ConnectionSettings, 'appDir' | 'composeFile'>,
  service: string,
): Promise<string | undefined> {
  const { containers } = await readServicesState(session, compose, place, [service]);
  return containers
    .filter((container) => container.service === service)
    .map((container) => tagOf(container.imageRef))
    .find((tag) => tag !== undefined);
}

function downText(down: readonly string[]): string {
  return down.length === 0 ? '' : `; NOT running and healthy now: ${down.join('; ')}`;
}

/** Listed services not running and healthy, read from the server after a failure. */
export async function servicesDown(
  session: RemoteSession,
  compose: Compose,
  settings: DeploySettings,
): Promise<string[]> {
  try {
    const state = await readServicesState(session, compose, settings.connection, settings.services);
    return judgeServices(state)
      .filter((verdict) => !verdict.ok)
      .map((verdict) => `${verdict.service} (${verdict.state})`);
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return [`(could not read the services: ${errorMessage(error)})`];
  }
}

interface RestartOptions {
  readonly strategy: Strategy;
  /** How many containers the service runs (start-first starts as many beside the old ones). */
  readonly replicas: number;
  readonly force?: boolean;
  /** Called when the service's running containers start to change. */
  readonly onChange?: () => void;
}

/**
 * One service onto the release in `env`: recreated (`up -d --no-deps`, then its gate), or start-first
 * (see startFirst) where its containers now are all running and healthy; with nothing healthy to keep
 * serving, start-first would only delay, and the service is recreated.
 */
async function restartService(
  session: RemoteSession,
  compose: Compose,
  settings: RolloutSettings & { readonly connection: ConnectionSettings },
  env: Readonly<Record<string, string>>,
  service: string,
  signal: AbortSignal,
  options: RestartOptions,
): Promise<ServiceWait> {
  const { connection } = settings;
  const gate = { timeoutSeconds: settings.waitTimeoutSeconds, minUptimeSeconds: settings.minUptimeSeconds };
  const started = Date.now();
  let strategy = options.strategy;
  let old: ContainerState[] = [];
  if (strategy === 'start-first') {
    old = await serviceContainers(session, compose, connection, env, service);
    const now = judgeServices({ services: [service], containers: old })[0];
    if (!now.ok) {
      core.info(
        `${service}: ${now.state}, nothing healthy to keep serving: recreating it instead of start-first`,
      );
      strategy = 'recreate';
    }
  }
  let wait: ServiceWait;
  if (strategy === 'start-first') {
    let switching = false;
    const result = await startFirst(session, compose, connection, env, service, gate, {
      old,
      overlapSeconds: settings.startFirstOverlapSeconds,
      replicas: options.replicas,
      signal,
      onSwitch: () => {
        switching = true;
        options.onChange?.();
      },
    }).catch((error: unknown) => {
      // Compose refused a second container (a rollback to a release whose configuration fixes its
      // name or port, say): the new ones were removed, the old ones serve; recreate it instead.
      if (
        error instanceof RemoteCommandError &&
        !switching &&
        !signal.aborted &&
        session.lost === undefined
      ) {
        core.warning(
          `${service}: no second container could be started beside the old (${error.message}); recreating it instead`,
        );
        return undefined;
      }
      throw error;
    });
    if (result !== undefined) {
      wait = result.wait;
      core.info(
        result.switched
          ? `${service}: new container ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s; the old one stopped and removed (${seconds(started)} in all)`
          : `${service}: the new container failed its gate (${wait.state}); it was removed and the old one still serves`,
      );
      return wait;
    }
  }
  options.onChange?.();
  await session.run(
    commandLine(upCommand(compose, connection, env, service, options.force)),
    `restarting ${service}`,
  );
  core.info(`${service} recreated in ${seconds(started)}`);
  wait = await waitUntilHealthy(session, compose, connection, env, service, gate, signal);
  core.info(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`);
  return wait;
}

/**
 * Puts each restarted service back on what it ran before (its own image tag, read from its container
 * before the deploy), with the previous commit checked out; each is gated as in a deploy.
 */
export async function restorePrevious(
  session: RemoteSession,
  compose: Compose,
  settings: DeploySettings,
  previousRef: string,
  plan: Plan,
  state: LiveState,
  services: readonly string[],
  signal: AbortSignal,
): Promise<{ waits: ServiceWait[]; failure: string | undefined }> {
  const { connection } = settings;
  const waits: ServiceWait[] = [];
  const fallbackTag = runningTag(plan) || defaultImageTag(previousRef);
  try {
    await session.run(
      commandLine(checkoutCommand(connection.appDir, previousRef)),
      'checking the previous commit out',
    );
    const tagFor = (service: string) =>
      plan.services.find((s) => s.service === service)?.imageTag ?? fallbackTag;
    for (const tag of new Set(services.map(tagFor))) {
      const env = { [IMAGE_TAG]: tag };
      const own = services.filter((service) => tagFor(service) === tag);
      // Images of the previous release: still on the server (usually), else rebuilt from its commit or pulled.
      const absent = own.filter((service) => {
        const ref = state.targetImages[service];
        const previous = ref === undefined ? undefined : `${repositoryOf(ref)}:${tag}`;
        return previous === undefined || state.localImages[previous] === undefined;
      });
      if (absent.length > 0) {
        if (tag.startsWith('git-') && imageMode(settings.build, false) !== 'none')
          await session.run(
            commandLine(buildCommand(compose, connection, env)),
            'rebuilding the previous images',
          );
        else
          await session.run(
            commandLine(pullCommand(compose, connection, env, absent)),
            'pulling the previous images',
          );
      }
      for (const service of own) {
        const wait = await restartService(session, compose, settings, env, service, signal, {
          strategy: strategyOf(settings, service),
          replicas: state.replicas[service] ?? 1,
        });
        waits.push(wait);
        if (!wait.ok) throw new Error(`${service} did not pass its gate: ${wait.state}`);
      }
    }
    await waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal);
    core.info(
      `restored ${short(previousRef)}: ${services.map((s) => `${s} (${tagFor(s)})`).join(', ')} healthy`,
    );
    return { waits, failure: undefined };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return { waits, failure: errorMessage(error) };
  }
}

export type { RolloutSettings };
