/**
 * The rolling restart of runbook §3, with the blind `sleep 10` replaced by a wait until the new
 * container is healthy (or running, where it has no healthcheck), stopping at the first bad sign.
 */
import { commandLine, toSshCommand, type RemoteCommand } from '../shell';
import { CancelledError, errorMessage } from '../errors';
import { sleep } from '../sleep';
import { describeOutcome, type RemoteSession } from '../ssh/session';
import { inert } from '../ssh/output';
import { envFilesOf, LOG_LINES, MASK_FUNCTION, redact } from '../diagnostics/diagnostics';
import {
  composeCommand,
  INSPECT_FORMAT,
  inspectContainers,
  judgeServices,
  parseInspect,
  parseIds,
  psArgs,
  type Compose,
  type ContainerState,
} from './compose';

export interface ComposePlace {
  readonly appDir: string;
  readonly composeFile: string;
}

export const buildCommand = (
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
): RemoteCommand =>
  // v2 builds in parallel by itself; v1 needs to be asked.
  composeCommand(compose, place, compose.major >= 2 ? ['build'] : ['build', '--parallel'], env);

export const pullCommand = (
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  services: readonly string[],
) => composeCommand(compose, place, ['pull', ...services], env);

export const upCommand = (
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  service: string,
  force = false,
) =>
  composeCommand(
    compose,
    place,
    ['up', '-d', '--no-deps', ...(force ? ['--force-recreate'] : []), service],
    env,
  );

/** Starts services that have no container (the rest of a stack that is not running), as they are. */
export const startCommand = (
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  services: readonly string[],
) => composeCommand(compose, place, ['up', '-d', '--no-deps', '--no-recreate', ...services], env);

/**
 * start-first's `up`: the service scaled to `count` containers, the running ones kept as they are
 * (`--no-recreate`), so the added ones are made from the current configuration and image. Compose v1
 * and v2 both take these flags.
 */
export const scaleUpCommand = (
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  service: string,
  count: number,
) =>
  composeCommand(
    compose,
    place,
    ['up', '-d', '--no-deps', '--no-recreate', '--scale', `${service}=${count}`, service],
    env,
  );

/** Lists a service's container ids (stopped ones too). */
export async function containerIdsOf(
  session: RemoteSession,
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  service: string,
  options: { keepOnCancel?: boolean } = {},
): Promise<string[]> {
  return parseIds(
    await session.run(
      commandLine(composeCommand(compose, place, psArgs(compose, [service]), env)),
      `listing ${service}'s containers`,
      { echo: 'stderr', timeoutSeconds: 120, ...options },
    ),
  );
}

export interface ServiceWait {
  readonly service: string;
  readonly ok: boolean;
  readonly waitedMs: number;
  /** "healthy", "running (no healthcheck) for 5s", or what went wrong. */
  readonly state: string;
  /** A failed container's last log lines, read before anything removes it (for the diagnostics). */
  readonly logs?: string;
}

/** How often the server looks at the containers while a gate waits. */
const POLL_SECONDS = 0.2;

/**
 * $1 poll seconds, $2 the inspect format, then container ids: prints their state and `@@poll`
 * every poll, until this run closes stdin (the gate decided) or the command is stopped. One remote
 * command per gate, polled on the server, so a decision comes within a poll of Docker's.
 */
const WATCH_SCRIPT = `
poll=$1 format=$2; shift 2
while :; do
  docker inspect --format "$format" "$@" || exit 1
  echo @@poll
  timeout "$poll" head -c 1 >/dev/null
  [ $? -eq 124 ] || exit 0
done`;

/** Log lines shown in a failed gate's state; the diagnostics keep runbook §9's 50. */
const GATE_LOG_LINES = 15;

/** The container's last log lines (as runbook §9 collects them), made inert: a release's output must not act as workflow commands. */
async function recentLogs(session: RemoteSession, place: ComposePlace, id: string): Promise<string> {
  // Both of the container's streams in one, in their order; the env files' values masked on the server.
  const result = await session.exec(
    toSshCommand(`${MASK_FUNCTION}\ndocker logs --tail "$1" "$2" 2>&1 | mask "$3" "$4"`, [
      String(LOG_LINES),
      id,
      ...envFilesOf(place),
    ]),
    { echo: 'none', timeoutSeconds: 30, maxBytes: 256 * 1024 },
  );
  return inert(redact(result.stdout.trim()));
}

function logsExcerpt(logs: string): string {
  return logs === ''
    ? ''
    : `; its last log lines:\n    ${logs.split('\n').slice(-GATE_LOG_LINES).join('\n    ')}`;
}

export interface GateSettings {
  readonly timeoutSeconds: number;
  /** A container without a healthcheck must stay up this long (same container, no restart). */
  readonly minUptimeSeconds: number;
}

export interface GateVerdict {
  readonly ok: boolean;
  readonly state: string;
  /** A container whose last log lines explain a failure. */
  readonly logsOf?: string;
}

/**
 * One look at a service's containers during its gate: a verdict, or undefined to keep waiting.
 * `first` holds each container as first seen; `upForMs` is the time since the restart returned.
 */
export function judgeGate(
  expected: number,
  first: ReadonlyMap<string, ContainerState>,
  now: readonly ContainerState[],
  upForMs: number,
  gate: GateSettings,
): GateVerdict | undefined {
  const short = (container: ContainerState) => container.id.slice(0, 12);
  const dead = now.find((c) => c.status === 'exited' || c.status === 'dead');
  if (dead)
    return {
      ok: false,
      state: `container ${short(dead)} ${dead.status} (code ${dead.exitCode})`,
      logsOf: dead.id,
    };
  const restarted = now.find((c) => {
    const seen = first.get(c.id);
    return (
      c.status === 'restarting' ||
      (seen !== undefined && (c.restartCount > seen.restartCount || c.startedAt !== seen.startedAt))
    );
  });
  if (restarted)
    return {
      ok: false,
      state: `container ${short(restarted)} restarted while it was waited for (restart count ${restarted.restartCount}, ${restarted.status})`,
      logsOf: restarted.id,
    };
  const unhealthy = now.find((c) => c.health === 'unhealthy');
  if (unhealthy)
    return { ok: false, state: `container ${short(unhealthy)} is unhealthy`, logsOf: unhealthy.id };
  const allRunning = now.length === expected && now.every((c) => c.status === 'running');
  const checked = now.filter((c) => c.health !== 'none');
  if (!allRunning || !checked.every((c) => c.health === 'healthy')) return undefined;
  if (checked.length === now.length) return { ok: true, state: 'healthy' };
  if (upForMs < gate.minUptimeSeconds * 1000) return undefined;
  return {
    ok: true,
    state: `running (no healthcheck), up ${(upForMs / 1000).toFixed(1)}s without a restart`,
  };
}

/**
 * The gate after a restart: every container of `service` running and healthy, or, without a
 * healthcheck, up for min-uptime. A container that exits, dies or restarts while waited for fails
 * the gate at once, healthcheck or not (a crash loop under a restart policy is never "running").
 */
export async function waitUntilHealthy(
  session: RemoteSession,
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  service: string,
  gate: GateSettings,
  signal?: AbortSignal,
  /** The containers to wait for (start-first's new ones); all of the service's when not given. */
  only?: readonly string[],
): Promise<ServiceWait> {
  const started = Date.now();
  const ids = only ?? (await containerIdsOf(session, compose, place, env, service));
  const result = (ok: boolean, state: string): ServiceWait => ({
    service,
    ok,
    waitedMs: Date.now() - started,
    state,
  });
  if (ids.length === 0) return result(false, 'no container was created');
  const first = new Map<string, ContainerState>();
  let last: ContainerState[] = [];
  let lines: string[] = [];
  let verdict: GateVerdict | undefined;
  const watch = session.start(toSshCommand(WATCH_SCRIPT, [String(POLL_SECONDS), INSPECT_FORMAT, ...ids]), {
    keepStdinOpen: true,
    echo: 'stderr',
    timeoutSeconds: gate.timeoutSeconds + 60,
    onStdoutLine: (line) => {
      if (line !== '@@poll') {
        lines.push(line);
        return;
      }
      last = parseInspect(lines.join('\n'));
      lines = [];
      for (const container of last) if (!first.has(container.id)) first.set(container.id, container);
      verdict ??= judgeGate(ids.length, first, last, Date.now() - started, gate);
      if (verdict !== undefined) watch.endInput();
    },
  });
  const deadline = setTimeout(() => watch.endInput(), gate.timeoutSeconds * 1000);
  const watched = await watch.done.finally(() => clearTimeout(deadline));
  if (watched.outcome.kind === 'cancelled' || signal?.aborted)
    throw new CancelledError(String(signal?.reason ?? 'signal'));
  if (verdict !== undefined) {
    if (verdict.logsOf === undefined) return result(verdict.ok, verdict.state);
    const logs = await recentLogs(session, place, verdict.logsOf);
    return { ...result(verdict.ok, verdict.state + logsExcerpt(logs)), logs };
  }
  if (watched.outcome.kind !== 'exited' || watched.outcome.code !== 0)
    return result(
      false,
      `watching the containers ${describeOutcome(watched.outcome)}${watched.stderrTail.length > 0 ? `: ${watched.stderrTail.join(' ')}` : ''}`,
    );
  const states = last.map((c) => `${c.status}${c.health === 'none' ? '' : `, ${c.health}`}`).join('; ');
  return result(false, `not healthy within ${gate.timeoutSeconds}s (${states || 'no state'})`);
}

/**
 * A service's containers now, stopped ones too; one-off `run` containers (which v2's `ps -a` lists)
 * are not the service's.
 */
export async function serviceContainers(
  session: RemoteSession,
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  service: string,
  keepOnCancel = false,
): Promise<ContainerState[]> {
  return inspectContainers(
    session,
    await containerIdsOf(session, compose, place, env, service, { keepOnCancel }),
    { keepOnCancel },
  );
}

export interface StartFirstResult {
  readonly wait: ServiceWait;
  /** The old containers were stopped and removed: the service runs the new ones only. */
  readonly switched: boolean;
}

/**
 * start-first: as many new containers as the service runs, beside all the old ones (kept), gated; on a
 * pass both serve for `overlapSeconds` (the proxy's DNS cache sees the new ones), then the old ones
 * are stopped (each with its own stop timeout) and removed. A failed gate, an error or a cancel
 * before the switch removes the new containers and leaves the old ones serving, untouched; once the
 * switch has begun it is finished even when the run is cancelled (keepOnCancel), so a cancel never
 * leaves two releases serving side by side. `onSwitch` is called just before the old ones stop.
 */
export async function startFirst(
  session: RemoteSession,
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  service: string,
  gate: GateSettings,
  options: {
    /** The service's containers now (serviceContainers), every one of them to be replaced. */
    old: readonly ContainerState[];
    overlapSeconds: number;
    replicas: number;
    signal: AbortSignal;
    onSwitch: () => void;
  },
): Promise<StartFirstResult> {
  const { signal } = options;
  const containersNow = (keepOnCancel = false) =>
    serviceContainers(session, compose, place, env, service, keepOnCancel);
  const old = options.old.map((container) => container.id);
  let switching = false;
  try {
    await session.run(
      commandLine(scaleUpCommand(compose, place, env, service, old.length + options.replicas)),
      `starting a new ${service} beside the old`,
    );
    const fresh = (await containersNow()).map((container) => container.id).filter((id) => !old.includes(id));
    let wait =
      fresh.length === 0
        ? { service, ok: false, waitedMs: 0, state: 'compose started no new container' }
        : await waitUntilHealthy(session, compose, place, env, service, gate, signal, fresh);
    if (wait.ok) {
      await sleep(options.overlapSeconds * 1000, signal);
      // Still well after the overlap: the old ones are not stopped for a new one that died meanwhile.
      const after = await inspectContainers(session, fresh);
      const now = judgeServices({ services: [service], containers: after })[0];
      if (after.length !== fresh.length || !now.ok)
        wait = {
          ...wait,
          ok: false,
          state: `the new containers were ${after.length === 0 ? 'gone' : now.state} after the overlap`,
        };
    }
    if (!wait.ok) {
      await removeAllBut(old);
      return { wait, switched: false };
    }
    switching = true;
    options.onSwitch();
    await session.run(toSshCommand(STOP_AND_REMOVE_SCRIPT, old), `stopping the old ${service}`, {
      keepOnCancel: true,
    });
    if (signal.aborted) throw new CancelledError(String(signal.reason ?? 'signal'));
    return { wait, switched: true };
  } catch (error) {
    if (!switching && session.lost === undefined)
      await removeAllBut(old).catch((why: unknown) => {
        throw new Error(
          `${errorMessage(error)}; removing the new ${service} containers beside the old failed too: ${errorMessage(why)}`,
          { cause: error },
        );
      });
    throw error;
  }

  /** Removes the service's containers that are not `keep` (this run's new ones), even when cancelled. */
  async function removeAllBut(keep: readonly string[]): Promise<void> {
    const added = (await containersNow(true))
      .map((container) => container.id)
      .filter((id) => !keep.includes(id));
    if (added.length > 0)
      await session.run(
        commandLine({ argv: ['docker', 'rm', '-f', ...added] }),
        `removing the new ${service} beside the old`,
        { keepOnCancel: true, timeoutSeconds: 120 },
      );
  }
}

/**
 * `docker stop` uses each container's own stop timeout (compose's stop_grace_period) when -t is not
 * given; the removal follows whatever the stop said (a container already gone is no reason to keep
 * the others).
 */
const STOP_AND_REMOVE_SCRIPT = 'docker stop "$@" >/dev/null 2>&1; docker rm -f "$@" >/dev/null';
