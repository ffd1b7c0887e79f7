/**
 * A fleet of "servers" on this one machine, for the fleet end-to-end tests. Each server is a real
 * sshd of its own (user ttdeploy) running in a mount namespace of its own, in which the one
 * `app-dir` path of the fleet (/srv/ttfleet-...) is a bind mount of that server's own checkout (under
 * /tmp) and /etc/hosts names that server's own web address, so the fleet's one `health-url`
 * (http://ttfleet-web:PORT/health) reaches each server's own nginx: a small TCP relay in the test
 * process listens on a loopback address of the server's own, on the fleet's one port, and forwards to
 * that server's nginx container. Every server runs its own stack (project name, container names,
 * port); all share ONE PostgreSQL database, as a real fleet does.
 *
 * docker-compose runs inside a server's namespace, but dockerd resolves bind-mount sources in the root
 * namespace: each server's docker/.env sets NGINX_CONF to the root-namespace path of its own
 * nginx.conf (the fixture compose file reads it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { startPostgres, type Postgres } from './postgres';
import {
  makeUserKey,
  scratchDir,
  startSshd,
  TEST_USER,
  type Sshd,
  type SshdOptions,
  type UserKey,
} from './sshd';
import { createAppRepo, startStack, waitStackHealthy, type Stack } from './stack';

export const WEB_NAME = 'ttfleet-web';

export interface FleetServer {
  readonly index: number;
  readonly sshd: Sshd;
  readonly stack: Stack;
  /** How the actions name this host in logs: `address:port`. */
  readonly label: string;
  /** The `host` entry for this server. */
  readonly entry: string;
  /** The checked-out commit of this server's checkout. */
  head(): string;
  /** The image of a service's running container. */
  imageOf(service: string): string;
  /** Container ids of the stack's services, by service. */
  containerIds(services?: readonly string[]): Record<string, string>;
  /** The release ledger of this server (`<checkout>/.deploy/releases.jsonl`). */
  ledger(): Record<string, string>[];
  /** Creates (or moves) a branch in this server's origin, pointing at a commit. */
  publishBranch(branch: string, sha: string): void;
}

export interface Fleet {
  readonly servers: readonly FleetServer[];
  readonly key: UserKey;
  readonly pg: Postgres;
  /** The fleet's one app-dir: in each server's namespace, that server's own checkout. */
  readonly appDir: string;
  readonly healthUrl: string;
  /** known_hosts lines of every server. */
  readonly knownHosts: string;
  readonly alembic: string;
  readonly backupCommand: string;
  /** The database's alembic revision. */
  revision(): string;
  /** Connection and deploy inputs for `servers` (default: all) as one fleet. */
  inputs(extra?: Record<string, string>, servers?: readonly FleetServer[]): Record<string, string>;
  /**
   * What went wrong relaying health-url requests to the servers' nginx since the last call: a
   * container without a network address means the engine's networking was disturbed (another test's
   * `docker swarm init`/`leave` detaches running containers from their networks), not the actions.
   */
  relayProblems(): string[];
  /** Another sshd, in the root namespace, trusting the fleet's key (a bastion, say). */
  extraSshd(options?: Partial<SshdOptions>): Promise<Sshd>;
  stop(): Promise<void>;
}

/**
 * A TCP relay on `address`:`port` to a stack's nginx container, by its address on the stack's network
 * (looked up for each connection): not through the published port, which another test's
 * `docker swarm init`/`leave` on the same engine drops for a while.
 */
function relay(address: string, port: number, container: string, problems: Set<string>): Promise<Server> {
  const server = createServer((client) => {
    client.pause();
    execFile(
      'docker',
      ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', container],
      (error, stdout) => {
        const ip = stdout?.trim().split(' ')[0];
        if (error || !ip) {
          // Seen when another test's `docker swarm init`/`leave` detached the container from its network.
          problems.add(`${container} has no network address (${error?.message.trim() ?? 'no IP'})`);
          client.destroy();
          return;
        }
        const upstream = createConnection({ host: ip, port: 80 });
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        client.on('error', () => upstream.destroy());
        upstream.on('error', (failure) => {
          problems.add(`${container} at ${ip}: ${failure.message}`);
          client.destroy();
        });
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

const randomOctet = () => Math.floor(Math.random() * 250) + 2;

export async function startFleet(name: string, count: number): Promise<Fleet> {
  const unique = `${name}${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const root = scratchDir(`tt-fleet-${name}-`);
  const key = makeUserKey(root, 'id_ed25519', 'ed25519');
  const pg = await startPostgres();
  const appDir = `/srv/ttfleet-${unique}`;
  mkdirSync(appDir, { recursive: true });
  const backupDir = join(root, 'backups');
  mkdirSync(backupDir);
  execFileSync('chown', [`${TEST_USER}:${TEST_USER}`, backupDir]);
  const alembic = `cd backend && DATABASE_URL=${pg.url} /usr/bin/python3 -m alembic`;

  // The fleet's one web port, on an address of each server's own.
  const relays: Server[] = [];
  const problems = new Set<string>();
  let webPort = 0;
  const addresses: string[] = [];
  const stacks: Stack[] = [];
  const sshds: Sshd[] = [];
  try {
    // One repository, as a real fleet has: every server runs the same commits.
    const repo = createAppRepo(`fleet${unique}`);
    for (let index = 0; index < count; index++)
      stacks.push(startStack(`fleet${index + 1}`, { databaseUrl: pg.url, repo }));
    for (const stack of stacks) {
      appendFileSync(
        join(stack.appDir, 'docker/.env'),
        `NGINX_CONF=${join(stack.appDir, 'docker/nginx/nginx.conf')}\n`,
      );
    }
    // The shared database at v1's head, with a row in it.
    execFileSync('sh', ['-c', `${alembic} upgrade head`], { cwd: stacks[0].appDir, stdio: 'pipe' });
    pg.sql("INSERT INTO items (name) VALUES ('fleet row')");
    for (let tries = 0; relays.length < count; tries++) {
      for (const server of relays.splice(0)) server.close();
      addresses.splice(0);
      webPort = 20000 + Math.floor(Math.random() * 40000);
      try {
        for (const stack of stacks) {
          const address = `127.${randomOctet()}.${randomOctet()}.${randomOctet()}`;
          relays.push(await relay(address, webPort, `${stack.project}_nginx_1`, problems));
          addresses.push(address);
        }
      } catch (error) {
        if (tries > 5) throw error;
      }
    }
    const hostsBase = readFileSync('/etc/hosts', 'utf8');
    for (const [index, stack] of stacks.entries()) {
      const hosts = join(root, `hosts${index + 1}`);
      writeFileSync(hosts, `${hostsBase.trimEnd()}\n${addresses[index]} ${WEB_NAME}\n`, { mode: 0o644 });
      sshds.push(
        await startSshd({
          authorizedKeys: [key.publicKey],
          wrap: (argv) => [
            'unshare',
            '-m',
            '--propagation',
            'private',
            'sh',
            '-c',
            'mount --bind "$1" "$2" && mount --bind "$3" /etc/hosts && shift 3 && exec "$@"',
            'sh',
            stack.appDir,
            appDir,
            hosts,
            ...argv,
          ],
        }),
      );
    }
    await Promise.all(stacks.map((stack) => waitStackHealthy(stack)));
  } catch (error) {
    for (const server of relays) server.close();
    for (const stack of stacks) stack.down();
    await Promise.all(sshds.map((sshd) => sshd.stop()));
    pg.stop();
    throw error;
  }
  const extra: Sshd[] = [];
  const servers = stacks.map((stack, index): FleetServer => {
    const sshd = sshds[index];
    const label = `${sshd.address}:${sshd.port}`;
    const inspect = (format: string, container: string) =>
      execFileSync('docker', ['inspect', '--format', format, container], { encoding: 'utf8' }).trim();
    return {
      index,
      sshd,
      stack,
      label,
      entry: label,
      head: () => stack.repo.git('rev-parse', 'HEAD'),
      imageOf: (service) => inspect('{{.Config.Image}}', stack.containerOf(service)),
      containerIds: (services = ['gateway', 'langgraph', 'worker', 'nginx']) =>
        Object.fromEntries(services.map((service) => [service, stack.containerOf(service)])),
      ledger: () => {
        try {
          return readFileSync(join(stack.appDir, '.deploy/releases.jsonl'), 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as Record<string, string>);
        } catch {
          return [];
        }
      },
      publishBranch: (branch, sha) =>
        execFileSync('runuser', [
          '-u',
          TEST_USER,
          '--',
          'git',
          '-C',
          stack.repo.origin,
          'branch',
          '-f',
          branch,
          sha,
        ]),
    };
  });
  const knownHosts = servers.map((server) => server.sshd.knownHostsLine()).join('\n');
  const backupCommand = `BACKUP_DIR=${backupDir} DATABASE_URL=${pg.url} sh scripts/backup.sh`;
  return {
    servers,
    key,
    pg,
    appDir,
    healthUrl: `http://${WEB_NAME}:${webPort}/health`,
    knownHosts,
    alembic,
    backupCommand,
    revision: () => pg.sql('SELECT version_num FROM alembic_version'),
    relayProblems: () => {
      const seen = [...problems];
      problems.clear();
      return seen;
    },
    inputs: (more = {}, chosen = servers) => ({
      host: chosen.map((server) => server.entry).join(','),
      username: TEST_USER,
      'private-key': key.privateKey,
      'known-hosts': knownHosts,
      'connect-retries': '0',
      'connect-timeout': '10',
      'app-dir': appDir,
      services: 'gateway,worker',
      'health-url': `http://${WEB_NAME}:${webPort}/health`,
      'wait-timeout': '20',
      'migrate-service': '',
      'alembic-command': alembic,
      'backup-command': backupCommand,
      'lock-timeout': '60',
      environment: 'staging',
      ...more,
    }),
    extraSshd: async (options = {}) => {
      const sshd = await startSshd({ authorizedKeys: [key.publicKey], ...options });
      extra.push(sshd);
      return sshd;
    },
    stop: async () => {
      for (const server of relays) server.close();
      for (const stack of stacks) stack.down();
      await Promise.all([...sshds, ...extra].map((sshd) => sshd.stop()));
      pg.stop();
      // Only an empty mount point in this namespace (the bind mounts live in the servers' namespaces).
      rmdirSync(appDir);
      rmSync(root, { recursive: true, force: true });
      for (const stack of stacks) rmSync(stack.repo.dir, { recursive: true, force: true });
    },
  };
}
