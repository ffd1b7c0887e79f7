/**
 * The apply loop against a scripted fake session: it runs exactly the planned steps, journals
 * `started` and the result, records `cancelled` on a cancel, and rolls back what it restarted when a
 * gate fails. Behaviour against a real server is proven by the e2e tests; this pins the order.
 */
import type { ContainerState } from '../../packages/shared/src/compose/compose';
import { runDeploy } from '../../packages/shared/src/deploy/deploy';
import type { LiveState } from '../../packages/shared/src/deploy/live-state';
import { CancelledError } from '../../packages/shared/src/errors';
import type { DeploySettings } from '../../packages/shared/src/inputs/deploy';
import type {
  ExecOptions,
  ExecOutcome,
  ExecResult,
  RemoteSession,
} from '../../packages/shared/src/ssh/session';
import { INSPECT_FORMAT } from '../../packages/shared/src/compose/compose';

const V1 = '1'.repeat(40);
const V2 = '2'.repeat(40);
const tag = (sha: string) => `git-${sha.slice(0, 12)}`;

type Reply =
  | { stdout?: string; outcome?: ExecOutcome }
  | ((command: string) => { stdout?: string; outcome?: ExecOutcome });

/** A session that answers each command by the first rule whose pattern it matches, and keeps a log. */
class FakeSession implements RemoteSession {
  readonly label = 'fake:22';
  readonly lost = undefined;
  readonly runToken = 'fake-run';
  readonly commands: string[] = [];
  constructor(private readonly rules: [RegExp, Reply][]) {}

  private answer(quoted: string): { stdout: string; outcome: ExecOutcome } {
    // Scripts travel quoted twice (sh -c inside sh -c); one level is enough to read them here.
    const command = quoted.replaceAll("'\\''", "'");
    this.commands.push(command);
    const rule = this.rules.find(([pattern]) => pattern.test(command));
    if (!rule) throw new Error(`unscripted command: ${command.slice(-200)}`);
    const reply = typeof rule[1] === 'function' ? rule[1](command) : rule[1];
    return { stdout: reply.stdout ?? '', outcome: reply.outcome ?? { kind: 'exited', code: 0 } };
  }

  private result(stdout: string, outcome: ExecOutcome): ExecResult {
    return {
      outcome,
      stdout,
      stdoutTruncated: false,
      stdoutBytes: stdout.length,
      stderrBytes: 0,
      stderrTail: [],
      durationMs: 1,
    };
  }

  exec(command: string): Promise<ExecResult> {
    const { stdout, outcome } = this.answer(command);
    return Promise.resolve(this.result(stdout, outcome));
  }

  start(command: string, options: ExecOptions = {}) {
    const { stdout, outcome } = this.answer(command);
    let finish: (result: ExecResult) => void = () => undefined;
    const done = new Promise<ExecResult>((resolve) => (finish = resolve));
    // A streamed command (the gate's watch): its lines arrive, then it ends when stdin is closed.
    setImmediate(() => {
      for (const line of stdout.split('\n')) options.onStdoutLine?.(line);
      if (!options.keepStdinOpen) finish(this.result(stdout, outcome));
    });
    return { done, write: () => undefined, endInput: () => finish(this.result(stdout, outcome)) };
  }

  async run(command: string, what: string): Promise<string> {
    const result = await this.exec(command);
    if (result.outcome.kind === 'cancelled') throw new CancelledError('SIGINT');
    if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) throw new Error(`${what} failed`);
    return result.stdout;
  }
}

const inspectLine = (id: string, service: string, health: string) =>
  [
    id,
    JSON.stringify({ 'com.docker.compose.service': service }),
    JSON.stringify({
      Status: 'running',
      StartedAt: '2026-11-28T10:00:00Z',
      ...(health === 'none' ? {} : { Health: { Status: health } }),
    }),
    '0',
    `sha256:${id}`,
    JSON.stringify(`fixture/${service}:x`),
  ].join('\t');

const container = (service: string, sha: string): ContainerState => ({
  id: `${service}old`,
  service,
  status: 'running',
  health: service === 'gateway' ? 'healthy' : 'none',
  restartCount: 0,
  image: `sha256:${service}-${sha.slice(0, 1)}`,
  imageRef: `fixture/${service}:${tag(sha)}`,
  startedAt: '2026-11-28T10:00:00Z',
  exitCode: 0,
});

const state: LiveState = {
  head: V1,
  target: V2,
  compose: { command: ['docker-compose'], major: 1 },
  imageTag: tag(V2),
  targetImages: { gateway: `fixture/gateway:${tag(V2)}`, worker: `fixture/worker:${tag(V2)}` },
  localImages: {
    [`fixture/gateway:${tag(V1)}`]: 'sha256:gateway-1',
    [`fixture/worker:${tag(V1)}`]: 'sha256:worker-1',
    [`fixture/gateway:${tag(V2)}`]: 'sha256:gateway-2',
    [`fixture/worker:${tag(V2)}`]: 'sha256:worker-2',
  },
  containers: [container('gateway', V1), container('worker', V1)],
  releases: [],
  dbRevision: undefined,
  dbRevisionProblem: undefined,
  migrations: undefined,
  tagOnlyInImage: [],
  releaseChanges: {},
  runtimeInputs: {},
  replicas: {},
  startFirstBlockers: {},
  composeFileChanged: false,
  serverTime: Date.parse('2026-11-28T12:00:00Z') / 1000,
};

const settings = {
  connection: {
    appDir: '/srv/app',
    composeFile: 'docker/compose.yaml',
    stateDir: '/srv/app/.deploy',
    environment: 'staging',
    dryRun: false,
  },
  ref: 'v2',
  remote: 'origin',
  imageTag: undefined,
  build: 'auto',
  services: ['gateway', 'worker'],
  waitTimeoutSeconds: 5,
  minUptimeSeconds: 0,
  healthUrl: 'http://localhost/health',
  autoRollback: true,
  lockTimeoutSeconds: 5,
  strategy: { default: 'recreate', services: {} },
  startFirstOverlapSeconds: 0,
  migrate: 'false',
  migrationsPath: 'backend/alembic/versions',
} as unknown as DeploySettings;

const context = (session: RemoteSession, signal = new AbortController().signal) => ({
  session,
  signal,
  actor: 'alice',
  runUrl: '',
  runId: '42',
  state,
});

/** The journal lines appended, by result. */
const journal = (session: FakeSession) =>
  session.commands
    .filter((command) => command.includes('releases.jsonl') && command.includes('printf'))
    .map(
      (command) =>
        /\\"result\\":\\"([a-z-]+)\\"/.exec(command)?.[1] ?? /"result":"([a-z-]+)"/.exec(command)?.[1],
    );

/** What the run did, in order: each command reduced to a word or two. */
const steps = (session: FakeSession) =>
  session.commands
    .map((command) =>
      /releases\.jsonl/.test(command)
        ? 'journal'
        : /'checkout'/.test(command)
          ? `checkout ${/'([0-9a-f]{40})'/.exec(command)?.[1].slice(0, 1)}`
          : /'up' '-d' '--no-deps'/.test(command)
            ? `up ${/'(gateway|worker)'/.exec(command)?.[1]} ${/IMAGE_TAG='git-(.)/.exec(command)?.[1]}`
            : /'ps'/.test(command)
              ? undefined
              : /@@poll/.test(command)
                ? 'gate'
                : /curl|wget|PROBE|http:\/\/localhost\/health/.test(command)
                  ? 'probe'
                  : /info\/exclude/.test(command)
                    ? undefined
                    : /@@tt:events/.test(command)
                      ? 'diagnostics'
                      : /docker' 'logs|'logs'|docker logs --tail/.test(command)
                        ? 'logs'
                        : command.slice(-80),
    )
    .filter((step) => step !== undefined);

const healthy = { stdout: '{"status":"healthy"}\n200' };
/** `badRelease`: the gateway of that image tag never becomes healthy. */
const rules = (badRelease?: string): [RegExp, Reply][] => {
  let gatewayHealth = 'healthy';
  return [
    [/releases\.jsonl/, {}],
    [/info\/exclude/, {}],
    [/'checkout'/, {}],
    [
      /'up' '-d' '--no-deps' 'gateway'/,
      (command) => {
        gatewayHealth =
          badRelease !== undefined && command.includes(`IMAGE_TAG='${badRelease}'`) ? 'unhealthy' : 'healthy';
        return {};
      },
    ],
    [/'up' '-d'/, {}],
    [/'ps' '-q' 'gateway'/, { stdout: 'aaaa00000000aaaa\n' }],
    [/'ps' '-q' 'worker'/, { stdout: 'bbbb00000000bbbb\n' }],
    [/'ps' '-q'/, { stdout: 'aaaa00000000aaaa\nbbbb00000000bbbb\n' }],
    [
      /@@poll.*aaaa00000000aaaa/s,
      () => ({ stdout: `${inspectLine('aaaa00000000aaaa', 'gateway', gatewayHealth)}\n@@poll` }),
    ],
    [/@@poll.*bbbb00000000bbbb/s, { stdout: `${inspectLine('bbbb00000000bbbb', 'worker', 'none')}\n@@poll` }],
    [
      /'docker' 'inspect'/,
      {
        stdout: `${inspectLine('aaaa00000000aaaa', 'gateway', 'healthy')}\n${inspectLine('bbbb00000000bbbb', 'worker', 'none')}`,
      },
    ],
    [/docker logs --tail/, { stdout: 'the last words' }],
    [/health/, healthy],
  ];
};

describe('the apply loop (scripted session)', () => {
  let write: typeof process.stdout.write;
  beforeEach(() => {
    write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
  });
  afterEach(() => {
    process.stdout.write = write;
  });

  it('runs exactly the plan, between a started and a success record', async () => {
    const session = new FakeSession(rules());
    const outcome = await runDeploy(settings, context(session));
    expect(outcome.failure).toBeUndefined();
    expect(outcome.result).toBe('success');
    expect(steps(session)).toEqual([
      'journal',
      'checkout 2',
      'up gateway 2',
      'gate',
      'probe',
      'up worker 2',
      'gate',
      'probe',
      'journal',
    ]);
    expect(journal(session)).toEqual(['started', 'success']);
  });

  it('a failed gate puts back what it restarted, on the image each ran, and journals rolled-back', async () => {
    const session = new FakeSession(rules(tag(V2)));
    const outcome = await runDeploy(settings, context(session));
    expect(outcome).toMatchObject({ result: 'rolled-back', rolledBack: true, deployedRef: V1 });
    expect(outcome.failure).toMatch(
      /gateway did not pass its gate: container aaaa00000000 is unhealthy; its last log lines:\n {4}the last words/,
    );
    expect(steps(session)).toEqual([
      'journal',
      'checkout 2',
      'up gateway 2',
      'gate',
      'logs',
      // Runbook §9's collection, before the rollback replaces the failed container.
      'diagnostics',
      'checkout 1',
      'up gateway 1',
      'gate',
      'probe',
      'journal',
    ]);
    expect(journal(session)).toEqual(['started', 'rolled-back']);
  });

  it('a cancel during a restart records cancelled and stops there', async () => {
    const controller = new AbortController();
    const session = new FakeSession([
      [
        /'up' '-d' '--no-deps' 'gateway'/,
        () => (controller.abort('SIGINT'), { outcome: { kind: 'cancelled' } }),
      ],
      ...rules(),
    ]);
    await expect(runDeploy(settings, context(session, controller.signal))).rejects.toThrow(CancelledError);
    expect(steps(session)).toEqual(['journal', 'checkout 2', 'up gateway 2', 'journal']);
    expect(journal(session)).toEqual(['started', 'cancelled']);
  });

  it('nothing to do: one unchanged record, nothing else', async () => {
    const session = new FakeSession(rules());
    const converged: LiveState = {
      ...state,
      head: V2,
      containers: [
        { ...container('gateway', V2), image: 'sha256:gateway-2' },
        { ...container('worker', V2), image: 'sha256:worker-2' },
      ],
    };
    const outcome = await runDeploy(settings, { ...context(session), state: converged });
    expect(outcome.result).toBe('unchanged');
    expect(steps(session)).toEqual(['journal']);
    expect(journal(session)).toEqual(['unchanged']);
  });
});

// The fixture's inspect lines follow the real format's field order.
it('scripted inspect lines have the fields of INSPECT_FORMAT', () => {
  expect(inspectLine('a', 'gateway', 'healthy').split('\t')).toHaveLength(INSPECT_FORMAT.split('\t').length);
});
