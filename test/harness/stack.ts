/**
 * The fixture app on the local Docker engine: a git history (v1; v2 with a migration; a release whose
 * /health says unhealthy; one whose container never becomes healthy) pushed to a bare "origin", a
 * server checkout of it at v1 owned by the test user, and its stack built and running.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ROOT } from './runner';
import { TEST_USER, scratchDir } from './sshd';

export const BASE_IMAGE = 'thinktank-fixture-base:latest';
/** Debian's nginx on the base image: the stack's proxy, pinned as a registry image would be. */
export const NGINX_IMAGE = 'thinktank-fixture-nginx:1.22';
export const RELEASES = [
  'v1',
  'v2',
  'bad-health',
  'never-healthy',
  'destructive',
  'failing',
  'two-heads',
  'crash-worker',
  'hostile',
  'slow-build',
  'slow-migration',
] as const;
export type ReleaseName = (typeof RELEASES)[number];

/** Debian's Redis on the base image: the stack's cache (runbook: thinktank-redis). */
export const REDIS_IMAGE = 'thinktank-fixture-redis:7';
/** The base image with /lib into /usr: the host's /usr is mounted into it (PostgreSQL client, pg_dump). */
export const HOSTTOOLS_IMAGE = 'thinktank-fixture-hosttools:1';

/** Builds the base image and the images on it (docker build's cache makes a rebuild instant). */
export function buildBaseImage(): void {
  const context = mkdtempSync(join(tmpdir(), 'tt-base-'));
  try {
    copyFileSync(join(ROOT, 'fixtures/base-image/Dockerfile'), join(context, 'Dockerfile'));
    copyFileSync('/bin/busybox', join(context, 'busybox'));
    execFileSync('docker', ['build', '-q', '-t', BASE_IMAGE, context], { stdio: 'pipe' });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  buildHostBinaryImage(NGINX_IMAGE, 'fixtures/nginx-image', ['/usr/sbin/nginx']);
  buildHostBinaryImage(REDIS_IMAGE, 'fixtures/redis-image', ['/usr/bin/redis-server', '/usr/bin/redis-cli']);
  buildHostBinaryImage(HOSTTOOLS_IMAGE, 'fixtures/hosttools-image', []);
}

/**
 * An image of host binaries (no registry here): the Dockerfile in `folder`, the binaries by their base
 * names, the shared libraries `ldd` names under lib/, and a passwd with a nobody user.
 */
function buildHostBinaryImage(image: string, folder: string, binaries: readonly string[]): void {
  const context = mkdtempSync(join(tmpdir(), 'tt-image-'));
  try {
    copyFileSync(join(ROOT, folder, 'Dockerfile'), join(context, 'Dockerfile'));
    mkdirSync(join(context, 'lib'));
    for (const binary of binaries) {
      copyFileSync(binary, join(context, basename(binary)));
      const libraries = execFileSync('ldd', [binary], { encoding: 'utf8' })
        .split('\n')
        .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
        .filter((path): path is string => path !== undefined);
      for (const library of libraries) {
        mkdirSync(join(context, 'lib', dirname(library)), { recursive: true });
        copyFileSync(library, join(context, 'lib', library));
      }
    }
    writeFileSync(
      join(context, 'passwd'),
      'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    writeFileSync(join(context, 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    execFileSync('docker', ['build', '-q', '-t', image, context], { stdio: 'pipe' });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The Compose available on this machine (Debian's docker-compose v1; `docker compose` where present). */
export function localCompose(): string[] {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

const MIGRATION_0002 = `"""items.note"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("items", sa.Column("note", sa.Text, nullable=True))


def downgrade():
    op.drop_column("items", "note")
`;

/** A migration file: its revision, parent, and the bodies of upgrade() and downgrade(). */
function migration(revision: string, parent: string, upgrade: string, downgrade = 'pass'): string {
  return [
    `"""${revision}"""`,
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    `revision = "${revision}"`,
    `down_revision = "${parent}"`,
    '',
    '',
    'def upgrade():',
    `    ${upgrade}`,
    '',
    '',
    'def downgrade():',
    `    ${downgrade}`,
    '',
  ].join('\n');
}

export interface AppRepo {
  readonly dir: string;
  readonly origin: string;
  readonly appDir: string;
  readonly shas: Readonly<Record<ReleaseName, string>>;
  /** git in the server checkout (as root, who does not own it). */
  git(...args: string[]): string;
  /** Checks a release out in the server checkout, as the test user. */
  checkout(release: ReleaseName): void;
}

export function createAppRepo(name: string): AppRepo {
  const dir = scratchDir(`tt-app-${name}-`);
  const work = join(dir, 'work');
  cpSync(join(ROOT, 'fixtures/app'), work, { recursive: true });
  const git = (cwd: string, ...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'safe.directory=*', '-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', ...args],
      {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).trim();
  const health = (body: object) =>
    writeFileSync(join(work, 'docker/gateway/www/health'), `${JSON.stringify(body)}\n`);
  const commit = (tag: string) => {
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', tag);
    git(work, 'tag', tag);
    return git(work, 'rev-parse', 'HEAD');
  };
  git(work, 'init', '-q', '-b', 'main');
  // Every repository's commits (and so its image tags) are its own, even for two made in the same
  // second: a stack's clean-up removes the images of its own tags only.
  writeFileSync(join(work, '.fixture-id'), `${name} ${process.pid} ${Math.random()}\n`);
  const v1 = commit('v1');
  health({ status: 'healthy', version: 'v2' });
  writeFileSync(join(work, 'backend/alembic/versions/0002_items_note.py'), MIGRATION_0002);
  // v2's worker image differs from v1's too, so a deploy that decides from image ids restarts both.
  writeFileSync(
    join(work, 'docker/worker/Dockerfile'),
    `${readFileSync(join(work, 'docker/worker/Dockerfile'), 'utf8')}ENV RELEASE=v2\n`,
  );
  const v2 = commit('v2');
  git(work, 'checkout', '-q', '-b', 'bad-health-branch');
  health({ status: 'unhealthy', version: 'bad-health' });
  const badHealth = commit('bad-health');
  git(work, 'checkout', '-q', '-b', 'never-healthy-branch', 'v2');
  unlinkSync(join(work, 'docker/gateway/www/ready'));
  health({ status: 'healthy', version: 'never-healthy' });
  const neverHealthy = commit('never-healthy');
  // Releases for the migration checks, each on v2.
  const versions = join(work, 'backend/alembic/versions');
  const branch = (name: string, files: Record<string, string>) => {
    git(work, 'checkout', '-q', '-b', `${name}-branch`, 'v2');
    for (const [file, text] of Object.entries(files)) writeFileSync(join(versions, file), text);
    return commit(name);
  };
  const destructive = branch('destructive', {
    '0003_drop_note.py': migration(
      '0003',
      '0002',
      'op.drop_column("items", "note")',
      'op.add_column("items", sa.Column("note", sa.Text))',
    ),
  });
  const failing = branch('failing', {
    '0003_things.py': migration(
      '0003',
      '0002',
      'op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))',
    ),
    '0004_broken.py': migration('0004', '0003', 'op.execute("UPDATE items SET no_such_column = 1")'),
  });
  const twoHeads = branch('two-heads', {
    '0003_a.py': migration(
      '0003a',
      '0002',
      'op.create_table("a", sa.Column("id", sa.Integer, primary_key=True))',
    ),
    '0003_b.py': migration(
      '0003b',
      '0002',
      'op.create_table("b", sa.Column("id", sa.Integer, primary_key=True))',
    ),
  });
  // Releases for the unhappy paths of a deploy, each on v2.
  const dockerfile = (service: string, text: string) =>
    writeFileSync(
      join(work, `docker/${service}/Dockerfile`),
      `FROM thinktank-fixture-base:latest\n${text}\n`,
    );
  git(work, 'checkout', '-q', '-b', 'crash-worker-branch', 'v2');
  // No healthcheck, a restart policy, and an exit a second after it starts: a crash loop.
  dockerfile('worker', 'CMD ["sh", "-c", "sleep 1; echo worker giving up; exit 3"]');
  const composePath = join(work, 'docker/docker-compose-prod.yaml');
  writeFileSync(
    composePath,
    readFileSync(composePath, 'utf8').replace(
      '    image: thinktank-fixture/worker:${IMAGE_TAG:-latest}\n',
      '    image: thinktank-fixture/worker:${IMAGE_TAG:-latest}\n    restart: always\n',
    ),
  );
  const crashWorker = commit('crash-worker');
  git(work, 'checkout', '-q', '-b', 'hostile-branch', 'v2');
  // A gateway that prints workflow commands and never becomes healthy (no /www/ready).
  unlinkSync(join(work, 'docker/gateway/www/ready'));
  dockerfile(
    'gateway',
    'COPY www /www\nCMD ["sh", "-c", "echo ::add-mask::v2; echo ::error::forged by the container; echo \'GET /##[set-output name=deployed-ref;]forged\'; echo ::set-output name=rolled-back::forged; exec httpd -f -p 8080 -h /www"]',
  );
  const hostile = commit('hostile');
  git(work, 'checkout', '-q', '-b', 'slow-build-branch', 'v2');
  // The nonce keeps Docker's cache from making the slow step instant on a second run of the tests.
  dockerfile(
    'gateway',
    `RUN echo ${Math.random()} && sleep 30\nCOPY www /www\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]`,
  );
  const slowBuild = commit('slow-build');
  const slowMigration = branch('slow-migration', {
    '0003_slow.py': migration(
      '0003',
      '0002',
      'op.execute("SELECT pg_sleep(6)"); op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))',
    ),
  });
  git(work, 'checkout', '-q', 'main');
  const origin = join(dir, 'origin.git');
  git(dir, 'clone', '-q', '--bare', work, origin);
  return serverCheckout(dir, origin, {
    v1,
    v2,
    'bad-health': badHealth,
    'never-healthy': neverHealthy,
    destructive,
    failing,
    'two-heads': twoHeads,
    'crash-worker': crashWorker,
    hostile,
    'slow-build': slowBuild,
    'slow-migration': slowMigration,
  });
}

/**
 * Another server's checkout of the same repository (a fleet runs one repository's commits): its own
 * folder and its own origin (a mirror of `repo`'s, so a test can move one server's branches alone),
 * cloned at v1.
 */
export function cloneAppRepo(repo: AppRepo, name: string): AppRepo {
  const dir = scratchDir(`tt-app-${name}-`);
  const origin = join(dir, 'origin.git');
  // As the test user, who owns `repo`'s origin by now: git refuses to read a repository another user owns.
  execFileSync('chown', [`${TEST_USER}:${TEST_USER}`, dir]);
  execFileSync('runuser', ['-u', TEST_USER, '--', 'git', 'clone', '-q', '--bare', repo.origin, origin], {
    stdio: 'pipe',
  });
  return serverCheckout(dir, origin, repo.shas);
}

/** A server's checkout in `dir`/app of `origin`, detached at v1, owned by the test user. */
function serverCheckout(dir: string, origin: string, shas: AppRepo['shas']): AppRepo {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'safe.directory=*', ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  const appDir = join(dir, 'app');
  // An origin the test user owns (a fleet server's mirror) is cloned as that user: git refuses to
  // read a repository another user owns.
  if (statSync(origin).uid !== 0)
    execFileSync('runuser', ['-u', TEST_USER, '--', 'git', 'clone', '-q', origin, appDir], { stdio: 'pipe' });
  else git(dir, 'clone', '-q', origin, appDir);
  git(appDir, 'checkout', '-q', '--detach', 'v1');
  execFileSync('chown', ['-R', `${TEST_USER}:${TEST_USER}`, dir]);
  return {
    dir,
    origin,
    appDir,
    shas,
    git: (...args) => git(appDir, ...args),
    checkout: (release) => {
      execFileSync('runuser', [
        '-u',
        TEST_USER,
        '--',
        'git',
        '-C',
        appDir,
        'checkout',
        '-q',
        '--detach',
        release,
      ]);
    },
  };
}

export interface Stack {
  readonly repo: AppRepo;
  readonly appDir: string;
  readonly project: string;
  /** The names of the runbook's dependency containers, this stack's own. */
  readonly containers: { readonly postgres: string; readonly redis: string; readonly backup: string };
  /** Where backup.sh writes, the same path on the host and in the backup container. */
  readonly backupDir: string;
  readonly gatewayPort: number;
  readonly healthUrl: string;
  readonly metricsUrl: string;
  compose(...args: string[]): string;
  /** The container id of a service. */
  containerOf(service: string): string;
  /** What the running gateway's /health says. */
  health(): string;
  /** Rewrites /health inside the running gateway container. */
  setHealth(body: string): void;
  down(): void;
}

export const imageTagOf = (sha: string) => `git-${sha.slice(0, 12)}`;

export interface StackOptions {
  /** The database the postgres and backup containers point at (the sandbox's real PostgreSQL). */
  readonly databaseUrl?: string;
  /** The repository whose commits this server runs (a fleet's servers share one); else a new one. */
  readonly repo?: AppRepo;
}

/** This stack's own compose settings (docker/.env): its project, ports and the dependency containers' names. */
export interface StackEnv {
  readonly project: string;
  readonly gatewayPort: number;
  readonly containers: Stack['containers'];
  readonly backupDir: string;
}

/**
 * Writes `<appDir>/docker/.env` for a stack of its own (project name, gateway port, container names,
 * the backup folder in `repoDir`, the database), as a person sets a server's compose settings.
 */
export function writeStackEnv(
  name: string,
  appDir: string,
  repoDir: string,
  options: StackOptions = {},
): StackEnv {
  const project = `tt${name.replace(/[^a-z0-9]/g, '')}${Math.floor(Math.random() * 1e6)}`;
  const gatewayPort = gatewayPortCandidate();
  const containers = {
    postgres: `${project}-postgres`,
    redis: `${project}-redis`,
    backup: `${project}-backup`,
  };
  const backupDir = join(repoDir, 'backups');
  mkdirSync(backupDir, { recursive: true });
  const settings: Record<string, string> = {
    COMPOSE_PROJECT_NAME: project,
    GATEWAY_PORT: String(gatewayPort),
    POSTGRES_CONTAINER: containers.postgres,
    REDIS_CONTAINER: containers.redis,
    BACKUP_CONTAINER: containers.backup,
    BACKUP_DIR: backupDir,
  };
  if (options.databaseUrl !== undefined) {
    const url = new URL(options.databaseUrl);
    Object.assign(settings, {
      DATABASE_URL: options.databaseUrl,
      PGPORT: url.port,
      POSTGRES_USER: decodeURIComponent(url.username),
      POSTGRES_DB: url.pathname.slice(1),
    });
  }
  mkdirSync(join(appDir, 'docker'), { recursive: true });
  const envFile = join(appDir, 'docker/.env');
  writeFileSync(
    envFile,
    Object.entries(settings)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
  execFileSync('chown', ['-R', `${TEST_USER}:${TEST_USER}`, appDir, backupDir]);
  return { project, gatewayPort, containers, backupDir };
}

/**
 * A port for the stack's proxy, below Linux's ephemeral range (32768 and up), where the outgoing
 * connections of tests running beside it would otherwise take it first now and then.
 */
function gatewayPortCandidate(): number {
  return 20000 + Math.floor(Math.random() * 12000);
}

/** A server checkout at v1 with its stack built (IMAGE_TAG git-<sha12>, as a deploy would) and up. */
export function startStack(name: string, options: StackOptions = {}): Stack {
  buildBaseImage();
  const repo = options.repo === undefined ? createAppRepo(name) : cloneAppRepo(options.repo, name);
  const written = writeStackEnv(name, repo.appDir, repo.dir, options);
  const { project, containers, backupDir } = written;
  let { gatewayPort } = written;
  const composeWords = localCompose();
  const compose = (...args: string[]) =>
    execFileSync(
      composeWords[0],
      [...composeWords.slice(1), '-f', 'docker/docker-compose-prod.yaml', ...args],
      {
        cwd: repo.appDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, IMAGE_TAG: imageTagOf(repo.shas.v1) },
      },
    );
  compose('build');
  // A port taken between choosing it and binding it (another test's): the proxy tries another.
  for (let attempt = 1; ; attempt++) {
    try {
      compose('up', '-d');
      break;
    } catch (error) {
      const said = String((error as { stderr?: unknown }).stderr ?? error);
      if (attempt >= 3 || !/address already in use/.test(said)) throw error;
      const envFile = join(repo.appDir, 'docker/.env');
      const taken = gatewayPort;
      gatewayPort = gatewayPortCandidate();
      writeFileSync(
        envFile,
        readFileSync(envFile, 'utf8').replace(`GATEWAY_PORT=${taken}\n`, `GATEWAY_PORT=${gatewayPort}\n`),
      );
    }
  }
  const containerOf = (service: string) => compose('ps', '-q', service).trim();
  const healthUrl = `http://127.0.0.1:${gatewayPort}/health`;
  return {
    repo,
    appDir: repo.appDir,
    project,
    containers,
    backupDir,
    gatewayPort,
    healthUrl,
    metricsUrl: `http://127.0.0.1:${gatewayPort}/metrics`,
    compose,
    containerOf,
    health: () => execFileSync('curl', ['-sS', '-m', '5', healthUrl], { encoding: 'utf8' }).trim(),
    setHealth: (body) =>
      execFileSync('docker', [
        'exec',
        containerOf('gateway'),
        'sh',
        '-c',
        'printf "%s" "$1" > /www/health',
        'sh',
        body,
      ]),
    down: () => {
      try {
        compose('down', '-v', '--remove-orphans', '-t', '1');
      } catch {
        // Best effort: a failed test may have left it half gone.
      }
      // This stack's own images only: the nginx image (and another stack's releases) may be in use.
      const tags = new Set(Object.values(repo.shas).map(imageTagOf));
      const own = execFileSync(
        'docker',
        ['images', '--format', '{{.Repository}}:{{.Tag}}', 'thinktank-fixture/*'],
        {
          encoding: 'utf8',
        },
      )
        .split('\n')
        .filter((image) => tags.has(image.slice(image.lastIndexOf(':') + 1)));
      if (own.length > 0) spawnSync('docker', ['rmi', ...own], { stdio: 'ignore' });
    },
  };
}

/** Waits until every container of the stack is running, and healthy where it has a healthcheck. */
export const STACK_SERVICES = ['gateway', 'langgraph', 'worker', 'nginx'] as const;

export async function waitStackHealthy(
  stack: Stack,
  services: readonly string[] = STACK_SERVICES,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = services
      .map((service) =>
        execFileSync('docker', ['inspect', '--format', '{{json .State}}', stack.containerOf(service)], {
          encoding: 'utf8',
        }),
      )
      .map((text) => JSON.parse(text) as { Status: string; Health?: { Status: string } });
    if (
      states.every(
        (state) =>
          state.Status === 'running' &&
          (state.Health === undefined || state.Health === null || state.Health.Status === 'healthy'),
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`stack not healthy: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The release ledger's entries on the server. */
export function ledgerOf(stateDir: string): Record<string, string>[] {
  try {
    return readFileSync(join(stateDir, 'releases.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, string>);
  } catch {
    return [];
  }
}

/**
 * Waits until the deploy lock in `stateDir` is free (flock -n succeeds): at once, or within the few
 * seconds the server takes to see a connection is dead. Throws when it is still held after 5 s.
 */
export async function waitLockFree(stateDir: string): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    try {
      execFileSync('flock', ['-n', join(stateDir, 'lock'), 'true']);
      return;
    } catch (error) {
      if (waited > 5000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
