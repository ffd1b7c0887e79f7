/**
 * The deploy planner over many live states, with no server: what runs decides, never the ledger.
 */
import type { ContainerState } from '../../packages/shared/src/compose/compose';
import {
  normaliseImageRef,
  parseLiveState,
  parseMigrationGraph,
  splitParts,
  type LiveState,
} from '../../packages/shared/src/deploy/live-state';
import { describeStep, planDeploy, tagOf, type PlanRequest } from '../../packages/shared/src/deploy/plan';
import type { Release } from '../../packages/shared/src/ledger/ledger';

const V1 = '1'.repeat(40);
const V2 = '2'.repeat(40);
const tag = (sha: string) => `git-${sha.slice(0, 12)}`;
const ID = { gw1: 'sha256:gw1', gw2: 'sha256:gw2', wk1: 'sha256:wk1', wk2: 'sha256:wk2' };

const container = (service: string, image: string, sha: string, extra: Partial<ContainerState> = {}) => ({
  id: `${service}-${sha.slice(0, 4)}`,
  service,
  status: 'running',
  health: service === 'gateway' ? 'healthy' : 'none',
  restartCount: 0,
  image,
  imageRef: `fixture/${service}:${tag(sha)}`,
  startedAt: '2026-11-28T10:00:00Z',
  exitCode: 0,
  ...extra,
});

/** v1 running, healthy, checked out, database at v1's head; v2 built. Each case changes a piece. */
function liveState(change: Partial<LiveState> = {}): LiveState {
  return {
    head: V1,
    target: V2,
    compose: { command: ['docker-compose'], major: 1 },
    imageTag: tag(V2),
    targetImages: { gateway: `fixture/gateway:${tag(V2)}`, worker: `fixture/worker:${tag(V2)}` },
    localImages: {
      [`fixture/gateway:${tag(V1)}`]: ID.gw1,
      [`fixture/worker:${tag(V1)}`]: ID.wk1,
      [`fixture/gateway:${tag(V2)}`]: ID.gw2,
      [`fixture/worker:${tag(V2)}`]: ID.wk2,
    },
    containers: [container('gateway', ID.gw1, V1), container('worker', ID.wk1, V1)],
    releases: [],
    dbRevision: '0002',
    dbRevisionProblem: undefined,
    migrations: { heads: ['0002'], revisions: ['0001', '0002'] },
    tagOnlyInImage: [],
    releaseChanges: { [V1.slice(0, 12)]: ['docker/gateway/www/health'], [V2.slice(0, 12)]: [] },
    runtimeInputs: { worker: ['config/worker.env', 'docker/docker-compose-prod.yaml', 'docker/.env'] },
    replicas: {},
    startFirstBlockers: {},
    composeFileChanged: false,
    serverTime: Date.parse('2026-11-28T12:00:00Z') / 1000,
    ...change,
  };
}

/** v2 fully in place. */
const converged = (change: Partial<LiveState> = {}) =>
  liveState({
    head: V2,
    containers: [container('gateway', ID.gw2, V2), container('worker', ID.wk2, V2)],
    ...change,
  });

const request: PlanRequest = {
  services: ['gateway', 'worker'],
  build: 'auto',
  imageTagGiven: false,
  migrate: 'auto',
  strategy: { default: 'recreate', services: {} },
};
const steps = (state: LiveState, change: Partial<PlanRequest> = {}) =>
  planDeploy(state, { ...request, ...change }).steps.map((step) =>
    step.kind === 'restart' ? `restart ${step.service}` : step.kind,
  );

describe('planDeploy', () => {
  it.each<[string, LiveState, Partial<PlanRequest>, string[]]>([
    ['v1 -> v2, images built already', liveState(), {}, ['checkout', 'restart gateway', 'restart worker']],
    [
      'v1 -> v2, images missing: build first',
      liveState({ localImages: { [`fixture/gateway:${tag(V1)}`]: ID.gw1 } }),
      {},
      ['checkout', 'build', 'restart gateway', 'restart worker'],
    ],
    ['everything on the target: nothing to do', converged(), {}, []],
    ['build: true always builds', converged(), { build: 'true' }, ['build']],
    [
      'interrupted after the checkout and one restart: the rest converges',
      liveState({
        head: V2,
        containers: [container('gateway', ID.gw2, V2), container('worker', ID.wk1, V1)],
      }),
      {},
      ['restart worker'],
    ],
    [
      'a service stopped by hand is started',
      converged({
        containers: [container('gateway', ID.gw2, V2), container('worker', ID.wk2, V2, { status: 'exited' })],
      }),
      {},
      ['restart worker'],
    ],
    [
      'a service removed by hand is recreated',
      converged({ containers: [container('gateway', ID.gw2, V2)] }),
      {},
      ['restart worker'],
    ],
    [
      'a service put back on old images by hand is restarted',
      converged({ containers: [container('gateway', ID.gw1, V1), container('worker', ID.wk2, V2)] }),
      {},
      ['restart gateway'],
    ],
    [
      'an unhealthy service is restarted',
      converged({
        containers: [
          container('gateway', ID.gw2, V2, { health: 'unhealthy' }),
          container('worker', ID.wk2, V2),
        ],
      }),
      {},
      ['restart gateway'],
    ],
    [
      'a crash-looping service (restarting) is restarted',
      converged({
        containers: [
          container('gateway', ID.gw2, V2),
          container('worker', ID.wk2, V2, { status: 'restarting' }),
        ],
      }),
      {},
      ['restart worker'],
    ],
    [
      'every service stopped (after a restore) on the target commit: all start',
      converged({
        containers: [
          container('gateway', ID.gw2, V2, { status: 'exited' }),
          container('worker', ID.wk2, V2, { status: 'exited' }),
        ],
      }),
      {},
      ['restart gateway', 'restart worker'],
    ],
    ['database behind the target head: migrate', converged({ dbRevision: '0001' }), {}, ['migrate']],
    ['database at base: migrate', converged({ dbRevision: '' }), {}, ['migrate']],
    ['migrate: false never migrates', converged({ dbRevision: '0001' }), { migrate: 'false' }, []],
    ['migrate: true always migrates', converged(), { migrate: 'true' }, ['migrate']],
    [
      'database revision unreadable: the migration step reads it again',
      converged({ dbRevision: undefined, dbRevisionProblem: 'connection refused' }),
      {},
      ['migrate'],
    ],
    ['database ahead of the code: left alone (noted)', converged({ dbRevision: '0009' }), {}, []],
    ['no migrations at all', converged({ migrations: { heads: [], revisions: [] }, dbRevision: '' }), {}, []],
    [
      'an image tag is pulled when missing',
      liveState({
        imageTag: 'v9',
        targetImages: { gateway: 'fixture/gateway:v9', worker: 'fixture/worker:v9' },
      }),
      { imageTagGiven: true },
      ['checkout', 'pull', 'restart gateway', 'restart worker'],
    ],
    [
      'two containers of a service, one on the old image',
      converged({
        containers: [
          container('gateway', ID.gw2, V2),
          container('gateway', ID.gw1, V1, { id: 'gateway-old' }),
          container('worker', ID.wk2, V2),
        ],
      }),
      {},
      ['restart gateway'],
    ],
  ])('%s', (_name, state, change, expected) => {
    expect(steps(state, change)).toEqual(expected);
  });

  it("keeps a service whose image id is the target's under another tag, where only its tag differs", () => {
    const sameId = container('worker', ID.wk2, V1);
    const state = (change: Partial<LiveState> = {}) =>
      converged({
        containers: [container('gateway', ID.gw2, V2), sameId],
        tagOnlyInImage: ['worker'],
        ...change,
      });
    expect(steps(state())).toEqual([]);
    // Where IMAGE_TAG sets more than the image (an environment variable, say), the container differs.
    expect(steps(state({ tagOnlyInImage: [] }))).toEqual(['restart worker']);
    expect(steps(state({ composeFileChanged: true }))).toEqual(['restart gateway', 'restart worker']);
    // What the container was made from besides its image changed since its release: recreated.
    const changedSince = (files: string[]) => ({ [V1.slice(0, 12)]: files, [V2.slice(0, 12)]: [] });
    expect(steps(state({ releaseChanges: changedSince(['config/worker.env']) }))).toEqual(['restart worker']);
    expect(steps(state({ releaseChanges: changedSince(['docker/docker-compose-prod.yaml']) }))).toEqual([
      'restart worker',
    ]);
    expect(steps(state({ releaseChanges: changedSince(['docker/gateway/www/health']) }))).toEqual([]);
    // A release this checkout does not know: nothing tells what changed.
    expect(steps(state({ releaseChanges: { [V1.slice(0, 12)]: undefined } }))).toEqual(['restart worker']);
    // Another repository with the same id is not the target's image.
    const elsewhere = container('worker', ID.wk2, V1, { imageRef: `other/worker:${tag(V1)}` });
    expect(steps(state({ containers: [container('gateway', ID.gw2, V2), elsewhere] }))).toEqual([
      'restart worker',
    ]);
  });

  it('a service whose new image is still to be built is restarted unless the build gives it the image it runs', () => {
    const plan = planDeploy(
      liveState({
        localImages: { [`fixture/gateway:${tag(V1)}`]: ID.gw1, [`fixture/worker:${tag(V1)}`]: ID.wk1 },
        tagOnlyInImage: ['worker'],
      }),
      request,
    );
    expect(
      plan.steps.map((step) => (step.kind === 'restart' ? [step.service, step.unlessImageIs] : step.kind)),
    ).toEqual(['checkout', 'build', ['gateway', undefined], ['worker', ID.wk1]]);
    expect(describeStep(plan.steps[3])).toMatch(/skipped if its new image is the one it runs$/);
  });

  it('restarts start-first where asked and something healthy serves; refuses a service that cannot', () => {
    const strategies = (state: LiveState, strategy: PlanRequest['strategy']) =>
      planDeploy(state, { ...request, strategy }).steps.map((step) =>
        step.kind === 'restart' ? `${step.service}: ${step.strategy}` : step.kind,
      );
    const gatewayFirst = { default: 'recreate', services: { gateway: 'start-first' } } as const;
    expect(strategies(liveState(), gatewayFirst)).toEqual([
      'checkout',
      'gateway: start-first',
      'worker: recreate',
    ]);
    expect(strategies(liveState(), { default: 'start-first', services: {} })).toEqual([
      'checkout',
      'gateway: start-first',
      'worker: start-first',
    ]);
    // An exited gateway serves nobody: start-first would only delay it.
    const exited = liveState({
      containers: [container('gateway', ID.gw1, V1, { status: 'exited' }), container('worker', ID.wk1, V1)],
    });
    expect(strategies(exited, gatewayFirst)).toEqual(['checkout', 'gateway: recreate', 'worker: recreate']);
    const blocked = planDeploy(
      liveState({ startFirstBlockers: { gateway: 'it has a fixed container_name (gw)' } }),
      {
        ...request,
        strategy: { default: 'start-first', services: {} },
      },
    );
    expect(blocked.steps).toEqual([]);
    expect(blocked.refusal).toBe(
      'strategy start-first cannot run gateway: it has a fixed container_name (gw). Give it recreate, e.g. strategy: start-first,gateway:recreate',
    );
    // A blocked service that keeps recreate is no obstacle.
    expect(
      planDeploy(liveState({ startFirstBlockers: { gateway: 'it publishes fixed host ports (80:80)' } }), {
        ...request,
        strategy: { default: 'start-first', services: { gateway: 'recreate' } },
      }).refusal,
    ).toBeUndefined();
  });

  it('recreates (force) what runs the target image but is not well, or whose settings may have changed', () => {
    const forced = (state: LiveState, services = request.services) =>
      planDeploy(state, { ...request, services }).steps.map((step) =>
        step.kind === 'restart' ? `${step.service}${step.force ? ' (force)' : ''}: ${step.why}` : step.kind,
      );
    // Running now, but restarted 10 s ago after 4 restarts: a crash loop caught between two restarts.
    const looping = container('worker', ID.wk2, V2, { restartCount: 4, startedAt: '2026-11-28T11:59:50Z' });
    expect(forced(converged({ containers: [container('gateway', ID.gw2, V2), looping] }))).toEqual([
      'worker (force): restarting repeatedly (4 restarts, the last 10s ago)',
    ]);
    // Restarted once, long ago: running well.
    const settled = container('worker', ID.wk2, V2, { restartCount: 1, startedAt: '2026-11-27T08:00:00Z' });
    expect(forced(converged({ containers: [container('gateway', ID.gw2, V2), settled] }))).toEqual([]);
    expect(forced(converged({ composeFileChanged: true }))).toEqual([
      'gateway (force): the compose file changed in 222222222222',
      'worker (force): the compose file changed in 222222222222',
    ]);
    // A service the target's compose file adds (its configuration could not be read ahead of the
    // checkout): started, not refused.
    expect(forced(converged({ composeFileChanged: true }), ['gateway', 'worker', 'nginx'])).toEqual([
      'build',
      'gateway (force): the compose file changed in 222222222222',
      'worker (force): the compose file changed in 222222222222',
      'nginx: no container',
    ]);
    // The same image id under another tag (a cached build): restarted onto the target's reference.
    const sameId = container('worker', ID.wk2, V1);
    expect(forced(converged({ containers: [container('gateway', ID.gw2, V2), sameId] }))).toEqual([
      `worker: runs ${tag(V1)}, not ${tag(V2)}`,
    ]);
  });

  it('notes a database with a revision when the target has no migrations under migrations-path', () => {
    const plan = planDeploy(converged({ migrations: { heads: [], revisions: [] } }), request);
    expect(plan.steps).toEqual([]);
    expect(plan.notes).toEqual([
      expect.stringMatching(/database is at 0002 but 222222222222 has no migrations under migrations-path/),
    ]);
  });

  it('says nothing runs from the ledger: a ledger saying "success" for v2 does not hide a stale service', () => {
    const releases: Release[] = [
      {
        time: 't',
        environment: 'p',
        ref: V2,
        image_tag: tag(V2),
        previous_ref: V1,
        migration: '',
        actor: 'a',
        run_url: '',
        result: 'success',
      },
    ];
    expect(steps(converged({ releases, containers: [container('gateway', ID.gw2, V2)] }))).toEqual([
      'restart worker',
    ]);
  });

  it('reports an interrupted run from the journal and converges', () => {
    const started: Release = {
      time: '2026-11-28T10:03:00Z',
      environment: 'p',
      ref: V2,
      image_tag: tag(V2),
      previous_ref: V1,
      migration: '',
      actor: 'alice',
      run_url: '',
      result: 'started',
      run_id: '123',
      action: 'deploy',
    };
    const plan = planDeploy(liveState({ releases: [started] }), request);
    expect(plan.notes[0]).toMatch(/^run 123 by alice, deploying 222222222222, was interrupted .*converging$/);
    const cancelled = planDeploy(
      liveState({ releases: [started, { ...started, result: 'cancelled' }] }),
      request,
    );
    expect(cancelled.notes[0]).toMatch(/^run 123 by alice, deploying 222222222222, was cancelled \(at /);
    const later = { ...started, run_id: '124', result: 'success' as const };
    expect(planDeploy(liveState({ releases: [started, later] }), request).notes).toEqual([]);
  });

  it('refuses, changing nothing, when images are missing and build is false, or a service is unknown', () => {
    expect(planDeploy(liveState({ localImages: {} }), { ...request, build: 'false' }).refusal).toMatch(
      /build is false but the target images of gateway, worker are not on the server/,
    );
    expect(planDeploy(liveState(), { ...request, services: ['gateway', 'nginx'] }).refusal).toMatch(
      /nginx: not a service with an image/,
    );
    expect(planDeploy(liveState({ target: '' }), request).refusal).toMatch(/names no commit/);
  });

  it('says why each step is there', () => {
    const plan = planDeploy(
      converged({ dbRevision: '0001', containers: [container('gateway', ID.gw2, V2)] }),
      request,
    );
    expect(plan.steps.map(describeStep)).toEqual([
      expect.stringMatching(
        /^migrate the database 0001 -> 0002 \(the database is behind 222222222222's head\)/,
      ),
      expect.stringMatching(/^restart worker \(no container\)/),
    ]);
  });
});

describe('live state parsing', () => {
  it('normalises image references so compose and docker images compare', () => {
    expect(normaliseImageRef('nginx')).toBe('nginx:latest');
    expect(normaliseImageRef('docker.io/library/nginx:1.25')).toBe('nginx:1.25');
    expect(normaliseImageRef('registry:5000/team/app')).toBe('registry:5000/team/app:latest');
    expect(tagOf('registry:5000/team/app:git-abc')).toBe('git-abc');
    expect(tagOf('registry:5000/team/app')).toBe('latest');
    expect(tagOf('app@sha256:00')).toBeUndefined();
  });

  it('reads heads from the target commit migration files (tuples, None, typed assignments)', () => {
    const text = [
      `${V2}:backend/alembic/versions/0001_a.py:revision = "0001"`,
      `${V2}:backend/alembic/versions/0001_a.py:down_revision = None`,
      `${V2}:backend/alembic/versions/0002_b.py:revision: str = '0002'`,
      `${V2}:backend/alembic/versions/0002_b.py:down_revision: Union[str, None] = '0001'`,
      `${V2}:backend/alembic/versions/0003_c.py:revision = "0003"`,
      `${V2}:backend/alembic/versions/0003_c.py:down_revision = "0001"`,
      `${V2}:backend/alembic/versions/0004_m.py:revision = "0004"`,
      `${V2}:backend/alembic/versions/0004_m.py:down_revision = ("0002", "0003")`,
    ].join('\n');
    expect(parseMigrationGraph(text)).toEqual({
      revisions: ['0001', '0002', '0003', '0004'],
      heads: ['0004'],
    });
  });

  it('cuts the script output into parts and refuses what it cannot trust', () => {
    const request = {
      appDir: '/srv/app',
      composeFile: 'docker/compose.yaml',
      composeCommand: 'auto' as const,
      remote: 'origin',
      ref: 'main',
      imageTag: undefined,
      stateDir: '/srv/app/.deploy',
      migrationsPath: 'backend/alembic/versions',
      alembicCurrent: 'alembic current',
      fetch: true,
    };
    const output = (parts: Record<string, string>) =>
      Object.entries(parts)
        .map(
          ([name, body]) =>
            `\n@@tt:${name}\n${body
              .split('\n')
              .map((line) => `|${line}`)
              .join('\n')}`,
        )
        .join('');
    const good = {
      compose: '1.29.2\ndocker-compose',
      fetch: 'exit=0',
      head: V1,
      target: V2,
      tag: tag(V2),
      config: `services:\n  gateway:\n    image: fixture/gateway:${tag(V2)}\n  tool:\n    image: x\n    profiles: [tools]\n`,
      'config-error': '',
      containers: '',
      images: `fixture/gateway:${tag(V2)} sha256:gw2\n<none>:<none> sha256:zz`,
      migrations: '',
      // One well-formed line; a torn one, a null and a hand-written half record are skipped.
      ledger: [
        JSON.stringify({
          time: 't',
          environment: 'p',
          ref: V1,
          image_tag: 'x',
          previous_ref: '',
          migration: '',
          actor: 'a',
          run_url: '',
          result: 'success',
        }),
        'not json',
        'null',
        '{"result":"started","run_id":"7"}',
      ].join('\n'),
      current: 'INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n0002 (head)\nexit=0',
      end: '',
    };
    expect(splitParts(output(good)).get('head')).toBe(V1);
    const state = parseLiveState(output(good), request, 'h');
    expect(state).toMatchObject({
      head: V1,
      target: V2,
      compose: { command: ['docker-compose'], major: 1 },
      targetImages: { gateway: `fixture/gateway:${tag(V2)}` },
      localImages: { [`fixture/gateway:${tag(V2)}`]: 'sha256:gw2' },
      dbRevision: '0002',
    });
    expect(state.releases).toHaveLength(1);
    expect(
      parseLiveState(output({ ...good, current: 'could not connect\nexit=1' }), request, 'h'),
    ).toMatchObject({
      dbRevision: undefined,
      dbRevisionProblem: 'could not connect',
    });
    expect(() => parseLiveState(output({ ...good, compose: '\n' }), request, 'h')).toThrow(
      /neither "docker compose"/,
    );
    expect(() =>
      parseLiveState(output({ ...good, fetch: 'fatal: no remote\nexit=128' }), request, 'h'),
    ).toThrow(/git fetch origin failed .*fatal: no remote/);
    expect(() =>
      parseLiveState(output({ ...good, config: '', 'config-error': 'bad yaml' }), request, 'h'),
    ).toThrow(/compose config failed .*bad yaml/);
    // A hand-written ledger line cannot pose as a part of the output (every body line is behind '|').
    const spoofed = parseLiveState(
      output({ ...good, ledger: '@@tt:containers\nabc\t{}\t{}\t0\tsha256:x\t"x"' }),
      request,
      'h',
    );
    expect(spoofed.containers).toEqual([]);
    // Hostile text from the server is inert when it reaches an error message.
    expect(() => parseLiveState(output({ ...good, fetch: '::add-mask::x\nexit=1' }), request, 'h')).toThrow(
      /:\u200b:add-mask::x/,
    );
  });
});

describe('a stack with nothing running (a first deployment)', () => {
  const empty = (change: Partial<LiveState> = {}) =>
    liveState({
      head: V2,
      containers: [],
      targetImages: {
        gateway: `fixture/gateway:${tag(V2)}`,
        worker: `fixture/worker:${tag(V2)}`,
        postgres: 'fixture/hosttools:1',
        redis: 'fixture/redis:7',
      },
      localImages: {},
      dbRevision: '',
      ...change,
    });

  it('builds, starts the rest of the stack before migrating, then each listed service', () => {
    const plan = planDeploy(empty(), request);
    expect(plan.firstStart).toBe(true);
    expect(
      plan.steps.map((step) => (step.kind === 'restart' ? `restart ${step.service}` : step.kind)),
    ).toEqual(['build', 'start', 'migrate', 'restart gateway', 'restart worker']);
    expect(plan.steps[1]).toEqual({ kind: 'start', services: ['postgres', 'redis'] });
    expect(describeStep(plan.steps[1])).toMatch(/start postgres, redis \(no container of them exists\)/);
  });

  it('starts nothing else when every service of the stack is listed', () => {
    expect(steps(empty({ targetImages: liveState().targetImages }))).not.toContain('start');
  });

  it('is not a first start while any container of the stack exists; what has none is still started', () => {
    const stopped = container('redis', 'sha256:r', V1, { status: 'exited', exitCode: 0 });
    const plan = planDeploy(empty({ containers: [stopped] }), request);
    expect(plan.firstStart).toBe(false);
    // A retry of a first deployment that created redis but not postgres.
    expect(plan.steps.find((step) => step.kind === 'start')).toEqual({
      kind: 'start',
      services: ['postgres'],
    });
    // A stopped dependency is left as it is: someone stopped it; the deploy does not decide for them.
    expect(steps(empty({ containers: [stopped, container('postgres', 'sha256:p', V1)] }))).not.toContain(
      'start',
    );
  });
});
