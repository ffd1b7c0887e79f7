/**
 * action-ops' work, runbook §6's emergency procedures: restart one service, restart the stack one
 * service at a time, recover the database from a backup, reclaim disk, scale a service. Each run reads
 * what runs, refuses what cannot be done before it changes anything, journals `started`, does the
 * operation, ends with the health gate a deploy ends with (every listed service and every service it
 * touched running, and healthy where it has a healthcheck; health-url healthy) and journals the
 * result. Its report holds the stack's containers before and after, read from the server.
 */
import * as core from '@actions/core';
import {
  judgeServices,
  readServicesState,
  type ContainerState,
  type ServiceVerdict,
} from '../compose/compose';
import {
  scaleUpCommand,
  serviceContainers,
  waitUntilHealthy,
  type GateSettings,
  type ServiceWait,
} from '../compose/rollout';
import { composeCommand } from '../compose/compose';
import {
  defaultImageTag,
  HealthUrlError,
  withStages,
  stage,
  waitForHealthUrl,
  type PlanStep,
} from '../deploy/deploy';
import { collectDiagnostics, type Diagnostics } from '../diagnostics/diagnostics';
import { readLiveState, type LiveState } from '../deploy/live-state';
import { tagOf } from '../deploy/plan';
import { CancelledError, errorMessage } from '../errors';
import { headCommit } from '../git/git';
import { judgeHealthAnswer, probeOnServer, type HttpAnswer } from '../health/checks';
import type { Operation, OperationName, OpsSettings } from '../inputs/ops';
import { appendRelease, type JournalResult, type Release } from '../ledger/ledger';
import { resolveTarget, schemaMismatch } from '../rollback/rollback';
import { DEPLOY_DEFAULTS } from '../inputs/deploy';
import { commandLine, quote, renderScript } from '../shell';
import { inert } from '../ssh/output';
import { describeOutcome, type RemoteSession } from '../ssh/session';
import type { StageTiming } from '../summary/timeline';
import {
  backupProblem,
  listBackups,
  newestBackup,
  postgresAnswers,
  restoreBackup,
  startServices,
  stopServices,
  execContainer,
  takeEmergencyBackup,
  untrustedBackups,
  type DatabaseWork,
} from './database';
import { diskLine, planReclaim, readInventory, reclaimSteps, type ReclaimPlan } from './reclaim';

export interface OpsContext {
  readonly session: RemoteSession;
  readonly signal: AbortSignal;
  readonly actor: string;
  readonly runUrl: string;
  readonly runId: string;
}

/** One container of the stack, as the report shows it. */
export interface ContainerReport {
  readonly id: string;
  /** The image reference it was created from. */
  readonly image: string;
  readonly imageId: string;
  readonly state: string;
  /** healthy, unhealthy, starting, or none (no healthcheck). */
  readonly health: string;
  readonly startedAt: string;
  readonly restartCount: number;
}

/** Every service of the stack and its containers (none: an empty list). */
export type StackReport = Readonly<Record<string, readonly ContainerReport[]>>;

export interface DiskReport {
  /** app-dir's filesystem, from df. */
  readonly filesystem: string;
  /** `docker system df`, as printed. */
  readonly docker: string;
}

export interface OpsOutcome {
  readonly kind: OperationName;
  /** "restart gateway", "scale worker=2": as the ledger records it. */
  readonly operation: string;
  /** success, failed, or unchanged for a dry run. */
  readonly result: 'success' | 'failed' | 'unchanged';
  readonly dryRun: boolean;
  /** The commit checked out, and the IMAGE_TAG the stack runs. */
  readonly ref: string;
  readonly imageTag: string;
  readonly before: StackReport;
  readonly after: StackReport;
  /** Each gate a service passed or failed during the operation. */
  readonly waits: readonly ServiceWait[];
  /** The health gate at the end: each gated service's verdict, and health-url's answer. */
  readonly gate: readonly ServiceVerdict[];
  readonly healthUrl: { readonly ok: boolean; readonly answer: string } | undefined;
  /** The commands the operation runs (what a dry run prints). */
  readonly plan: readonly PlanStep[];
  /** What happened, step by step (server text made inert). */
  readonly account: readonly string[];
  readonly failure: string | undefined;
  /** Set when the application is left down: why, and how to finish. */
  readonly productionDown: string | undefined;
  readonly restoredBackup?: string;
  readonly emergencyBackup?: string;
  readonly disk?: { readonly before: DiskReport; readonly after: DiskReport | undefined };
  readonly reclaim?: ReclaimPlan;
  readonly durationSeconds: number;
  /** Runbook §9: what was collected about the services that failed. */
  readonly diagnostics?: readonly Diagnostics[];
  /** Each stage, in the order they began: the summary's timeline. */
  readonly stages: readonly StageTiming[];
}

/** What the ledger and the messages call an operation. */
export function describeOperation(operation: Operation): string {
  switch (operation.kind) {
    case 'restart':
      return `restart ${operation.service}`;
    case 'scale':
      return `scale ${operation.service}=${operation.replicas}`;
    case 'reclaim-disk':
      return operation.pruneVolumes ? 'reclaim-disk with volumes' : 'reclaim-disk';
    default:
      return operation.kind;
  }
}

export function stackReport(services: readonly string[], containers: readonly ContainerState[]): StackReport {
  return Object.fromEntries(
    services.map((service) => [
      service,
      containers
        .filter((container) => container.service === service)
        .map((container) => ({
          id: container.id.slice(0, 12),
          image: container.imageRef,
          imageId: container.image,
          state: container.status,
          health: container.health,
          startedAt: container.startedAt,
          restartCount: container.restartCount,
        })),
    ]),
  );
}

/** The stack's services (profiled one-shot tools left out), in the compose file's order. */
const stackServicesOf = (state: LiveState) => Object.keys(state.replicas);

/** The IMAGE_TAGs the stack's containers were made with (services whose image takes IMAGE_TAG only). */
function runningTags(state: LiveState, services: readonly string[] = stackServicesOf(state)): string[] {
  const takesTag = (service: string) => {
    const image = state.targetImages[service];
    return image !== undefined && tagOf(image) === state.imageTag;
  };
  return state.containers
    .filter((container) => services.includes(container.service) && takesTag(container.service))
    .map((container) => tagOf(container.imageRef))
    .filter((tag): tag is string => tag !== undefined);
}

/** The tag most of them run; the checkout's own when none runs. */
function mostCommon(tags: readonly string[], fallback: string): string {
  const counts = new Map<string, number>();
  for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}

/**
 * restart-stack's order: the listed services, then the stack's other services that run a container,
 * but those in `spared` (the database's and the backup container's: a restart cuts a backup short).
 */
export function restartOrder(
  listed: readonly string[],
  stack: readonly string[],
  containers: readonly ContainerState[],
  spared: readonly string[] = [],
): string[] {
  const running = (service: string) =>
    containers.some((container) => container.service === service && container.status === 'running');
  return [
    ...listed,
    ...stack.filter((service) => !listed.includes(service) && !spared.includes(service) && running(service)),
  ];
}

/**
 * The containers restart-stack never restarts unless listed: postgres-container, and the container
 * backup-command and restore-command run in (`docker exec ... <container>`).
 */
export function sparedContainers(settings: OpsSettings): string[] {
  return [
    ...new Set(
      [
        settings.postgresContainer,
        execContainer(settings.backupCommand),
        execContainer(settings.restoreCommand),
      ].filter((name): name is string => name !== undefined),
    ),
  ];
}

/** The services whose containers have one of these names (read from Docker: names are not in the state). */
async function servicesNamed(
  session: RemoteSession,
  containers: readonly ContainerState[],
  names: readonly string[],
): Promise<string[]> {
  if (containers.length === 0 || names.length === 0) return [];
  const text = await session.run(
    commandLine({
      argv: [
        'docker',
        'inspect',
        '--format',
        '{{index .Config.Labels "com.docker.compose.service"}} {{.Name}}',
        ...containers.map((container) => container.id),
      ],
    }),
    'reading the container names',
    { echo: 'stderr', timeoutSeconds: 60 },
  );
  return [
    ...new Set(
      text
        .split('\n')
        .map((line) => line.trim().split(' '))
        .filter(([, name]) => name !== undefined && names.includes(name.replace(/^\//, '')))
        .map(([service]) => service),
    ),
  ];
}

/**
 * Why the operation cannot run on this server, read before anything is changed; undefined when it can.
 * A service that cannot run a second container (a fixed name or host port: startFirstBlockers) is
 * never scaled beyond one.
 */
export function refusal(settings: OpsSettings, state: LiveState): string | undefined {
  const stack = stackServicesOf(state);
  const has = (service: string) => state.containers.some((container) => container.service === service);
  const known = `the stack has: ${stack.join(', ') || 'no service'}`;
  const unlisted = settings.services.filter((service) => !stack.includes(service));
  if (unlisted.length > 0) return `services names ${unlisted.join(', ')}, not in the compose file (${known})`;
  const operation = settings.operation;
  if (operation.kind === 'restart' || operation.kind === 'scale') {
    const { service } = operation;
    if (!stack.includes(service)) return `${service} is not a service of the stack (${known})`;
    if (!has(service))
      return `${service} has no container to ${operation.kind}: run a deploy, which creates what is missing`;
  }
  if (operation.kind === 'restart-stack') {
    const missing = settings.services.filter((service) => !has(service));
    if (missing.length > 0)
      return `${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no container to restart: run a deploy, which creates what is missing`;
  }
  if (operation.kind === 'scale' && operation.replicas > 1) {
    const blocker = state.startFirstBlockers[operation.service];
    if (blocker !== undefined)
      return `${operation.service} cannot run ${operation.replicas} containers: ${blocker}`;
  }
  return undefined;
}

/** Whether a container of that name exists on the server (running or not). */
async function containerExists(session: RemoteSession, name: string): Promise<boolean> {
  const result = await session.exec(
    commandLine({ argv: ['docker', 'container', 'inspect', '--format', '{{.State.Status}}', name] }),
    { echo: 'none', timeoutSeconds: 60 },
  );
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  return result.outcome.kind === 'exited' && result.outcome.code === 0;
}

/** What an operation's own part ends with: nothing wrong, or what failed (and whether production is down). */
interface Ended {
  readonly failure?: string;
  readonly productionDown?: string;
}

/** An emergency operation, with the stages it went through. */
export async function runOps(settings: OpsSettings, context: OpsContext): Promise<OpsOutcome> {
  return withStages(() => runOpsUntimed(settings, context));
}

async function runOpsUntimed(
  settings: OpsSettings,
  context: OpsContext,
): Promise<Omit<OpsOutcome, 'stages'>> {
  const started = Date.now();
  const { session, signal } = context;
  const { connection, operation } = settings;
  const described = describeOperation(operation);
  const account: string[] = [];
  // Account lines quote the server (states, backup names, stderr): inert wherever they are shown.
  const note = (line: string) => {
    account.push(inert(line));
    core.info(inert(line));
  };
  const head = (
    await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
      echo: 'stderr',
    })
  ).trim();
  const liveStateRequest = {
    appDir: connection.appDir,
    composeFile: connection.composeFile,
    composeCommand: connection.composeCommand,
    remote: 'origin',
    ref: head,
    imageTag: undefined,
    stateDir: connection.stateDir,
    migrationsPath: undefined,
    alembicCurrent: undefined,
    fetch: false,
  };
  const state = await stage('Read the live state', () => readLiveState(session, liveStateRequest));
  const compose = state.compose;
  const stack = stackServicesOf(state);
  const imageTag = mostCommon(runningTags(state), defaultImageTag(head));
  const env = { IMAGE_TAG: imageTag };
  const gate: GateSettings = {
    timeoutSeconds: settings.waitTimeoutSeconds,
    minUptimeSeconds: settings.minUptimeSeconds,
  };
  const before = stackReport(stack, state.containers);
  const refused = refusal(settings, state);
  if (refused !== undefined) throw new Error(`${described} refused: ${refused}; nothing was changed`);
  core.info(
    inert(
      `${described} on ${session.label}: ${head.slice(0, 12)} (${imageTag}); compose: ${compose.command.join(' ')} (v${compose.major}); ` +
        stack
          .map(
            (service) =>
              `${service} ${judgeServices({ services: [service], containers: state.containers })[0].state}`,
          )
          .join('; '),
    ),
  );

  const waits: ServiceWait[] = [];
  /** Services the operation changed: gated at the end besides the listed ones. */
  const touched: string[] = [];
  let closed = false;
  /** Backups this run found that `latest` must never pick: in every entry it journals. */
  const untrusted: string[] = [];
  const journal = (result: JournalResult, extra: Partial<Release> = {}) => {
    if (result !== 'started') closed = true;
    return appendRelease(session, connection.stateDir, {
      time: new Date().toISOString(),
      environment: connection.environment,
      ref: head,
      image_tag: imageTag,
      previous_ref: head,
      migration: '',
      actor: context.actor,
      run_url: context.runUrl,
      result,
      action: 'ops',
      operation: described,
      run_id: context.runId,
      ...extra,
      ...(untrusted.length > 0 ? { untrusted_backups: [...untrusted] } : {}),
    });
  };
  /** health-url, as a deploy probes it after each service; the failure names what came before. */
  const probe = async (after: string) => {
    const probeStarted = Date.now();
    try {
      const answer = await waitForHealthUrl(session, settings.healthUrl, settings.waitTimeoutSeconds, signal);
      core.info(`health-url: ${answer} after ${((Date.now() - probeStarted) / 1000).toFixed(1)}s`);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      throw new Error(`after ${after}: ${errorMessage(error)}`, { cause: error });
    }
  };
  /** A service's containers now, for a cancel's message (read even though the run is cancelled). */
  const serviceNow = async (service: string) => {
    const containers = await serviceContainers(session, compose, connection, env, service, true).catch(
      () => undefined,
    );
    return containers === undefined
      ? `${service}: could not be read`
      : `${service} now: ${judgeServices({ services: [service], containers })[0].state}`;
  };
  /** A service's gate during the operation (all its containers, or `only` these), kept for the report. */
  const gateService = async (
    service: string,
    serviceEnv: Readonly<Record<string, string>>,
    failure: string,
    only?: readonly string[],
  ) => {
    const wait = await waitUntilHealthy(
      session,
      compose,
      connection,
      serviceEnv,
      service,
      gate,
      signal,
      only,
    );
    waits.push(wait);
    core.info(inert(`${service}: ${wait.state} after ${(wait.waitedMs / 1000).toFixed(1)}s`));
    if (!wait.ok) throw new Error(`${failure}: ${wait.state}`);
  };
  /** A cancel while working on a service is thrown again saying what the service runs now. */
  const sayWhatRuns = async (error: unknown, doing: string, service: string): Promise<never> => {
    if (error instanceof CancelledError || signal.aborted) {
      throw new CancelledError(
        String(signal.reason ?? 'signal'),
        `Cancelled while ${doing}; ${await serviceNow(service)}`,
      );
    }
    throw error;
  };
  /** restart's semantics (runbook §6): the same containers, a fresh process, then the deploy's gate. */
  const restartOne = (service: string) =>
    stage(`Restart ${service}`, async () => {
      touched.push(service);
      try {
        await session.run(
          commandLine(composeCommand(compose, connection, ['restart', service], env)),
          `restarting ${service}`,
        );
        await gateService(service, env, `${service} did not pass its gate after the restart`);
      } catch (error) {
        await sayWhatRuns(error, `restarting ${service}`, service);
      }
      await probe(`restarting ${service}`);
    });

  let plan: PlanStep[] = [];
  let execute: () => Promise<Ended>;
  let restoredBackup: string | undefined;
  let emergencyBackup: string | undefined;
  let reclaim: ReclaimPlan | undefined;
  let disk: OpsOutcome['disk'];

  switch (operation.kind) {
    case 'restart': {
      const { service } = operation;
      plan = [
        {
          title: `Restart ${service}'s containers in place (the same containers, a fresh process), then its gate and health-url`,
          command: composeCommand(compose, connection, ['restart', service], env),
        },
      ];
      execute = async () => {
        await restartOne(service);
        return {};
      };
      break;
    }
    case 'restart-stack': {
      const spared = await servicesNamed(session, state.containers, sparedContainers(settings));
      const order = restartOrder(settings.services, stack, state.containers, spared);
      const skipped = spared.filter((service) => !settings.services.includes(service));
      if (skipped.length > 0)
        note(
          `not restarted: ${skipped.join(', ')} (the database's or the backup container: restart ${skipped.length === 1 ? 'it' : 'them'} with operation restart, between backups)`,
        );
      plan = order.map((service) => ({
        title: `Restart ${service} in place, then its gate and health-url`,
        command: composeCommand(compose, connection, ['restart', service], env),
      }));
      execute = async () => {
        for (const [index, service] of order.entries()) {
          try {
            await restartOne(service);
          } catch (error) {
            if (error instanceof CancelledError) throw error;
            const done = order.slice(0, index);
            const left = order.slice(index + 1);
            return {
              failure:
                `${errorMessage(error)}. restart-stack stopped at ${service}: restarted before it: ${done.join(', ') || 'none'}; ` +
                `not restarted: ${left.join(', ') || 'none'}`,
            };
          }
        }
        return {};
      };
      break;
    }
    case 'scale': {
      const { service, replicas } = operation;
      const old = state.containers.filter((container) => container.service === service).map((c) => c.id);
      // New containers are made from the image the service runs now, not from the checkout's.
      const serviceEnv = { IMAGE_TAG: mostCommon(runningTags(state, [service]), imageTag) };
      const scale = scaleUpCommand(compose, connection, serviceEnv, service, replicas);
      plan = [
        {
          title:
            `Scale ${service} from ${old.length} to ${replicas} container(s) (--no-recreate: the running ones stay as they are), ` +
            `then gate ${replicas > old.length ? 'the new ones' : 'the ones left'}; it keeps ${replicas} until the service is recreated or scaled back ` +
            `(the compose file says ${state.replicas[service] ?? 1}; a deploy that leaves ${service} unchanged keeps ${replicas})`,
          command: scale,
        },
      ];
      execute = () =>
        stage(`Scale ${service} to ${replicas}`, async () => {
          touched.push(service);
          try {
            await session.run(commandLine(scale), `scaling ${service}`);
            const now = await serviceContainers(session, compose, connection, serviceEnv, service);
            if (now.length !== replicas)
              throw new Error(`compose left ${now.length} container(s) of ${service}, not ${replicas}`);
            const fresh = now.map((container) => container.id).filter((id) => !old.includes(id));
            await gateService(
              service,
              serviceEnv,
              `${service}'s ${fresh.length > 0 ? 'new containers' : 'containers'} did not pass the gate`,
              fresh.length > 0 ? fresh : undefined,
            );
          } catch (error) {
            // Containers this run added that did not pass (or that a cancel left unchecked) go again,
            // even when cancelled: the old ones serve as before.
            if (session.lost !== undefined) throw error;
            const added = (await serviceContainers(session, compose, connection, serviceEnv, service, true))
              .map((container) => container.id)
              .filter((id) => !old.includes(id));
            if (added.length > 0) {
              await session.run(
                commandLine({ argv: ['docker', 'rm', '-f', ...added] }),
                `removing the new ${service} containers`,
                {
                  keepOnCancel: true,
                  timeoutSeconds: 120,
                },
              );
              note(
                `removed the ${added.length} new ${service} container(s); the ${old.length} that ran before are as they were`,
              );
            }
            await sayWhatRuns(error, `scaling ${service}`, service);
          }
          await probe(`scaling ${service}`);
          return {};
        });
      break;
    }
    case 'recover-database': {
      // The newest trusted backup that is there and not empty where restore-command reads it: checked
      // before anything is stopped (a missing or empty one is skipped, and said).
      const listed = (await listBackups(session, connection.appDir, settings.restoreCommand)).join('\n');
      const excluded = untrustedBackups(state.releases);
      let backup: string | undefined;
      for (let tries = 0; tries < 5; tries++) {
        const candidate = newestBackup(listed, excluded);
        if (candidate === undefined) break;
        const problem = await backupProblem(session, connection.appDir, settings.restoreCommand, candidate);
        if (problem === undefined) {
          backup = candidate;
          break;
        }
        note(`skipped: ${problem}`);
        excluded.add(candidate);
      }
      if (backup === undefined)
        throw new Error(
          `${described} refused: restore-command --list names no usable backup (none that is there and not empty); nothing was changed`,
        );
      const postgres = settings.postgresContainer;
      // A postgres-container that is not there is a mistake to say now, not "PostgreSQL does not answer" later.
      if (postgres !== undefined && !(await containerExists(session, postgres)))
        throw new Error(
          `${described} refused: postgres-container ${postgres} is no container on ${session.label} (give the one running ` +
            'PostgreSQL, or leave it empty to take the emergency backup without asking); nothing was changed',
        );
      restoredBackup = backup;
      note(`backup to restore: ${backup} (the newest trusted one that existed before this run)`);
      const services = settings.services;
      const work: DatabaseWork = {
        session,
        compose,
        place: connection,
        env,
        services,
        gate,
        signal,
        procedure: 'the recovery',
        ref: head,
        note,
        journal,
        untrusted,
      };
      const again = `gh workflow run emergency.yml -f environment=${connection.environment} -f operation=restart-stack`;
      plan = [
        {
          title: `Stop ${services.join(', ')}`,
          command: composeCommand(compose, connection, ['stop', ...services], env),
        },
        ...(postgres === undefined
          ? []
          : [
              {
                title: `Ask PostgreSQL whether it answers (pg_isready in ${postgres})`,
                command: { argv: ['docker', 'exec', postgres, 'pg_isready'] },
              },
            ]),
        {
          title: `${postgres === undefined ? 'The' : 'When it answers: the'} emergency backup (${settings.backupCommand}), journalled so it is never restored as the newest`,
        },
        { title: `Restore ${backup} (${settings.restoreCommand} ${backup}, its prompt answered yes)` },
        {
          title: `Start ${services.join(', ')} again (the same containers), each gated, then health-url`,
          command: composeCommand(compose, connection, ['start', ...services], env),
        },
        {
          title: `Compare the restored database's alembic revision with the checkout's migration head (${settings.alembicCommand} current${settings.migrateService ? ` in ${settings.migrateService}` : ''}); a mismatch fails the run, the services left running, with the migrate command`,
        },
      ];
      /** The restored database's revision against the checkout's migration heads: what is wrong, if anything. */
      const readSchema = async (): Promise<string | undefined> => {
        const current =
          settings.migrateService === undefined
            ? `cd ${quote(connection.appDir)} && ${settings.alembicCommand} current`
            : `"$@" -f "$file" exec -T ${quote(settings.migrateService)} sh -c ${quote(`${settings.alembicCommand} current`)}`;
        const now = await stage('Compare the restored revision with the migrations', () =>
          readLiveState(session, {
            ...liveStateRequest,
            migrationsPath: DEPLOY_DEFAULTS['migrations-path'],
            alembicCurrent: current,
          }),
        );
        if (now.dbRevision === undefined) {
          const warning = `the restored database's alembic revision could not be read (${now.dbRevisionProblem ?? 'no answer'}): compare it with the checkout's migrations by hand`;
          core.warning(inert(warning));
          note(warning);
          return undefined;
        }
        const mismatch = schemaMismatch(now, connection.environment, true);
        note(
          mismatch ??
            `the restored database is at ${now.dbRevision || '(base)'}, the checkout's migration head`,
        );
        return mismatch;
      };
      execute = async () => {
        touched.push(...services);
        /** Before the restore the database is as it was: the services go back as they were. */
        const unstop = async (error: unknown, what: string): Promise<Ended> => {
          if (error instanceof CancelledError || signal.aborted) {
            const back = await startServices(work, true);
            const detail =
              `Cancelled during ${what}, before anything was restored: ` +
              (back.started
                ? `${services.join(', ')} were started again (not gated)`
                : `${services.join(', ')} may be STOPPED (${back.problem ?? ''})`);
            await journal('cancelled', { backup, emergency_backup: emergencyBackup }).catch(() => undefined);
            throw new CancelledError(String(signal.reason ?? 'signal'), detail);
          }
          const back = await startServices(work);
          waits.push(...back.waits);
          const ok = back.started && back.failing.length === 0;
          const how = ok
            ? `${services.join(', ')} were started again, each passing its gate`
            : back.started
              ? `started again, not well: ${back.failing.join('; ')}`
              : `they could NOT be started again (${back.problem ?? ''})`;
          return {
            failure: `${what} failed: ${errorMessage(error)}; nothing was restored; ${how}`,
            productionDown: ok ? undefined : `PRODUCTION IS DOWN: ${how}. To start them: ${again}`,
          };
        };
        try {
          await stopServices(work);
        } catch (error) {
          return unstop(error, 'stopping the application services');
        }
        let answers = { ok: true, said: 'not asked: postgres-container is empty' };
        try {
          if (postgres !== undefined) answers = await postgresAnswers(session, postgres);
        } catch (error) {
          return unstop(error, 'pg_isready');
        }
        if (answers.ok) {
          note(`PostgreSQL answers (${answers.said})`);
          try {
            emergencyBackup = await takeEmergencyBackup(
              work,
              settings.backupCommand,
              settings.restoreCommand,
            );
          } catch (error) {
            return unstop(error, 'the emergency backup');
          }
          // Journalled at once: whatever happens next, `latest` must never pick it.
          if (emergencyBackup !== undefined)
            await journal('started', { backup, emergency_backup: emergencyBackup });
        } else {
          note(
            `PostgreSQL does not answer (${answers.said}): no emergency backup can be taken; restoring ${backup} all the same`,
          );
        }
        const failed = await restoreBackup(work, {
          command: settings.restoreCommand,
          args: [backup],
          backup,
          emergencyBackup,
          finish:
            `To finish by hand: restore again (${settings.restoreCommand} ${backup}), then start the services (${again})` +
            (emergencyBackup
              ? `; or put the data back as it was from the emergency backup ${emergencyBackup}`
              : ''),
        });
        if (failed !== undefined) return failed;
        // A cancel does not stop the start (the database is restored: they should run), only the waits.
        const back = await startServices(work, false, true);
        waits.push(...back.waits);
        if (signal.aborted) {
          const now = await Promise.all(services.map(serviceNow));
          throw new CancelledError(
            String(signal.reason ?? 'signal'),
            `Cancelled after the restore of ${backup}, while the services were started again ` +
              `(${back.started ? 'compose start finished; not gated' : `compose start did not finish: ${back.problem ?? ''}`}); ` +
              `${now.join('; ')}. Whatever is not running: ${again}`,
          );
        }
        if (!back.started) {
          const productionDown = `PRODUCTION IS DOWN: the database was restored from ${backup}, but ${services.join(', ')} could not be started again (${back.problem ?? ''}). To start them: ${again}`;
          return { failure: productionDown, productionDown };
        }
        note(
          `started again: ${services.join(', ')}${back.failing.length > 0 ? `; not well: ${back.failing.join('; ')}` : ', each passing its gate'}`,
        );
        // The restored backup against the checkout's migrations (as a full rollback compares them). The
        // services stay running, as runbook §6 leaves them: the run fails and says the migrate command.
        const schema = await readSchema();
        if (back.failing.length > 0)
          return {
            failure:
              `the database was restored from ${backup}; started again, ${back.failing.join('; ')} did not pass their gates` +
              (schema === undefined ? '' : `\n${schema}`),
          };
        if (schema !== undefined) return { failure: schema };
        await probe('the recovery');
        return {};
      };
      break;
    }
    case 'reclaim-disk': {
      const { pruneVolumes } = operation;
      const inventory = await stage('Read what Docker holds', () =>
        readInventory(session, connection.appDir, connection.composeFile, compose.command),
      );
      // What to keep is read from the compose file and the ledger: when either cannot be read, nothing
      // is removed (an empty keep set would take the previous release's images).
      if (inventory.configError !== undefined)
        throw new Error(
          `${described} refused: compose config failed, so the stack's images are unknown (${inert(inventory.configError)}); nothing was removed`,
        );
      const previous = await resolveTarget(session, connection.appDir, state.releases, head, {
        kind: 'previous',
      }).catch((error: unknown) => {
        if (/^no previous release/.test(errorMessage(error))) return undefined;
        throw new Error(
          `${described} refused: the previous release could not be read (${errorMessage(error)}); nothing was removed`,
          { cause: error },
        );
      });
      const previousTag =
        previous === undefined ? undefined : (previous.imageTag ?? defaultImageTag(previous.sha));
      const tags = [
        ...new Set([...runningTags(state), defaultImageTag(head), ...(previousTag ? [previousTag] : [])]),
      ];
      note(
        `keeping the images of the releases ${tags.join(', ')} (running, checked out${previousTag ? `, previous: ${previous?.sha.slice(0, 12)}` : '; no previous release in the ledger'})`,
      );
      const chosen = planReclaim(inventory, { tags, pruneVolumes });
      reclaim = chosen;
      const diskBefore = { filesystem: diskLine(inventory.df), docker: inventory.dockerDf };
      disk = { before: diskBefore, after: undefined };
      note(`disk before: ${diskBefore.filesystem}`);
      if (chosen.keptImages.length > 0)
        note(`kept, unused but of a release: ${chosen.keptImages.join(', ')}`);
      if ((chosen.otherImages ?? 0) > 0)
        note(
          `kept: ${chosen.otherImages} unused image(s) of repositories the compose file does not name (another stack's, base images)`,
        );
      plan = reclaimSteps(chosen, pruneVolumes);
      execute = async () => {
        const failed: string[] = [];
        for (const { title, command } of plan) {
          if (command === undefined) continue;
          const what = title.split(':')[0];
          // A removal that fails in part (an image a container started using meanwhile) is reported, and
          // the rest goes on: what is left is read from the server below.
          const result = await stage(
            what,
            () => session.exec(commandLine(command)),
            ({ outcome }) => outcome.kind !== 'exited' || outcome.code !== 0,
          );
          if (result.outcome.kind === 'cancelled')
            throw new CancelledError(String(signal.reason ?? 'signal'));
          if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) {
            const why = `${what}: ${inert(result.stderrTail.slice(-3).join(' ').trim() || describeOutcome(result.outcome))}`;
            failed.push(why);
            note(`not all of it: ${why}`);
          }
        }
        const now = await readInventory(session, connection.appDir, undefined, compose.command);
        disk = { before: diskBefore, after: { filesystem: diskLine(now.df), docker: now.dockerDf } };
        note(`disk after: ${disk.after?.filesystem ?? ''}`);
        const left = chosen.images.filter((ref) => now.images.some((image) => image.ref === ref));
        if (left.length > 0) note(`still there: ${left.join(', ')}`);
        const removed =
          chosen.images.length -
          left.length +
          chosen.containers.filter((gone) => !now.containers.some((container) => container.id === gone.id))
            .length +
          chosen.volumes.filter((gone) => !now.volumes.some((volume) => volume.name === gone)).length;
        if (failed.length > 0 && removed === 0)
          return { failure: `${described} removed nothing it planned to: ${failed.join('; ')}` };
        return {};
      };
      break;
    }
  }

  const outcome = (result: OpsOutcome['result'], extra: Partial<OpsOutcome>): Omit<OpsOutcome, 'stages'> => ({
    kind: operation.kind,
    operation: described,
    result,
    dryRun: connection.dryRun,
    ref: head,
    imageTag,
    before,
    after: before,
    waits,
    gate: [],
    healthUrl: undefined,
    plan,
    account,
    failure: undefined,
    productionDown: undefined,
    restoredBackup,
    emergencyBackup,
    disk,
    reclaim,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    ...extra,
  });

  if (connection.dryRun) {
    core.info(`dry run on ${session.label}: nothing will be changed. ${described} would run:`);
    plan.forEach((step, index) =>
      core.info(
        inert(
          `  ${index + 1}. ${step.title}${step.command ? `\n       $ ${renderScript(step.command)}` : ''}`,
        ),
      ),
    );
    return outcome('unchanged', {});
  }

  await journal('started', restoredBackup ? { backup: restoredBackup } : {});
  try {
    const ended = await execute().catch((error: unknown): Ended => {
      if (error instanceof CancelledError || signal.aborted || session.lost !== undefined) throw error;
      return { failure: errorMessage(error) };
    });
    return await healthGate(ended);
  } catch (error) {
    if (error instanceof CancelledError || signal.aborted) {
      if (!closed)
        await journal('cancelled', { backup: restoredBackup, emergency_backup: emergencyBackup }).catch(
          (why: unknown) => core.warning(`could not record the cancel in the ledger: ${errorMessage(why)}`),
        );
      throw error instanceof CancelledError
        ? error
        : new CancelledError(
            String(signal.reason ?? 'signal'),
            `During ${described}: ${errorMessage(error)}`,
          );
    }
    if (session.lost !== undefined)
      throw new Error(
        `the connection to ${session.label} was lost during ${described} (${session.lost}): the deploy lock was released ` +
          'when the connection ended and the journal shows this run as started; what runs now is unknown: check it ' +
          `(gh workflow run health.yml -f environment=${connection.environment}) before anything else`,
        { cause: error },
      );
    throw error;
  }

  /** The health gate, read from the server: the listed services and those the operation touched. */
  async function healthGate(ended: Ended): Promise<Omit<OpsOutcome, 'stages'>> {
    const gated = [...new Set([...settings.services, ...touched])];
    const now = await stage('Health gate', () => readServicesState(session, compose, connection, stack, env));
    const after = stackReport(stack, now.containers);
    const wasBad = new Set(
      judgeServices({ services: gated, containers: state.containers })
        .filter((verdict) => !verdict.ok)
        .map((verdict) => verdict.service),
    );
    const verdicts = judgeServices({ services: gated, containers: now.containers }).map((verdict) =>
      verdict.ok || !wasBad.has(verdict.service)
        ? verdict
        : { ...verdict, state: `${verdict.state}; so before ${described} too` },
    );
    let healthUrl: { ok: boolean; answer: string };
    // The failed probe's last answer, for the diagnostics.
    let lastAnswer: HttpAnswer | undefined;
    if (ended.failure === undefined) {
      healthUrl = await waitForHealthUrl(
        session,
        settings.healthUrl,
        settings.waitTimeoutSeconds,
        signal,
      ).then(
        (answer) => ({ ok: true, answer }),
        (error: unknown) => {
          if (error instanceof CancelledError) throw error;
          if (error instanceof HealthUrlError) lastAnswer = error.answer;
          return { ok: false, answer: errorMessage(error) };
        },
      );
    } else {
      // After a failure, one look says what runs; waiting would only delay the report.
      lastAnswer = await probeOnServer(session, settings.healthUrl);
      const answer = judgeHealthAnswer(lastAnswer, 'healthy');
      healthUrl = { ok: answer.ok, answer: answer.value };
    }
    const failing = verdicts
      .filter((verdict) => !verdict.ok)
      .map((verdict) => `${verdict.service} (${verdict.state})`);
    const problems = [
      ...failing,
      ...(healthUrl.ok ? [] : [`health-url ${settings.healthUrl}: ${healthUrl.answer}`]),
    ];
    const gateFailure =
      problems.length > 0 ? `the health gate after ${described} failed: ${problems.join('; ')}` : undefined;
    const failure =
      ended.failure === undefined ? gateFailure : ended.failure + (gateFailure ? `\n${gateFailure}` : '');
    const diagnostics: Diagnostics[] = [];
    if (failure !== undefined) {
      // Runbook §9 about what failed: services that failed a gate or are not well now, and health-url.
      const failedWaits = waits.filter((wait) => !wait.ok);
      const subjects = [
        ...new Set([
          ...failedWaits.map((wait) => wait.service),
          ...verdicts.filter((verdict) => !verdict.ok).map((verdict) => verdict.service),
        ]),
      ];
      if (subjects.length > 0 || lastAnswer !== undefined)
        diagnostics.push(
          await collectDiagnostics(session, compose, connection, {
            reason: `${described}: ${failure.split('\n')[0]}`,
            services: subjects,
            earlierLogs: Object.fromEntries(
              failedWaits.flatMap((wait) => (wait.logs ? [[wait.service, wait.logs]] : [])),
            ),
            ...(healthUrl.ok || lastAnswer === undefined
              ? {}
              : { probe: { url: settings.healthUrl, answer: lastAnswer } }),
          }),
        );
    }
    note(
      failure === undefined
        ? `${described} done; health gate passed: ${verdicts.map((verdict) => `${verdict.service} ${verdict.state}`).join(', ')}; health-url ${healthUrl.answer}`
        : `${described} failed; not running and healthy now: ${problems.join('; ') || 'none'}`,
    );
    await journal(failure === undefined ? 'success' : 'failed', {
      backup: restoredBackup,
      emergency_backup: emergencyBackup,
    }).catch((error: unknown) => core.warning(`could not append to the ledger: ${errorMessage(error)}`));
    return outcome(failure === undefined ? 'success' : 'failed', {
      after,
      gate: verdicts,
      healthUrl,
      failure: failure === undefined ? undefined : inert(failure),
      productionDown: ended.productionDown,
      diagnostics,
    });
  }
}

/** The `report` output: the outcome as JSON, without the account (it is in the log and the summary). */
export function opsReport(outcome: OpsOutcome, environment: string, host: string): string {
  // Log lines and diagnostics stay out of the output: the summary, the fenced log and the artifact
  // have them, masked.
  const { account: _account, plan, diagnostics: _diagnostics, waits, ...rest } = outcome;
  return JSON.stringify({
    environment,
    host,
    ...rest,
    waits: waits.map(({ logs: _logs, ...wait }) => wait),
    plan: plan.map((step) => ({
      title: step.title,
      command: step.command ? renderScript(step.command) : undefined,
    })),
  });
}
