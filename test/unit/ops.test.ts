/**
 * action-ops' pure parts: its inputs (every bad combination refused with its own error), what reclaim-disk
 * removes and keeps, restart-stack's order, the refusals read from the live state, the ledger's ops
 * entries, and the summary's escaping. The operations themselves run against real servers in
 * test/e2e/ops.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { ContainerState } from '../../packages/shared/src/compose/compose';
import type { LiveState } from '../../packages/shared/src/deploy/live-state';
import { ConfigurationError } from '../../packages/shared/src/errors';
import { OPS_DEFAULTS, readOpsInputs, type OpsSettings } from '../../packages/shared/src/inputs/ops';
import {
  describeInterrupted,
  interruptedRuns,
  parseReleases,
  releasesOnly,
  type Release,
} from '../../packages/shared/src/ledger/ledger';
import {
  backupBasename,
  execContainer,
  newBackups,
  newestBackup,
  untrustedBackups,
} from '../../packages/shared/src/ops/database';
import {
  opsReport,
  refusal,
  restartOrder,
  sparedContainers,
  stackReport,
  type OpsOutcome,
} from '../../packages/shared/src/ops/ops';
import {
  diskLine,
  parseInventory,
  planReclaim,
  reclaimSteps,
  TAG_SENTINEL,
  type Inventory,
  type InventoryContainer,
} from '../../packages/shared/src/ops/reclaim';
import { resolveTarget } from '../../packages/shared/src/rollback/rollback';
import { renderScript } from '../../packages/shared/src/shell';
import type { RemoteSession } from '../../packages/shared/src/ssh/session';
import { opsSummary } from '../../packages/shared/src/summary/ops';
import { actionYmlDefaults, codeDefaults } from '../harness/action-yml';
import { readWithInputs } from '../harness/settings';
import { makeUserKey, scratchDir } from '../harness/sshd';

const key = makeUserKey(scratchDir('tt-ops-unit-'), 'id_ed25519', 'ed25519');
const hostLine = readFileSync(`${key.path}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
const GOOD = {
  host: 'deploy.example.com',
  username: 'deploy',
  'private-key': key.privateKey,
  'known-hosts': `deploy.example.com ${hostLine}`,
};

const read = (inputs: Record<string, string>): OpsSettings =>
  readWithInputs({ ...GOOD, ...inputs }, readOpsInputs);

function problems(inputs: Record<string, string>): string[] {
  try {
    read(inputs);
  } catch (error) {
    if (error instanceof ConfigurationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('action-ops inputs', () => {
  it('defaults in code match action-ops/action.yml', () => {
    expect(actionYmlDefaults('action-ops')).toEqual(codeDefaults(OPS_DEFAULTS));
  });

  it.each([
    [
      { operation: 'restart', service: 'gateway' },
      { kind: 'restart', service: 'gateway' },
    ],
    [{ operation: 'restart-stack' }, { kind: 'restart-stack' }],
    [
      { operation: 'scale', service: 'worker', replicas: '2' },
      { kind: 'scale', service: 'worker', replicas: 2 },
    ],
    [{ operation: 'recover-database', confirm: 'production' }, { kind: 'recover-database' }],
    [{ operation: 'reclaim-disk' }, { kind: 'reclaim-disk', pruneVolumes: false }],
    [
      { operation: 'reclaim-disk', 'prune-volumes': 'true', confirm: 'staging', environment: 'staging' },
      { kind: 'reclaim-disk', pruneVolumes: true },
    ],
  ])('%j becomes the operation %j', (inputs, operation) => {
    const settings = read(inputs);
    expect(Object.isFrozen(settings)).toBe(true);
    expect(settings.operation).toEqual(operation);
    expect(settings.services).toEqual(['gateway', 'langgraph', 'worker', 'nginx']);
    expect(settings.postgresContainer).toBe('thinktank-postgres');
  });

  it('an empty postgres-container means pg_isready is not asked', () => {
    expect(
      read({ operation: 'recover-database', confirm: 'production', 'postgres-container': '' })
        .postgresContainer,
    ).toBeUndefined();
  });

  it.each([
    [{ operation: '' }, [/^Input 'operation': operation is required: restart, restart-stack, /]],
    [{ operation: 'nuke' }, [/^Input 'operation': "nuke" is not one of restart, /]],
    [{ operation: 'restart' }, [/^Input 'service': operation restart needs the service to restart/]],
    [
      { operation: 'restart', service: 'gateway;id' },
      [/^Input 'service': "gateway;id" is not a compose service name/],
    ],
    [{ operation: 'restart-stack', service: 'gateway' }, [/^Input 'service': is only for restart and scale/]],
    [{ operation: 'scale', service: 'worker' }, [/^Input 'replicas': operation scale needs the number/]],
    [
      { operation: 'scale', service: 'worker', replicas: '2.5' },
      [/^Input 'replicas': "2\.5" is not a whole number from 1 to 20/],
    ],
    [
      { operation: 'scale', service: 'worker', replicas: '21' },
      [/^Input 'replicas': "21" is not a whole number/],
    ],
    [
      { operation: 'scale', service: 'worker', replicas: '-1' },
      [/^Input 'replicas': "-1" is not a whole number/],
    ],
    [
      { operation: 'scale', service: 'worker', replicas: '0' },
      [/^Input 'replicas': 0 would remove every container/],
    ],
    // A value that fails on its own is named first; the combinations are checked once every value passes.
    [{ operation: 'scale', replicas: 'x' }, [/^Input 'replicas': "x"/]],
    [{ operation: 'scale' }, [/^Input 'service'/, /^Input 'replicas'/]],
    [{ operation: 'restart', service: 'gateway', replicas: '2' }, [/^Input 'replicas': is only for scale/]],
    [
      { operation: 'restart', service: 'gateway', 'prune-volumes': 'true' },
      [/^Input 'prune-volumes': is only for reclaim-disk/],
    ],
    [
      { operation: 'recover-database' },
      [/^Input 'confirm': recover-database stops the application .*\(production\)/],
    ],
    [{ operation: 'recover-database', confirm: 'Production' }, [/^Input 'confirm': /]],
    [
      { operation: 'reclaim-disk', 'prune-volumes': 'true' },
      [/^Input 'confirm': prune-volumes deletes Docker volumes/],
    ],
    [
      { operation: 'reclaim-disk', 'prune-volumes': 'yes' },
      [/^Input 'prune-volumes': "yes" is not true or false/],
    ],
    [
      { operation: 'recover-database', confirm: 'production', 'postgres-container': 'pg;id' },
      [/^Input 'postgres-container': /],
    ],
    [
      { operation: 'recover-database', confirm: 'production', 'restore-command': 'restore.sh `id`' },
      [/^Input 'restore-command': /],
    ],
  ])('refuses %j, naming each input', (inputs, expected) => {
    const found = problems(inputs);
    expect(found).toHaveLength(expected.length);
    for (const pattern of expected) expect(found).toContainEqual(expect.stringMatching(pattern));
  });

  it('refuses a fleet', () => {
    expect(problems({ operation: 'restart-stack', host: 'a.example.com,b.example.com' })).toContainEqual(
      expect.stringMatching(
        /^Input 'host': 2 hosts given: emergency operations on a fleet are not supported/,
      ),
    );
  });
});

const container = (service: string, extra: Partial<ContainerState> = {}): ContainerState => ({
  id: `${service}0123456789abcdef`,
  service,
  status: 'running',
  health: 'healthy',
  restartCount: 0,
  image: `sha256:${service}`,
  imageRef: `thinktank/${service}:git-aaaaaaaaaaaa`,
  startedAt: '2026-11-28T10:00:00.123Z',
  exitCode: 0,
  ...extra,
});

/** A live state with the parts the ops code reads. */
function liveState(containers: ContainerState[], extra: Partial<LiveState> = {}): LiveState {
  return {
    head: 'a'.repeat(40),
    target: 'a'.repeat(40),
    compose: { command: ['docker-compose'], major: 1 },
    imageTag: 'git-aaaaaaaaaaaa',
    targetImages: {},
    tagOnlyInImage: [],
    releaseChanges: {},
    runtimeInputs: {},
    replicas: { gateway: 1, langgraph: 1, worker: 1, nginx: 1, redis: 1, backup: 1 },
    startFirstBlockers: {
      nginx: 'it publishes fixed host ports (127.0.0.1:8080), which two containers cannot both bind',
      redis: 'it has a fixed container_name (thinktank-redis)',
    },
    localImages: {},
    containers,
    releases: [],
    dbRevision: undefined,
    dbRevisionProblem: undefined,
    migrations: undefined,
    composeFileChanged: false,
    serverTime: 0,
    ...extra,
  };
}

const settingsFor = (inputs: Record<string, string>) => read({ services: 'gateway,worker', ...inputs });

describe('what only the server can refuse', () => {
  const all = ['gateway', 'langgraph', 'worker', 'nginx', 'redis'].map((service) => container(service));
  it.each([
    [{ operation: 'restart', service: 'gateway' }, all, undefined],
    [
      { operation: 'restart', service: 'nope' },
      all,
      /^nope is not a service of the stack \(the stack has: gateway, /,
    ],
    [{ operation: 'restart', service: 'backup' }, all, /^backup has no container to restart: run a deploy/],
    [
      { operation: 'restart-stack' },
      all.filter((c) => c.service !== 'worker'),
      /^worker has no container to restart/,
    ],
    [{ operation: 'scale', service: 'worker', replicas: '3' }, all, undefined],
    [
      { operation: 'scale', service: 'nginx', replicas: '2' },
      all,
      /^nginx cannot run 2 containers: it publishes fixed host ports/,
    ],
    [
      { operation: 'scale', service: 'redis', replicas: '2' },
      all,
      /^redis cannot run 2 containers: it has a fixed container_name/,
    ],
    [{ operation: 'scale', service: 'redis', replicas: '1' }, all, undefined],
    [
      { operation: 'reclaim-disk', services: 'gateway,queue' },
      all,
      /^services names queue, not in the compose file/,
    ],
  ])('%j', (inputs, containers, expected) => {
    const found = refusal(settingsFor(inputs), liveState(containers));
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(expected);
  });
});

describe('restart-stack order', () => {
  it('the listed services in their order, then the other running services of the stack', () => {
    const containers = [
      container('nginx'),
      container('gateway'),
      container('worker'),
      container('redis'),
      container('backup', { status: 'exited' }),
    ];
    expect(
      restartOrder(
        ['worker', 'gateway'],
        ['gateway', 'langgraph', 'worker', 'nginx', 'redis', 'backup'],
        containers,
      ),
    ).toEqual(['worker', 'gateway', 'nginx', 'redis']);
  });

  it('spares the database and the backup container unless listed (a restart cuts a backup short)', () => {
    const containers = ['gateway', 'worker', 'redis', 'postgres', 'backup'].map((s) => container(s));
    const stack = ['gateway', 'worker', 'redis', 'postgres', 'backup'];
    expect(restartOrder(['gateway'], stack, containers, ['postgres', 'backup'])).toEqual([
      'gateway',
      'worker',
      'redis',
    ]);
    expect(restartOrder(['backup'], stack, containers, ['postgres', 'backup'])).toEqual([
      'backup',
      'gateway',
      'worker',
      'redis',
    ]);
    expect(
      sparedContainers(
        settingsFor({
          operation: 'restart-stack',
          'postgres-container': 'pg',
          'backup-command': 'docker exec -u root tt-backup /usr/local/bin/backup.sh',
          'restore-command': 'docker exec -i tt-backup2 /usr/local/bin/restore.sh',
        }),
      ),
    ).toEqual(['pg', 'tt-backup', 'tt-backup2']);
    expect(
      sparedContainers(
        settingsFor({
          operation: 'restart-stack',
          'postgres-container': '',
          'backup-command': 'sh scripts/backup.sh',
          'restore-command': 'sh scripts/restore.sh',
        }),
      ),
    ).toEqual([]);
  });

  it('the report lists every service, with no container as an empty list', () => {
    const report = stackReport(['gateway', 'langgraph'], [container('gateway')]);
    expect(report).toEqual({
      gateway: [
        {
          id: 'gateway01234',
          image: 'thinktank/gateway:git-aaaaaaaaaaaa',
          imageId: 'sha256:gateway',
          state: 'running',
          health: 'healthy',
          startedAt: '2026-11-28T10:00:00.123Z',
          restartCount: 0,
        },
      ],
      langgraph: [],
    });
  });
});

const box = (id: string, extra: Partial<InventoryContainer> & { image: string }): InventoryContainer => ({
  id,
  name: id,
  status: 'exited',
  project: '',
  oneoff: false,
  volumes: [],
  ...extra,
});

describe('reclaim-disk: what goes and what stays', () => {
  const inventory: Inventory = {
    df: 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 41943040 12897485 29045555 31% /',
    dockerDf: '',
    containers: [
      box('app-gateway', { image: 'sha256:run', status: 'running', project: 'app' }),
      box('app-worker-stopped', { image: 'sha256:stoppedworker', project: 'app', volumes: ['app_data'] }),
      box('staging-gateway', { image: 'sha256:staging', project: 'staging', volumes: ['staging_db'] }),
      box('stray', { image: 'sha256:stray', volumes: ['anon1'] }),
      box('created-stray', { image: 'sha256:base', status: 'created' }),
      box('oneoff', { image: 'sha256:migrator', project: 'app', oneoff: true }),
      box('running-stray', { image: 'sha256:busy', status: 'running', volumes: ['busy'] }),
      box('paused', { image: 'sha256:paused', status: 'paused' }),
    ],
    images: [
      { id: 'sha256:run', ref: 'thinktank/gateway:git-current', size: '10MB' },
      { id: 'sha256:run', ref: 'thinktank/gateway:alias', size: '10MB' },
      { id: 'sha256:stoppedworker', ref: 'thinktank/worker:git-current', size: '1MB' },
      { id: 'sha256:staging', ref: 'thinktank/gateway:staging', size: '1MB' },
      { id: 'sha256:prev', ref: 'thinktank/gateway:git-previous', size: '10MB' },
      { id: 'sha256:prevworker', ref: 'thinktank/worker:git-previous', size: '1MB' },
      { id: 'sha256:head', ref: 'thinktank/migrator:git-checkout', size: '1MB' },
      { id: 'sha256:old', ref: 'thinktank/gateway:git-old', size: '10MB' },
      { id: 'sha256:old', ref: 'thinktank/gateway:old-alias', size: '10MB' },
      { id: 'sha256:stray', ref: 'someone/tool:1', size: '5MB' },
      { id: 'sha256:base', ref: 'debian:12', size: '100MB' },
      { id: 'sha256:migrator', ref: 'thinktank/migrator:git-old', size: '1MB' },
      { id: 'sha256:nginx', ref: 'nginx:1.22', size: '50MB' },
      { id: 'sha256:dangling', ref: '<none>:<none>', size: '3MB' },
      { id: 'sha256:digest', ref: 'someone/pinned:<none>', size: '3MB' },
    ],
    volumes: [
      { name: 'app_data', project: 'app' },
      { name: 'app_cache', project: 'app' },
      { name: 'staging_db', project: 'staging' },
      { name: 'anon1', project: '' },
      { name: 'busy', project: '' },
      { name: 'leftover', project: '' },
    ],
    composeImages: [
      `thinktank/gateway:${TAG_SENTINEL}`,
      `thinktank/worker:${TAG_SENTINEL}`,
      `thinktank/migrator:${TAG_SENTINEL}`,
      'nginx:1.22',
    ],
    configError: undefined,
  };
  const plan = planReclaim(inventory, {
    tags: ['git-current', 'git-checkout', 'git-previous'],
    pruneVolumes: true,
  });

  it('removes stopped containers of no compose project and one-off ones; never another stack’s', () => {
    expect(plan.containers.map((c) => c.name)).toEqual(['stray', 'created-stray', 'oneoff']);
  });

  it('removes unused images of the stack’s repositories but those of the running, checked-out and previous releases', () => {
    expect(plan.images).toEqual([
      'thinktank/gateway:git-old',
      'thinktank/gateway:old-alias',
      'thinktank/migrator:git-old',
    ]);
    expect(plan.keptImages).toEqual([
      'nginx:1.22',
      'thinktank/gateway:git-previous',
      'thinktank/migrator:git-checkout',
      'thinktank/worker:git-previous',
    ]);
    // Another stack's image, a base image: not this stack's repositories, never removed.
    expect(plan.otherImages).toBe(2);
  });

  it('on a shared host, keeps every image of a repository the compose file does not name', () => {
    const shared: Inventory = {
      ...inventory,
      containers: [],
      images: [
        { id: 'sha256:otherprev', ref: 'otherstack/api:git-previous', size: '1MB' },
        { id: 'sha256:justbuilt', ref: 'otherstack/api:git-new', size: '1MB' },
        { id: 'sha256:base', ref: 'python:3.12-slim', size: '1MB' },
        // Tagged into this stack's repository and another's: the other name keeps it.
        { id: 'sha256:both', ref: 'thinktank/gateway:git-x', size: '1MB' },
        { id: 'sha256:both', ref: 'otherstack/api:git-x', size: '1MB' },
        { id: 'sha256:ours', ref: 'docker.io/thinktank/worker:git-gone', size: '1MB' },
      ],
    };
    const chosen = planReclaim(shared, { tags: [], pruneVolumes: false });
    expect(chosen.images).toEqual(['docker.io/thinktank/worker:git-gone']);
    expect(chosen.otherImages).toBe(4);
  });

  it('removes volumes of no compose project that no remaining container mounts, only when asked', () => {
    expect(plan.volumes).toEqual(['anon1', 'leftover']);
    expect(planReclaim(inventory, { tags: [], pruneVolumes: false }).volumes).toEqual([]);
  });

  it('turns the plan into commands, containers first, volumes last', () => {
    expect(reclaimSteps(plan, true).map((step) => renderScript(step.command ?? { argv: ['-'] }))).toEqual([
      "exec 'docker' 'rm' 'stray' 'created-stray' 'oneoff'",
      "exec 'docker' 'rmi' 'thinktank/gateway:git-old' 'thinktank/gateway:old-alias' 'thinktank/migrator:git-old'",
      "exec 'docker' 'image' 'prune' '-f' '--filter' 'until=1h'",
      "exec 'docker' 'builder' 'prune' '-f' '--filter' 'until=1h'",
      "exec 'docker' 'volume' 'rm' 'anon1' 'leftover'",
    ]);
    // No network is pruned: an external network or a stopped stack's would go.
    expect(reclaimSteps({ containers: [], images: [], keptImages: [], volumes: ['x'] }, false)).toHaveLength(
      2,
    );
  });

  it('reads the inventory script’s output, server text as data', () => {
    const text = [
      '@@tt:df',
      '|Filesystem 1024-blocks Used Available Capacity Mounted on',
      '|/dev/sda1 41943040 12897485 29045555 31% /',
      '@@tt:docker-df',
      '|TYPE TOTAL',
      '@@tt:containers',
      `|abc\t/app_gateway_1\tsha256:run\trunning\t{"com.docker.compose.project":"app","com.docker.compose.oneoff":"False"}\t[{"Type":"volume","Name":"app_data"},{"Type":"bind","Source":"/x"}]`,
      `|def\t/stray\tsha256:x\texited\tnull\tnull`,
      '|not a container line',
      '@@tt:images',
      '|sha256:run\tthinktank/gateway:git-1\t10MB',
      '@@tt:volumes',
      '|app_data\tapp',
      '|anon\t',
      '@@tt:config',
      `|services:`,
      `|  gateway:`,
      `|    image: thinktank/gateway:${TAG_SENTINEL}`,
      `|  built: {}`,
      '@@tt:end',
    ].join('\n');
    expect(parseInventory(text)).toEqual({
      df: 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 41943040 12897485 29045555 31% /',
      dockerDf: 'TYPE TOTAL',
      containers: [
        {
          id: 'abc',
          name: 'app_gateway_1',
          image: 'sha256:run',
          status: 'running',
          project: 'app',
          oneoff: false,
          volumes: ['app_data'],
        },
        {
          id: 'def',
          name: 'stray',
          image: 'sha256:x',
          status: 'exited',
          project: '',
          oneoff: false,
          volumes: [],
        },
      ],
      images: [{ id: 'sha256:run', ref: 'thinktank/gateway:git-1', size: '10MB' }],
      volumes: [
        { name: 'app_data', project: 'app' },
        { name: 'anon', project: '' },
      ],
      composeImages: [`thinktank/gateway:${TAG_SENTINEL}`],
      configError: undefined,
    });
    // A compose config that failed is said, never read as a stack without images.
    const failed = parseInventory(
      text.replace(
        /@@tt:config[\s\S]*@@tt:end/,
        '@@tt:config-error\n|yaml: line 3: bad indentation\n@@tt:end',
      ),
    );
    expect(failed.configError).toBe('yaml: line 3: bad indentation');
    expect(failed.composeImages).toEqual([]);
    expect(diskLine(inventory.df)).toBe('12.3 GiB used of 40.0 GiB (31%), 27.7 GiB free');
  });
});

const release = (extra: Partial<Release>): Release => ({
  time: '2026-11-28T10:00:00Z',
  environment: 'production',
  ref: 'a'.repeat(40),
  image_tag: 'git-aaaaaaaaaaaa',
  previous_ref: 'b'.repeat(40),
  migration: '',
  actor: 'alice',
  run_url: '',
  result: 'success',
  ...extra,
});

describe('the ledger’s ops entries', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const C = 'c'.repeat(40);

  it('are read back with their operation; a non-string operation makes a line unreadable', () => {
    const lines = [
      JSON.stringify(release({ action: 'ops', operation: 'scale worker=2' })),
      JSON.stringify({ ...release({ action: 'ops' }), operation: 3 }),
    ].join('\n');
    expect(parseReleases(lines)).toEqual([release({ action: 'ops', operation: 'scale worker=2' })]);
  });

  it('are no release to roll back to', async () => {
    const releases = [
      release({ ref: B, image_tag: 'git-bbbbbbbbbbbb', action: 'deploy' }),
      release({ ref: A, action: 'deploy', previous_ref: B }),
      // An operation while C was checked out (an interrupted deploy) but A's images ran.
      release({ ref: C, action: 'ops', operation: 'restart gateway', previous_ref: C }),
    ];
    expect(releasesOnly(releases)).toHaveLength(2);
    const session = {} as RemoteSession;
    await expect(resolveTarget(session, '/app', releases, A, { kind: 'previous' })).resolves.toEqual({
      sha: B,
      imageTag: 'git-bbbbbbbbbbbb',
    });
  });

  it('an operation that went well does not hide an interrupted deploy; an interrupted one is reported', () => {
    const deploy = release({ ref: C, result: 'started', run_id: '1', action: 'deploy' });
    const ops = (result: Release['result']) =>
      release({ result, run_id: '2', action: 'ops', operation: 'restart-stack' });
    expect(interruptedRuns([deploy, ops('started'), ops('success')])).toEqual([deploy]);
    const interrupted = interruptedRuns([ops('started')]);
    expect(interrupted).toHaveLength(1);
    expect(describeInterrupted(interrupted[0])).toMatch(
      /^run 2 by alice, running restart-stack on aaaaaaaaaaaa, was interrupted/,
    );
    expect(interruptedRuns([deploy, release({ run_id: '3', action: 'deploy' })])).toEqual([]);
  });

  it('recover-database’s emergency backup is never `latest`; the backup it restored stays trusted', () => {
    const releases = [
      release({
        action: 'ops',
        result: 'failed',
        backup: '/b/daily_20260101_000000.sql',
        emergency_backup: '/b/daily_20260102_000000.sql',
      }),
    ];
    const listing = '/b/daily_20260101_000000.sql\n/b/daily_20260102_000000.sql\n';
    expect(newestBackup(listing, untrustedBackups(releases))).toBe('/b/daily_20260101_000000.sql');
  });

  it('an untrusted backup is matched by its file name: the listing may show bare names', () => {
    const releases = [
      release({ action: 'ops', emergency_backup: '/backups/daily/thinktank_daily_20260102_000000.sql.gz' }),
      release({ action: 'ops', untrusted_backups: ['thinktank_daily_20260103_000000.sql.gz'] }),
    ];
    const listing = [
      'thinktank_daily_20260101_000000.sql.gz',
      'thinktank_daily_20260102_000000.sql.gz',
      '/backups/daily/thinktank_daily_20260103_000000.sql.gz',
    ].join('\n');
    expect(newestBackup(listing, untrustedBackups(releases))).toBe('thinktank_daily_20260101_000000.sql.gz');
    expect(backupBasename('/backups/daily/x.sql.gz')).toBe('x.sql.gz');
  });

  it('every backup that appeared while the emergency backup ran is new, by file name', () => {
    const before = ['/b/thinktank_daily_20260101_000000.sql', '/b/thinktank_daily_20260102_000000.sql'];
    expect(
      newBackups(before, [
        'thinktank_daily_20260101_000000.sql',
        '/b/thinktank_daily_20260102_000000.sql',
        '/b/thinktank_daily_20260103_000000.sql',
        '/b/thinktank_daily_20260103_000000.sql',
      ]),
    ).toEqual(['/b/thinktank_daily_20260103_000000.sql']);
    expect(newBackups(before, before)).toEqual([]);
  });

  it('untrusted_backups is read back from the ledger; a non-string entry makes the line unreadable', () => {
    const good = release({ action: 'ops', untrusted_backups: ['/b/x.sql'] });
    expect(
      parseReleases([JSON.stringify(good), JSON.stringify({ ...good, untrusted_backups: [3] })].join('\n')),
    ).toEqual([good]);
  });

  it('the container a docker exec command runs in', () => {
    expect(execContainer('docker exec -i thinktank-backup /usr/local/bin/restore.sh')).toBe(
      'thinktank-backup',
    );
    expect(execContainer('docker exec -u postgres -e A=1 --workdir /x pg restore.sh')).toBe('pg');
    expect(execContainer('BACKUP_DIR=/b sh scripts/restore.sh')).toBeUndefined();
  });

  it('`latest` never picks a backup the listing shows as empty', () => {
    const listing = [
      '-rw-r--r-- 1 root root 5120 Feb 24 02:00 /backups/daily/thinktank_daily_20260224_020000.sql.gz',
      '-rw-r--r-- 1 root root 0 Feb 25 02:00 /backups/daily/thinktank_daily_20260225_020000.sql.gz',
    ].join('\n');
    expect(newestBackup(listing)).toBe('/backups/daily/thinktank_daily_20260224_020000.sql.gz');
  });
});

describe('the summary and the report', () => {
  const outcome: OpsOutcome = {
    kind: 'restart',
    operation: 'restart gateway',
    result: 'failed',
    dryRun: false,
    ref: 'a'.repeat(40),
    imageTag: 'git-<b>x</b>',
    before: { gateway: [] },
    after: { gateway: [] },
    waits: [
      {
        service: 'gateway',
        ok: false,
        waitedMs: 1500,
        state: 'container x is unhealthy; [click](https://evil)',
      },
    ],
    gate: [{ service: 'gateway', ok: false, state: 'no container' }],
    healthUrl: { ok: false, answer: 'no answer (<script>)' },
    plan: [{ title: 'Restart gateway', command: { argv: ['docker-compose', 'restart', 'gateway'] } }],
    account: ['::error::forged'],
    failure: 'gateway | did not pass',
    productionDown: undefined,
    durationSeconds: 3.2,
    stages: [
      { name: 'Read the live state', startedAt: '2026-03-01T10:00:00.000Z', seconds: 0.4, result: 'ok' },
      {
        name: 'Restart gateway\n```\n<img src=x onerror=alert(1)>',
        startedAt: '2026-03-01T10:00:00.400Z',
        seconds: 2.5,
        result: 'failed',
      },
    ],
  };

  it('escapes every server text in the summary', () => {
    const summary = opsSummary(outcome, 'production', 'deploy.example.com');
    expect(summary).toContain(
      '## Emergency operation on production (deploy.example.com): restart gateway: ❌ failed',
    );
    expect(summary).not.toMatch(/<b>|<script>|\[click\]/);
    expect(summary).toContain('gateway &#124; did not pass');
    // The timeline: one mermaid block, its failed stage crit, the server's text unable to leave it.
    expect(summary).toContain('    Restart gateway img src=x onerror=alert(1) 2.5s :crit, ');
    expect(summary.match(/```/g)).toHaveLength(2);
    expect(summary).not.toMatch(/<img/);
  });

  it('the report is JSON with before, after and the commands as shell text', () => {
    const report = JSON.parse(opsReport(outcome, 'production', 'h')) as Record<string, unknown>;
    expect(report).toMatchObject({
      environment: 'production',
      host: 'h',
      operation: 'restart gateway',
      result: 'failed',
      before: { gateway: [] },
      after: { gateway: [] },
      plan: [{ title: 'Restart gateway', command: "exec 'docker-compose' 'restart' 'gateway'" }],
      stages: [{ name: 'Read the live state', seconds: 0.4, result: 'ok' }, { result: 'failed' }],
    });
    expect(report).not.toHaveProperty('account');
  });
});
