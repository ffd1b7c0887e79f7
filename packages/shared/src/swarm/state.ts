/**
 * Docker Swarm on the manager (`orchestrator: swarm`): the commands (argument lists) and the parsers
 * of what the manager answers. Pure: no I/O here; swarm/deploy.ts runs them.
 *
 * Convergence is read from Swarm itself, never decided by this action: each service's
 * `UpdateStatus` (set by Swarm's updater as `deploy.update_config` says) and its tasks. A service
 * never updated has no `UpdateStatus`; one whose spec did not change keeps the status of its last
 * update (possibly an old `rollback_completed`), which is why the status is compared with the one
 * read before the deploy.
 */
import type { RemoteCommand } from '../shell';

export type UpdateState =
  'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';

export interface UpdateStatus {
  readonly state: UpdateState | string;
  readonly startedAt: string;
  readonly message: string;
}

export interface SwarmService {
  readonly id: string;
  /** The service's full name, `<stack>_<service>`. */
  readonly name: string;
  /** The name in the compose file (the stack's namespace label, else the name without the prefix). */
  readonly service: string;
  /** The image of the current spec (with `@sha256:...` when the manager resolved it). */
  readonly image: string;
  /** Replicas wanted; undefined for a global service (one task per eligible node). */
  readonly replicas: number | undefined;
  readonly updateStatus: UpdateStatus | undefined;
}

export interface SwarmTask {
  readonly id: string;
  readonly serviceId: string;
  /** new, pending, assigned, accepted, preparing, starting, running, complete, failed, rejected... */
  readonly state: string;
  readonly desiredState: string;
  readonly image: string;
  readonly error: string;
}

export interface SwarmState {
  readonly services: readonly SwarmService[];
  readonly tasks: readonly SwarmTask[];
}

const STACK_NAMESPACE = 'com.docker.stack.namespace';

/**
 * $1 stack: prints every service of the stack as `docker service inspect` JSON, one a line, then
 * `--tasks--` and the stack's tasks (running, stopping, and the short history Swarm keeps) as JSON,
 * one a line. A task gone between the listing and its inspection is left out.
 */
export const STACK_STATE_SCRIPT = `
services=$(docker stack services -q "$1") || exit $?
if [ -n "$services" ]; then docker service inspect --format '{{json .}}' $services || exit $?; fi
echo --tasks--
tasks=$(docker stack ps -q --no-trunc "$1" 2>/dev/null) || tasks=
if [ -n "$tasks" ]; then docker inspect --type task --format '{{json .}}' $tasks 2>/dev/null; fi
exit 0`;

/** Prints `<LocalNodeState> <ControlAvailable>`: `active true` on a manager. */
export const NODE_STATE_COMMAND: RemoteCommand = {
  argv: ['docker', 'info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'],
};

/** `docker stack deploy` of the checkout's compose file with IMAGE_TAG exported; nothing is built. */
/**
 * `docker stack` reads no `.env` (compose does): the stack's settings (the runbook keeps its secrets
 * there) would come through empty. This exports the `.env` beside the compose file as compose reads
 * it (`NAME=value` lines, `#` comments, one pair of surrounding quotes taken off, nothing expanded),
 * on the server, so no value is on a command line; IMAGE_TAG is the run's whatever `.env` says.
 * $1 the .env file, $2 the image tag, then the command.
 */
export const STACK_ENV_SCRIPT = `envfile=$1 tag=$2; shift 2
cr=$(printf '\\r') dq='"' sq="'"
if [ -f "$envfile" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line=\${line%"$cr"}
    case $line in ''|'#'*) continue ;; esac
    key=\${line%%=*} value=\${line#*=}
    key=\${key#export }
    case $key in ''|[0-9]*|*[!A-Za-z0-9_]*) continue ;; esac
    case $value in
      "$dq"*"$dq") value=\${value#"$dq"} value=\${value%"$dq"} ;;
      "$sq"*"$sq") value=\${value#"$sq"} value=\${value%"$sq"} ;;
    esac
    export "$key=$value"
  done <"$envfile"
fi
IMAGE_TAG=$tag; export IMAGE_TAG
exec "$@"`;

/**
 * `command` (a `docker stack` command with IMAGE_TAG in its env) as it is run: with the stack's `.env`
 * exported first (STACK_ENV_SCRIPT). Plans show `command` itself, as a person would type it.
 */
export function withStackEnv(
  connection: { readonly appDir: string; readonly composeFile: string },
  command: RemoteCommand,
): RemoteCommand {
  const file = stackFile(connection);
  const envFile = `${file.slice(0, file.lastIndexOf('/'))}/.env`;
  return {
    argv: ['sh', '-c', STACK_ENV_SCRIPT, 'sh', envFile, command.env?.IMAGE_TAG ?? '', ...command.argv],
    cwd: command.cwd,
  };
}

const stackFile = (connection: { readonly appDir: string; readonly composeFile: string }) =>
  `${connection.appDir.replace(/\/+$/, '')}/${connection.composeFile}`;

/** `docker stack deploy` of the compose file with IMAGE_TAG (run through withStackEnv). */
export function stackDeployCommand(
  connection: {
    readonly appDir: string;
    readonly composeFile: string;
    readonly stackName: string;
    readonly resolveImage: 'always' | 'changed' | 'never';
  },
  imageTag: string,
): RemoteCommand {
  return {
    argv: [
      'docker',
      'stack',
      'deploy',
      '--resolve-image',
      connection.resolveImage,
      '-c',
      stackFile(connection),
      connection.stackName,
    ],
    cwd: connection.appDir,
    env: { IMAGE_TAG: imageTag },
  };
}

/** `docker stack config`: the stack file as Swarm reads it (run through withStackEnv). */
export function stackConfigCommand(
  connection: { readonly appDir: string; readonly composeFile: string },
  imageTag: string,
): RemoteCommand {
  return {
    argv: ['docker', 'stack', 'config', '-c', stackFile(connection)],
    cwd: connection.appDir,
    env: { IMAGE_TAG: imageTag },
  };
}

interface ServiceJson {
  ID?: string;
  Spec?: {
    Name?: string;
    Labels?: Record<string, string> | null;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object };
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
  };
  UpdateStatus?: { State?: string; StartedAt?: string; Message?: string } | null;
}

interface TaskJson {
  ID?: string;
  ServiceID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
}

function serviceOf(json: ServiceJson, stack: string): SwarmService {
  const name = json.Spec?.Name ?? '';
  const namespace = json.Spec?.Labels?.[STACK_NAMESPACE] ?? stack;
  const service = name.startsWith(`${namespace}_`) ? name.slice(namespace.length + 1) : name;
  const status = json.UpdateStatus ?? undefined;
  return {
    id: json.ID ?? '',
    name,
    service,
    image: json.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '',
    replicas:
      json.Spec?.Mode?.Replicated === undefined ? undefined : (json.Spec.Mode.Replicated.Replicas ?? 0),
    updateStatus:
      status === undefined || status.State === undefined
        ? undefined
        : { state: status.State, startedAt: status.StartedAt ?? '', message: status.Message ?? '' },
  };
}

/** Parses STACK_STATE_SCRIPT's output; lines that are not JSON are skipped. */
export function parseStackState(text: string, stack: string): SwarmState {
  const services: SwarmService[] = [];
  const tasks: SwarmTask[] = [];
  let inTasks = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '--tasks--') {
      inTasks = true;
      continue;
    }
    let json: unknown;
    try {
      json = line.trim() === '' ? undefined : JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof json !== 'object' || json === null) continue;
    if (!inTasks) {
      services.push(serviceOf(json as ServiceJson, stack));
      continue;
    }
    const task = json as TaskJson;
    tasks.push({
      id: task.ID ?? '',
      serviceId: task.ServiceID ?? '',
      state: task.Status?.State ?? 'unknown',
      desiredState: task.DesiredState ?? '',
      image: task.Spec?.ContainerSpec?.Image ?? '',
      error: task.Status?.Err ?? '',
    });
  }
  services.sort((a, b) => a.service.localeCompare(b.service));
  return { services, tasks };
}

/** `repo/name:tag@sha256:...` → `tag` ('' when the reference names none). */
export function tagOfImage(image: string): string {
  const withoutDigest = image.split('@')[0];
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : '';
}

/** `repo/name:tag@sha256:...` → `repo/name:tag`. */
export const withoutDigest = (image: string) => image.split('@')[0];

/** What one service is doing, in words, and whether it is done, still moving, or failed. */
export interface ServiceProgress {
  readonly service: string;
  readonly image: string;
  readonly desired: number;
  /** Tasks running the image of the current spec. */
  readonly running: number;
  readonly phase: 'converged' | 'pending' | 'failed';
  /** e.g. `updating (1/2 running ttswarm/gateway:t2)`, `rolled back by Swarm: ...` */
  readonly state: string;
}

const FAILED_STATES: Record<string, string> = {
  paused: 'update paused by Swarm',
  rollback_completed: 'rolled back by Swarm',
  rollback_paused: 'rollback paused by Swarm',
};

/**
 * Where each service stands. `before` holds each service's update status read before the deploy:
 * an unchanged status is an old update's, not this deploy's. Tasks count when they run the image of
 * the service's current spec (the spec changes at once; its tasks follow).
 */
export function judgeProgress(
  state: SwarmState,
  before: ReadonlyMap<string, UpdateStatus | undefined>,
): ServiceProgress[] {
  return state.services.map((service) => {
    const meant = state.tasks.filter(
      (task) => task.serviceId === service.id && task.desiredState === 'running',
    );
    const running = meant.filter(
      (task) => task.state === 'running' && withoutDigest(task.image) === withoutDigest(service.image),
    ).length;
    // An old task still running after its replacement started (start-first): not converged yet.
    const stopping = state.tasks.filter(
      (task) => task.serviceId === service.id && task.desiredState !== 'running' && task.state === 'running',
    ).length;
    const desired = service.replicas ?? Math.max(1, meant.length);
    const tasks = `${running}/${desired} running ${withoutDigest(service.image)}`;
    const old = before.get(service.name);
    const status = service.updateStatus;
    const ours =
      status !== undefined &&
      (old === undefined || old.startedAt !== status.startedAt || old.state !== status.state);
    const base = { service: service.service, image: service.image, desired, running };
    if (ours && FAILED_STATES[status.state] !== undefined) {
      return {
        ...base,
        phase: 'failed',
        state: `${FAILED_STATES[status.state]}${status.message ? `: ${status.message}` : ''}`,
      };
    }
    if (ours && status.state !== 'completed') {
      const failing = meant.find((task) => task.error !== '')?.error;
      return {
        ...base,
        phase: 'pending',
        state: `${status.state} (${tasks})${failing ? `; a task failed: ${failing}` : ''}`,
      };
    }
    if (running >= desired && stopping === 0)
      return { ...base, phase: 'converged', state: `${ours ? 'updated, ' : ''}${tasks}` };
    if (running >= desired) return { ...base, phase: 'pending', state: `${tasks}, ${stopping} old stopping` };
    const failing = meant.find((task) => task.error !== '')?.error;
    return { ...base, phase: 'pending', state: `${tasks}${failing ? `; a task failed: ${failing}` : ''}` };
  });
}

/** Each service's update status by full name, to tell this deploy's updates from older ones. */
export function updateStatuses(state: SwarmState): Map<string, UpdateStatus | undefined> {
  return new Map(state.services.map((service) => [service.name, service.updateStatus]));
}

/** Health: a service is healthy when every replica it wants is running its current image. */
export function replicaRows(state: SwarmState): { service: string; value: string; ok: boolean }[] {
  return judgeProgress(state, updateStatuses(state)).map((progress) => ({
    service: progress.service,
    value: `${progress.running}/${progress.desired} running (${withoutDigest(progress.image)})`,
    ok: progress.running >= progress.desired,
  }));
}
