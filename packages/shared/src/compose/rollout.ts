/**
 * The rolling restart of runbook §3, with the blind `sleep 10` replaced by a wait until the new
 * container is healthy (or running, where it has no healthcheck), stopping at the first bad sign.
 */
import { commandLine, type RemoteCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';
import { inert } from '../ssh/output';
import {
  composeCommand,
  inspectContainers,
  parseIds,
  psArgs,
  type Compose,
  type ContainerState,
} from './compose';
import { sleep } from '../sleep';

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
) => composeCommand(compose, place, ['up', '-d', '--no-deps', service], env);

export interface ServiceWait {
  readonly service: string;
  readonly ok: boolean;
  readonly waitedMs: number;
  /** "healthy", "running (no healthcheck) for 5s", or what went wrong. */
  readonly state: string;
}

/** Polls are cheap (one `docker inspect` on the run's connection), so a gate sees a change quickly. */
const POLL_MS = 250;

/** The container's last log lines, made inert: a release's output must not act as workflow commands. */
async function logsTail(session: RemoteSession, id: string): Promise<string> {
  const result = await session.exec(commandLine({ argv: ['docker', 'logs', '--tail', '15', id] }), {
    echo: 'none',
    timeoutSeconds: 30,
  });
  const text = inert(`${result.stdout}\n${result.stderrTail.join('\n')}`.trim());
  return text === '' ? '' : `; its last log lines:\n    ${text.split('\n').slice(-15).join('\n    ')}`;
}

export interface GateSettings {
  readonly timeoutSeconds: number;
  /** A container without a healthcheck must stay up this long (same container, no restart). */
  readonly minUptimeSeconds: number;
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
): Promise<ServiceWait> {
  const started = Date.now();
  const ids = parseIds(
    await session.run(
      commandLine(composeCommand(compose, place, psArgs(compose, [service]), env)),
      `listing ${service}'s containers`,
      { echo: 'stderr', timeoutSeconds: 120 },
    ),
  );
  const result = (ok: boolean, state: string): ServiceWait => ({
    service,
    ok,
    waitedMs: Date.now() - started,
    state,
  });
  if (ids.length === 0) return result(false, 'no container was created');
  const first = new Map<string, ContainerState>();
  let last: ContainerState[] = [];
  while (Date.now() - started < gate.timeoutSeconds * 1000) {
    last = await inspectContainers(session, ids);
    for (const container of last) if (!first.has(container.id)) first.set(container.id, container);
    const short = (container: ContainerState) => container.id.slice(0, 12);
    const dead = last.find((c) => c.status === 'exited' || c.status === 'dead');
    if (dead)
      return result(
        false,
        `container ${short(dead)} ${dead.status} (code ${dead.exitCode})${await logsTail(session, dead.id)}`,
      );
    const restarted = last.find((c) => {
      const seen = first.get(c.id);
      return (
        c.status === 'restarting' ||
        (seen !== undefined && (c.restartCount > seen.restartCount || c.startedAt !== seen.startedAt))
      );
    });
    if (restarted)
      return result(
        false,
        `container ${short(restarted)} restarted while it was waited for (restart count ${restarted.restartCount}, ${restarted.status})` +
          (await logsTail(session, restarted.id)),
      );
    const unhealthy = last.find((c) => c.health === 'unhealthy');
    if (unhealthy)
      return result(
        false,
        `container ${short(unhealthy)} is unhealthy${await logsTail(session, unhealthy.id)}`,
      );
    const allRunning = last.length === ids.length && last.every((c) => c.status === 'running');
    const checked = last.filter((c) => c.health !== 'none');
    const upFor = Date.now() - started;
    if (
      allRunning &&
      checked.every((c) => c.health === 'healthy') &&
      (checked.length === last.length || upFor >= gate.minUptimeSeconds * 1000)
    ) {
      return result(
        true,
        checked.length === last.length
          ? 'healthy'
          : `running (no healthcheck), up ${(upFor / 1000).toFixed(1)}s without a restart`,
      );
    }
    await sleep(POLL_MS, signal);
  }
  const states = last.map((c) => `${c.status}${c.health === 'none' ? '' : `, ${c.health}`}`).join('; ');
  return result(false, `not healthy within ${gate.timeoutSeconds}s (${states || 'no state'})`);
}
