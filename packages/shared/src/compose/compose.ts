/**
 * Docker Compose on the server: which command works there (v2 plugin or the v1/v2 standalone
 * binary), and the state of each service's containers, read in a way both versions answer.
 */
import { parse as parseYaml } from 'yaml';
import { commandLine, type RemoteCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';
import type { ConnectionSettings } from '../inputs/connection';

export interface Compose {
  /** The command words, e.g. ['docker', 'compose'] or ['docker-compose']. */
  readonly command: readonly string[];
  /** Major version, from `version --short`. */
  readonly major: number;
}

const CANDIDATES: readonly (readonly string[])[] = [['docker', 'compose'], ['docker-compose']];

async function versionOf(session: RemoteSession, words: readonly string[]): Promise<number | undefined> {
  const result = await session.exec(commandLine({ argv: [...words, 'version', '--short'] }), {
    echo: 'none',
    timeoutSeconds: 60,
  });
  if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) return undefined;
  const match = /^v?(\d+)\./.exec(result.stdout.trim());
  return match ? Number(match[1]) : undefined;
}

/** `auto`: `docker compose` where it works, else `docker-compose`; or the command given. */
export async function detectCompose(
  session: RemoteSession,
  setting: ConnectionSettings['composeCommand'],
): Promise<Compose> {
  const candidates = setting === 'auto' ? CANDIDATES : [setting];
  for (const words of candidates) {
    const major = await versionOf(session, words);
    if (major !== undefined) return { command: words, major };
  }
  throw new Error(composeMissing(setting, session.label));
}

/** What to say when no compose command answers on a host. */
export function composeMissing(setting: ConnectionSettings['composeCommand'], label: string): string {
  return setting === 'auto'
    ? `neither "docker compose" nor "docker-compose" works on ${label} for this user ` +
        '(is Docker installed, and is the user in the docker group?)'
    : `the compose command "${setting.join(' ')}" does not answer "version --short" on ${label}`;
}

/** A compose invocation in app-dir with the project's compose file. */
export function composeCommand(
  compose: Compose,
  settings: Pick<ConnectionSettings, 'appDir' | 'composeFile'>,
  args: readonly string[],
  env?: Readonly<Record<string, string>>,
): RemoteCommand {
  return { argv: [...compose.command, '-f', settings.composeFile, ...args], cwd: settings.appDir, env };
}

export interface ContainerState {
  readonly id: string;
  readonly service: string;
  /** created, running, restarting, exited, paused, dead */
  readonly status: string;
  /** healthy, unhealthy, starting, or none (no healthcheck) */
  readonly health: string;
  readonly restartCount: number;
  /** The image id the container runs. */
  readonly image: string;
  /** The image reference it was created from (normalised later by the reader that compares). */
  readonly imageRef: string;
  /** When its process last started (RFC 3339), '' when never. */
  readonly startedAt: string;
  readonly exitCode: number;
}

/**
 * `docker inspect` prints labels and state as JSON, parsed here: a template that reads
 * `.State.Health` fails on containers without a healthcheck in some CLI versions, even behind
 * `{{if}}` ("map has no entry for key Health"; docker/docs#5368). JSON never holds a raw tab.
 */
export const INSPECT_FORMAT =
  '{{.Id}}\t{{json .Config.Labels}}\t{{json .State}}\t{{.RestartCount}}\t{{.Image}}\t{{json .Config.Image}}';

interface InspectState {
  Status?: string;
  Health?: { Status?: string } | null;
  StartedAt?: string;
  ExitCode?: number;
}

export function parseInspect(text: string): ContainerState[] {
  const containers: ContainerState[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    if (fields.length !== 6) continue;
    const labels = (JSON.parse(fields[1]) ?? {}) as Record<string, string>;
    const state = (JSON.parse(fields[2]) ?? {}) as InspectState;
    // One-off `compose run` containers are not part of the running stack.
    if (labels['com.docker.compose.oneoff'] === 'True') continue;
    containers.push({
      id: fields[0],
      service: labels['com.docker.compose.service'] ?? '',
      status: state.Status ?? 'unknown',
      health: state.Health?.Status ?? 'none',
      restartCount: Number(fields[3]) || 0,
      image: fields[4],
      imageRef: (JSON.parse(fields[5]) ?? '') as string,
      startedAt: state.StartedAt?.startsWith('0001-') ? '' : (state.StartedAt ?? ''),
      exitCode: state.ExitCode ?? 0,
    });
  }
  return containers;
}

/**
 * The services that make up the running stack: all in the configuration but those behind a profile
 * (one-shot tools such as a migrator). v1's `config --services` lists those too, hence the parse.
 */
export function stackServices(configYaml: string): string[] {
  const config = parseYaml(configYaml) as {
    services?: Record<string, { profiles?: string[] } | null>;
  } | null;
  return Object.entries(config?.services ?? {})
    .filter(([, service]) => (service?.profiles ?? []).length === 0)
    .map(([name]) => name);
}

interface ServiceConfig {
  readonly container_name?: string;
  readonly network_mode?: string;
  readonly ports?: readonly (string | number | { published?: string | number; host_ip?: string })[];
}

type VolumeEntry = string | { type?: string; source?: string };

/**
 * What each stack service's containers are made from in the checkout, besides its image, as paths
 * relative to app-dir: its env_file files, the sources of its bind mounts inside app-dir, the compose
 * file and the compose directory's `.env`.
 * v1 prints volumes as `source:target[:mode]` strings with absolute sources, v2 as objects.
 */
export function runtimeInputs(
  configYaml: string,
  appDir: string,
  composeFile: string,
): Record<string, string[]> {
  const config = parseYaml(configYaml) as {
    services?: Record<string, { env_file?: unknown; volumes?: VolumeEntry[] } | null>;
  } | null;
  const root = appDir.replace(/\/+$/, '');
  const relative = (path: string) =>
    path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path.startsWith('/') ? undefined : path;
  const composeDir = composeFile.includes('/') ? composeFile.slice(0, composeFile.lastIndexOf('/')) : '.';
  return Object.fromEntries(
    stackServices(configYaml).map((service) => {
      const settings = config?.services?.[service] ?? {};
      const envFiles = [settings.env_file ?? []]
        .flat()
        .map((entry) => (typeof entry === 'string' ? entry : (entry as { path?: string }).path))
        .filter((path): path is string => typeof path === 'string');
      const binds = (settings.volumes ?? [])
        .map((volume) =>
          typeof volume === 'string'
            ? volume.startsWith('/') || volume.startsWith('.')
              ? volume.split(':')[0]
              : undefined
            : volume.type === 'bind'
              ? volume.source
              : undefined,
        )
        .filter((path): path is string => path !== undefined);
      const paths = [...envFiles, ...binds]
        .map(relative)
        .filter((path): path is string => path !== undefined)
        .map((path) => path.replace(/^\.\//, '').replace(/\/+$/, ''));
      return [service, [...paths, composeFile, composeDir === '.' ? '.env' : `${composeDir}/.env`]];
    }),
  );
}

/** How many containers each stack service runs (`scale`, or v2's `deploy.replicas`; 1 by default). */
export function replicasOf(configYaml: string): Record<string, number> {
  const config = parseYaml(configYaml) as {
    services?: Record<string, { scale?: number; deploy?: { replicas?: number } } | null>;
  } | null;
  return Object.fromEntries(
    stackServices(configYaml).map((service) => {
      const settings = config?.services?.[service];
      const replicas = Number(settings?.scale ?? settings?.deploy?.replicas ?? 1);
      return [service, Number.isInteger(replicas) && replicas >= 1 ? replicas : 1];
    }),
  );
}

/**
 * Why a second container of each service could not run beside the first (so start-first cannot),
 * from `compose config`: a fixed name, a fixed host port, or the host's network. Services absent
 * from the result can. v1 prints ports as `ip:host:container/proto` strings, v2 as objects.
 */
export function startFirstBlockers(configYaml: string): Record<string, string> {
  const config = parseYaml(configYaml) as { services?: Record<string, ServiceConfig | null> } | null;
  const blockers: Record<string, string> = {};
  for (const service of stackServices(configYaml)) {
    const settings = config?.services?.[service] ?? {};
    const fixedPorts = (settings.ports ?? [])
      .map((port) =>
        typeof port === 'object'
          ? port.published === undefined || port.published === ''
            ? undefined
            : `${port.host_ip ? `${port.host_ip}:` : ''}${port.published}`
          : String(port).split(':').length > 1
            ? String(port)
            : undefined,
      )
      .filter((port) => port !== undefined);
    if (settings.container_name !== undefined)
      blockers[service] = `it has a fixed container_name (${settings.container_name})`;
    else if (fixedPorts.length > 0)
      blockers[service] =
        `it publishes fixed host ports (${fixedPorts.join(', ')}), which two containers cannot both bind`;
    else if (settings.network_mode === 'host')
      blockers[service] =
        "it uses the host's network (network_mode: host), where two containers would share its ports";
  }
  return blockers;
}

export interface ServicesState {
  /** Every service the compose file defines. */
  readonly services: readonly string[];
  /** The project's containers (one-off `run` containers left out). */
  readonly containers: readonly ContainerState[];
}

/** `ps -q` that lists stopped containers too: v2 needs -a; v1's -a would add one-off containers. */
export function psArgs(compose: Compose, services: readonly string[] = []): string[] {
  return compose.major >= 2 ? ['ps', '-a', '-q', ...services] : ['ps', '-q', ...services];
}

/** The state of containers by id, via `docker inspect` (JSON, see INSPECT_FORMAT). */
export async function inspectContainers(
  session: RemoteSession,
  ids: readonly string[],
  options: { keepOnCancel?: boolean } = {},
): Promise<ContainerState[]> {
  if (ids.length === 0) return [];
  return parseInspect(
    await session.run(
      commandLine({ argv: ['docker', 'inspect', '--format', INSPECT_FORMAT, ...ids] }),
      'inspecting the containers',
      { echo: 'stderr', timeoutSeconds: 120, ...options },
    ),
  );
}

export function parseIds(text: string): string[] {
  return text
    .split('\n')
    .map((id) => id.trim())
    .filter((id) => /^[0-9a-f]{12,64}$/.test(id));
}

/** The services of the stack, from `compose config` (it does not change during a run: read it once). */
export async function readStackServices(
  session: RemoteSession,
  compose: Compose,
  settings: Pick<ConnectionSettings, 'appDir' | 'composeFile'>,
  env?: Readonly<Record<string, string>>,
): Promise<string[]> {
  const configText = await session.run(
    commandLine(composeCommand(compose, settings, ['config'], env)),
    'reading the compose configuration',
    { echo: 'stderr', timeoutSeconds: 120 },
  );
  return stackServices(configText);
}

/** The containers of `services` now: `ps` for their ids, `docker inspect` for their state. */
export async function readServicesState(
  session: RemoteSession,
  compose: Compose,
  settings: Pick<ConnectionSettings, 'appDir' | 'composeFile'>,
  services: readonly string[],
  env?: Readonly<Record<string, string>>,
): Promise<ServicesState> {
  const ids = parseIds(
    await session.run(
      commandLine(composeCommand(compose, settings, psArgs(compose), env)),
      'listing the containers',
      {
        echo: 'stderr',
        timeoutSeconds: 120,
      },
    ),
  );
  return { services, containers: await inspectContainers(session, ids) };
}

export interface ServiceVerdict {
  readonly service: string;
  readonly ok: boolean;
  /** e.g. "running, healthy", "exited", "no container" */
  readonly state: string;
}

/** Every service running, and healthy where it has a healthcheck. */
export function judgeServices(state: ServicesState): ServiceVerdict[] {
  return state.services.map((service) => {
    const containers = state.containers.filter((container) => container.service === service);
    if (containers.length === 0) return { service, ok: false, state: 'no container' };
    const bad = containers.find(
      (c) => c.status !== 'running' || (c.health !== 'none' && c.health !== 'healthy'),
    );
    const shownOne = bad ?? containers[0];
    const text =
      shownOne.status === 'running' && shownOne.health !== 'none'
        ? `running, ${shownOne.health}`
        : shownOne.status;
    return {
      service,
      ok: bad === undefined,
      state: containers.length > 1 ? `${text} (${containers.length} containers)` : text,
    };
  });
}
