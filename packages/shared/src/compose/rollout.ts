/**
 * The rolling restart of runbook §3, with the blind `sleep 10` replaced by a wait until the new
 * container is healthy (or running, where it has no healthcheck), stopping at the first bad sign.
 */
import { commandLine, type RemoteCommand } from '../shell';
import type { SshSession } from '../ssh/session';
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
  /** "healthy", "running (no healthcheck)", or what went wrong. */
  readonly state: string;
}

const POLL_MS = 1000;
/** A service without a healthcheck must stay running this many polls in a row. */
const STABLE_POLLS = 2;

async function logsTail(session: SshSession, id: string): Promise<string> {
  const result = await session.exec(commandLine({ argv: ['docker', 'logs', '--tail', '15', id] }), {
    echo: 'none',
    timeoutSeconds: 30,
  });
  const text = `${result.stdout}\n${result.stderrTail.join('\n')}`.trim();
  return text === '' ? '' : `; its last log lines:\n    ${text.split('\n').slice(-15).join('\n    ')}`;
}

/** Waits until every container of `service` is running and healthy (or running, without a healthcheck). */
export async function waitUntilHealthy(
  session: SshSession,
  compose: Compose,
  place: ComposePlace,
  env: Readonly<Record<string, string>>,
  service: string,
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<ServiceWait> {
  const started = Date.now();
  const ids = parseIds(
    await session.run(
      commandLine(composeCommand(compose, place, psArgs(compose, [service]), env)),
      `listing ${service}'s containers`,
      {
        echo: 'stderr',
        timeoutSeconds: 120,
      },
    ),
  );
  const result = (ok: boolean, state: string): ServiceWait => ({
    service,
    ok,
    waitedMs: Date.now() - started,
    state,
  });
  if (ids.length === 0) return result(false, 'no container was created');
  let stableRuns = 0;
  let last: ContainerState[] = [];
  while (Date.now() - started < timeoutSeconds * 1000) {
    last = await inspectContainers(session, ids);
    const dead = last.find((c) => c.status === 'exited' || c.status === 'dead');
    if (dead)
      return result(
        false,
        `container ${dead.id.slice(0, 12)} ${dead.status}${await logsTail(session, dead.id)}`,
      );
    const unhealthy = last.find((c) => c.health === 'unhealthy');
    if (unhealthy)
      return result(
        false,
        `container ${unhealthy.id.slice(0, 12)} is unhealthy${await logsTail(session, unhealthy.id)}`,
      );
    const allRunning = last.length === ids.length && last.every((c) => c.status === 'running');
    if (allRunning && last.every((c) => c.health === 'healthy')) return result(true, 'healthy');
    if (allRunning && last.every((c) => c.health === 'none')) {
      stableRuns++;
      if (stableRuns >= STABLE_POLLS) return result(true, 'running (no healthcheck)');
    } else stableRuns = 0;
    await sleep(POLL_MS, signal);
  }
  const states = last.map((c) => `${c.status}${c.health === 'none' ? '' : `, ${c.health}`}`).join('; ');
  return result(false, `not healthy within ${timeoutSeconds}s (${states || 'no state'})`);
}
