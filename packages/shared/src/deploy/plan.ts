/**
 * The deploy planner: a pure function from what runs (LiveState) and what is asked to the steps that
 * converge the server on the target release. The apply loop runs exactly these steps; a dry run
 * prints them. Nothing here reads the ledger to decide: it is only reported.
 */
import type { ContainerState } from '../compose/compose';
import { describeInterrupted, interruptedRuns } from '../ledger/ledger';
import { strategyOf } from '../inputs/deploy';
import type { Strategy, StrategySetting } from '../inputs/validators';
import { normaliseImageRef, type LiveState } from './live-state';

export type ImageMode = 'build' | 'pull' | 'none';

export type Step =
  | { readonly kind: 'checkout'; readonly sha: string; readonly from: string }
  | { readonly kind: 'build'; readonly imageTag: string; readonly missing: readonly string[] }
  | { readonly kind: 'pull'; readonly imageTag: string; readonly services: readonly string[] }
  /**
   * Services of the stack outside the listed ones that have no container (a first deployment, a
   * retry of one, a container removed by hand): started as they are, before the migration.
   */
  | { readonly kind: 'start'; readonly services: readonly string[] }
  | { readonly kind: 'migrate'; readonly from: string; readonly to: string; readonly why: string }
  | {
      readonly kind: 'restart';
      readonly service: string;
      readonly why: string;
      /** Recreate even where compose sees nothing to change (on the target image, but not healthy). */
      readonly force: boolean;
      /**
       * start-first where it was asked for and the old containers are running and healthy (else there
       * is nothing to keep serving, and the service is recreated).
       */
      readonly strategy: Strategy;
      /**
       * Skip the restart when the built or pulled target image turns out to be this image id, the one
       * the service runs (its configuration differs only in the tag).
       */
      readonly unlessImageIs?: string;
    };

export interface PlanRequest {
  /** Rolling order. */
  readonly services: readonly string[];
  readonly build: 'auto' | 'true' | 'false';
  readonly imageTagGiven: boolean;
  readonly migrate: 'auto' | 'true' | 'false';
  readonly strategy: StrategySetting;
}

export interface Plan {
  readonly steps: readonly Step[];
  /** Things the run says in its log and summary (interrupted runs, a database ahead of the code). */
  readonly notes: readonly string[];
  /** Why nothing can be done, when the plan cannot converge (the run changes nothing). */
  readonly refusal: string | undefined;
  /** What each listed service runs now, for the report. */
  readonly services: readonly ServiceNow[];
  /**
   * No container of the stack exists (a first deployment, or a stack brought down): the rest of the
   * stack is started first, and health-url is probed once every listed service runs.
   */
  readonly firstStart: boolean;
}

export interface ServiceNow {
  readonly service: string;
  /** "running, healthy", "exited (code 1)", "no container", … */
  readonly state: string;
  readonly onTarget: boolean;
  readonly ok: boolean;
  /** The IMAGE_TAG its container was made with, when it can be told. */
  readonly imageTag: string | undefined;
  /**
   * The image id its containers all run, when its configuration differs from the target's only in
   * the image tag of the same repository: on target once the target's tag names this id too.
   */
  readonly sameButTag: string | undefined;
}

/** An image reference without its tag. */
export const repositoryOf = (ref: string) => ref.slice(0, ref.length - (tagOf(ref)?.length ?? -1) - 1);

const short = (sha: string) => sha.slice(0, 12);

export function imageMode(build: PlanRequest['build'], imageTagGiven: boolean): ImageMode {
  if (build === 'auto') return imageTagGiven ? 'pull' : 'build';
  return build === 'true' ? 'build' : 'none';
}

/** The tag part of an image reference (`repo:tag`), or undefined for a digest or none. */
export function tagOf(ref: string): string | undefined {
  if (ref.includes('@')) return undefined;
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon === -1 ? 'latest' : name.slice(colon + 1);
}

function describeContainer(container: ContainerState): string {
  if (container.status === 'running')
    return container.health === 'none' ? 'running' : `running, ${container.health}`;
  if (container.status === 'exited') return `exited (code ${container.exitCode})`;
  return container.status;
}

/** One listed service now: its containers judged against the target image. */
/** A container that restarted within this many seconds is crash-looping, not running. */
export const RECENT_RESTART_SECONDS = 60;

export function serviceNow(state: LiveState, service: string): ServiceNow {
  const containers = state.containers.filter((container) => container.service === service);
  const targetRef = state.targetImages[service];
  const targetId = targetRef === undefined ? undefined : state.localImages[targetRef];
  const imageTag = containers.map((container) => tagOf(container.imageRef)).find((tag) => tag !== undefined);
  if (containers.length === 0)
    return { service, state: 'no container', onTarget: false, ok: false, imageTag, sameButTag: undefined };
  const sinceStart = (c: ContainerState) => Math.round(state.serverTime - Date.parse(c.startedAt) / 1000);
  const restartedRecently = (c: ContainerState) =>
    c.restartCount > 0 && sinceStart(c) < RECENT_RESTART_SECONDS;
  const bad = containers.find(
    (c) => c.status !== 'running' || (c.health !== 'none' && c.health !== 'healthy') || restartedRecently(c),
  );
  // The same image id under the target's reference; or under another tag of the same repository
  // where nothing else in the service's configuration depends on the tag (a cached build gives two
  // tags one id): what runs is then exactly what the target would run.
  const image = containers.every((c) => c.image === containers[0].image) ? containers[0].image : undefined;
  const sameButTag =
    image !== undefined &&
    targetRef !== undefined &&
    state.tagOnlyInImage.includes(service) &&
    !state.composeFileChanged &&
    containers.every(
      (c) =>
        repositoryOf(normaliseImageRef(c.imageRef)) === repositoryOf(targetRef) &&
        unchangedForService(state, service, tagOf(c.imageRef)),
    )
      ? image
      : undefined;
  const onTarget =
    targetId !== undefined &&
    containers.every(
      (c) =>
        c.image === targetId && (normaliseImageRef(c.imageRef) === targetRef || sameButTag !== undefined),
    );
  const shown =
    bad !== undefined && bad.status === 'running' && restartedRecently(bad)
      ? `restarting repeatedly (${bad.restartCount} restarts, the last ${sinceStart(bad)}s ago)`
      : describeContainer(bad ?? containers[0]);
  return {
    service,
    state: containers.length > 1 ? `${shown} (${containers.length} containers)` : shown,
    onTarget,
    ok: bad === undefined,
    imageTag,
    sameButTag,
  };
}

/**
 * Between the release a container runs (its git-<sha12> tag) and the target, git changed neither the
 * compose file nor anything the service reads at run time (env_file, bind mounts, `.env`): only then
 * is the same image the same container. An unknown release (another kind of tag) never is.
 */
function unchangedForService(state: LiveState, service: string, tag: string | undefined): boolean {
  const sha = /^git-([0-9a-f]{12})$/.exec(tag ?? '')?.[1];
  const changed = sha === undefined ? undefined : state.releaseChanges[sha];
  if (changed === undefined) return false;
  const inputs = state.runtimeInputs[service] ?? [];
  return !changed.some((file) => inputs.some((input) => file === input || file.startsWith(`${input}/`)));
}

/** Where the database stands against the target's migrations, and whether to migrate. */
function planMigration(state: LiveState, request: PlanRequest, notes: string[]): Step | undefined {
  if (request.migrate === 'false' || state.migrations === undefined) return undefined;
  const heads = state.migrations.heads;
  const head = heads.join(',');
  const to = head === '' ? '(no migrations)' : head;
  if (state.dbRevision === undefined) {
    const why = `the database revision could not be read (${state.dbRevisionProblem ?? 'not read'})`;
    if (heads.length === 0 && request.migrate === 'auto') return undefined;
    return { kind: 'migrate', from: '(unknown)', to, why: `${why}; the migration reads it again` };
  }
  const from = state.dbRevision === '' ? '(base)' : state.dbRevision;
  if (request.migrate === 'true') return { kind: 'migrate', from, to, why: 'migrate is true' };
  if (heads.length === 0 && state.dbRevision !== '')
    notes.push(
      `the database is at ${from} but ${short(state.target)} has no migrations under migrations-path: nothing is migrated (is migrations-path right?)`,
    );
  if (heads.length === 0 || state.dbRevision === head) return undefined;
  if (heads.length > 1)
    return { kind: 'migrate', from, to, why: `the target has ${heads.length} heads (the migration refuses)` };
  const known = state.dbRevision
    .split(',')
    .every((revision) => state.migrations?.revisions.includes(revision));
  if (state.dbRevision !== '' && !known) {
    notes.push(
      `the database is at ${from}, which ${short(state.target)}'s migrations do not contain (a newer release's?); ` +
        'it is left as it is: a downgrade is never automatic (action-migrate, or a full rollback)',
    );
    return undefined;
  }
  return { kind: 'migrate', from, to, why: `the database is behind ${short(state.target)}'s head` };
}

export function planDeploy(state: LiveState, request: PlanRequest): Plan {
  const notes = interruptedRuns(state.releases).map((run) => `${describeInterrupted(run)}; converging`);
  const services = request.services.map((service) => serviceNow(state, service));
  const firstStart = state.containers.length === 0;
  const refuse = (refusal: string): Plan => ({ steps: [], notes, refusal, services, firstStart });
  if (state.target === '') return refuse('the ref names no commit on the server after git fetch');

  const unknown = request.services.filter((service) => !(service in state.targetImages));
  if (unknown.length > 0 && !state.composeFileChanged) {
    return refuse(
      `${unknown.join(', ')}: not a service with an image in ${short(state.target)}'s compose configuration ` +
        `(it has: ${Object.keys(state.targetImages).join(', ') || 'none'})`,
    );
  }
  // A service the configuration read does not name (new in a changed compose file) counts as missing.
  const missing = request.services.filter(
    (service) =>
      state.targetImages[service] === undefined ||
      state.localImages[state.targetImages[service]] === undefined,
  );
  const mode = imageMode(request.build, request.imageTagGiven);
  if (mode === 'none' && missing.length > 0) {
    return refuse(
      `build is false but the target images of ${missing.join(', ')} are not on the server ` +
        `(${missing.map((service) => state.targetImages[service]).join(', ')})`,
    );
  }

  const blocked = request.services.filter(
    (service) =>
      strategyOf(request, service) === 'start-first' && state.startFirstBlockers[service] !== undefined,
  );
  if (blocked.length > 0) {
    return refuse(
      `strategy start-first cannot run ${blocked.map((service) => `${service}: ${state.startFirstBlockers[service]}`).join('; ')}. ` +
        `Give ${blocked.length === 1 ? 'it' : 'them'} recreate, e.g. strategy: start-first,${blocked.map((service) => `${service}:recreate`).join(',')}`,
    );
  }

  const steps: Step[] = [];
  if (state.head !== state.target) steps.push({ kind: 'checkout', sha: state.target, from: state.head });
  if (mode === 'build' && (request.build === 'true' || missing.length > 0))
    steps.push({ kind: 'build', imageTag: state.imageTag, missing });
  const latest = request.services.filter((service) => {
    const ref = state.targetImages[service];
    return ref !== undefined && tagOf(ref) === 'latest';
  });
  if (mode === 'pull' && (missing.length > 0 || latest.length > 0))
    steps.push({ kind: 'pull', imageTag: state.imageTag, services: [...new Set([...missing, ...latest])] });
  // The stack's dependencies (database, cache, backup) run before the migration and the services.
  const absent = Object.keys(state.targetImages).filter(
    (service) =>
      !request.services.includes(service) &&
      !state.containers.some((container) => container.service === service),
  );
  if (absent.length > 0) steps.push({ kind: 'start', services: absent });
  const migration = planMigration(state, request, notes);
  if (migration) steps.push(migration);
  for (const now of services) {
    const why = !now.ok
      ? now.state
      : missing.includes(now.service)
        ? `its target image ${state.targetImages[now.service] ?? '(named by the changed compose file)'} is not on the server yet`
        : !now.onTarget
          ? `runs ${now.imageTag ?? 'another image'}, not ${state.imageTag}`
          : state.composeFileChanged
            ? `the compose file changed in ${short(state.target)}`
            : undefined;
    // `up` leaves a container alone when its image and settings match: recreate it when it is on the
    // target but not healthy, or when only its settings may have changed.
    const force = now.onTarget && (!now.ok || state.composeFileChanged);
    const strategy =
      strategyOf(request, now.service) === 'start-first' && now.ok ? 'start-first' : 'recreate';
    // Its new image is built or pulled first: it may prove to be the one it runs.
    const unlessImageIs = now.ok && missing.includes(now.service) ? now.sameButTag : undefined;
    if (why !== undefined)
      steps.push({
        kind: 'restart',
        service: now.service,
        why,
        force,
        strategy,
        ...(unlessImageIs ? { unlessImageIs } : {}),
      });
  }
  return { steps, notes, refusal: undefined, services, firstStart };
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'checkout':
      return `check out ${short(step.sha)} (detached; now ${short(step.from)})`;
    case 'build':
      return `build images (IMAGE_TAG=${step.imageTag})${step.missing.length > 0 ? `: missing for ${step.missing.join(', ')}` : ''}`;
    case 'pull':
      return `pull images (IMAGE_TAG=${step.imageTag}) for ${step.services.join(', ')}`;
    case 'start':
      return `start ${step.services.join(', ')} (no container of them exists), then wait until each is healthy`;
    case 'migrate':
      return `migrate the database ${step.from} -> ${step.to} (${step.why}): backup, SQL preview, destructive guard, alembic upgrade head`;
    case 'restart':
      return (
        (step.strategy === 'start-first'
          ? `start a new ${step.service} beside the old (${step.why}), wait until it is healthy, let both serve for start-first-overlap, stop and remove the old, then probe health-url`
          : `restart ${step.service} (${step.why}), then wait until it is healthy and probe health-url`) +
        (step.unlessImageIs ? '; skipped if its new image is the one it runs' : '')
      );
  }
}
