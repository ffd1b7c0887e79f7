/**
 * A single-node Docker Swarm for the swarm tests: the engine made a manager when it was not one (and
 * left again afterwards, so the engine is as it was found), the fixture stack's images built locally
 * per release (no registry: deployed with resolve-image never), and a git repository of the stack's
 * compose file (fixtures/swarm) checked out on the "server" as the test user. Every name starts
 * with `ttswarm`, so nothing of other tests running on the same engine is touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './runner';
import { TEST_USER, scratchDir } from './sshd';
import { buildBaseImage } from './stack';

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Makes the engine a single-node swarm when it is not in one; `leave()` undoes only what was done. */
export function joinSwarm(): { readonly initialised: boolean; leave(): void } {
  const state = docker('info', '--format', '{{.Swarm.LocalNodeState}}');
  const initialised = state === 'inactive';
  // `swarm init` creates the docker_gwbridge network and `swarm leave` keeps it: removed on leaving
  // when it was not there before.
  const hadBridge = docker('network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$') !== '';
  if (initialised) docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
  else if (state !== 'active')
    throw new Error(`the engine's swarm state is ${state}: neither inactive nor active`);
  return {
    initialised,
    leave: () => {
      if (!initialised) return;
      spawnSync('docker', ['swarm', 'leave', '--force'], { stdio: 'ignore' });
      if (!hadBridge) spawnSync('docker', ['network', 'rm', 'docker_gwbridge'], { stdio: 'ignore' });
    },
  };
}

export type SwarmRelease = 'v1' | 'v2' | 'bad';

export interface SwarmFixture {
  readonly stack: string;
  readonly appDir: string;
  readonly port: number;
  readonly healthUrl: string;
  /** The image tag each release was built with (unique to this run). */
  readonly tags: Readonly<Record<SwarmRelease, string>>;
  /** The db stand-in's image (one tag for every release: deploys leave it running). */
  readonly dbImage: string;
  /** What the db stand-in says the schema revision is (the migration changes it). */
  revision(): string;
  /** The file the test's backup command names (in the fixture's folder, the test user's). */
  readonly backupFile: string;
  readonly shas: Readonly<Record<SwarmRelease, string>>;
  /** `docker stack services`: service name (without the stack prefix) → `running/desired` and image. */
  services(): Record<string, { replicas: string; image: string }>;
  /** What nginx answers on the published port for /health. */
  health(): string;
  /** Removes the stack (waiting until its tasks and network are gone) and this run's images. */
  remove(): Promise<void>;
}

const IMAGES = ['gateway', 'worker', 'nginx'] as const;

/** Builds the three images of a release, tagged `tag`. */
function buildRelease(release: SwarmRelease, tag: string): void {
  for (const image of IMAGES) {
    const context = mkdtempSync(join(tmpdir(), 'ttswarm-image-'));
    try {
      cpSync(join(ROOT, 'fixtures/swarm', image), context, { recursive: true });
      if (image === 'gateway') {
        execFileSync('mkdir', ['-p', join(context, 'www')]);
        writeFileSync(
          join(context, 'www/health'),
          `${JSON.stringify({ status: 'healthy', version: release })}\n`,
        );
      }
      const args = ['build', '-q', '-t', `ttswarm/${image}:${tag}`, '--build-arg', `RELEASE=${release}`];
      if (image === 'gateway') args.push('--build-arg', `FAIL=${release === 'bad' ? 1 : 0}`);
      execFileSync('docker', [...args, context], { stdio: 'pipe' });
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
}

/** A secret in the stack's .env: it must reach the services, and never the log. */
export const SWARM_APP_SECRET = 's3cr3t value from .env';

export function createSwarmFixture(): SwarmFixture {
  buildBaseImage();
  const id = `${process.pid}${Math.floor(Math.random() * 1e5)}`;
  const stack = `ttswarm${id}`;
  const port = 20000 + Math.floor(Math.random() * 40000);
  const tags = { v1: `v1-${id}`, v2: `v2-${id}`, bad: `bad-${id}` };
  for (const release of ['v1', 'v2', 'bad'] as const) buildRelease(release, tags[release]);
  const dbImage = `ttswarm/db:db-${id}`;
  execFileSync('docker', ['build', '-q', '-t', dbImage, join(ROOT, 'fixtures/swarm/db')], { stdio: 'pipe' });

  const dir = scratchDir('ttswarm-app-');
  const work = join(dir, 'work');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'safe.directory=*', '-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', ...args],
      { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
  execFileSync('mkdir', ['-p', work]);
  git(work, 'init', '-q', '-b', 'main');
  const compose = readFileSync(join(ROOT, 'fixtures/swarm/docker-compose.yaml'), 'utf8')
    .replace('published: PORT', `published: ${port}`)
    .replace('ttswarm/db:DBTAG', dbImage);
  const commit = (release: SwarmRelease) => {
    writeFileSync(join(work, 'docker-compose.yaml'), compose);
    writeFileSync(join(work, 'RELEASE'), `${release} ${id}\n`);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', release);
    git(work, 'tag', release);
    return git(work, 'rev-parse', 'HEAD');
  };
  const shas = { v1: commit('v1'), v2: commit('v2'), bad: commit('bad') };
  const origin = join(dir, 'origin.git');
  git(dir, 'clone', '-q', '--bare', work, origin);
  const appDir = join(dir, 'app');
  git(dir, 'clone', '-q', origin, appDir);
  git(appDir, 'checkout', '-q', '--detach', 'v1');
  // The server's own settings, beside the compose file and never in git, as the runbook keeps them.
  writeFileSync(join(appDir, '.env'), `APP_SECRET="${SWARM_APP_SECRET}"\n`, { mode: 0o600 });
  execFileSync('chown', ['-R', `${TEST_USER}:${TEST_USER}`, dir]);

  const healthUrl = `http://127.0.0.1:${port}/health`;
  return {
    stack,
    appDir,
    port,
    healthUrl,
    tags,
    shas,
    dbImage,
    backupFile: join(dir, 'backup.sql'),
    revision: () => {
      const task = execFileSync(
        'docker',
        ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${stack}_db`],
        { encoding: 'utf8' },
      ).trim();
      return execFileSync('docker', ['exec', task, 'sh', '-c', 'cat /tmp/rev 2>/dev/null || echo 0001'], {
        encoding: 'utf8',
      }).trim();
    },
    services: () => {
      const lines = spawnSync(
        'docker',
        ['stack', 'services', '--format', '{{.Name}}\t{{.Replicas}}\t{{.Image}}', stack],
        { encoding: 'utf8' },
      ).stdout;
      const found: Record<string, { replicas: string; image: string }> = {};
      for (const line of lines.split('\n')) {
        const [name, replicas, image] = line.split('\t');
        if (image !== undefined) found[name.slice(stack.length + 1)] = { replicas, image };
      }
      return found;
    },
    health: () => execFileSync('curl', ['-sS', '-m', '5', healthUrl], { encoding: 'utf8' }).trim(),
    remove: async () => {
      spawnSync('docker', ['stack', 'rm', stack], { stdio: 'ignore' });
      // `stack rm` returns before the tasks' containers and the network are gone.
      for (let waited = 0; waited < 60_000; waited += 500) {
        const left = spawnSync(
          'docker',
          ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stack}`],
          { encoding: 'utf8' },
        ).stdout.trim();
        const network = spawnSync('docker', ['network', 'ls', '-q', '--filter', `name=${stack}_`], {
          encoding: 'utf8',
        }).stdout.trim();
        if (left === '' && network === '') break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const images = [
        dbImage,
        ...Object.values(tags).flatMap((tag) => IMAGES.map((image) => `ttswarm/${image}:${tag}`)),
      ];
      spawnSync('docker', ['rmi', ...images], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
