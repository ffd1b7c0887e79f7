/**
 * The fixture stack on the local Docker engine: the base image (static busybox on scratch), and a
 * copy of fixtures/app in a scratch app-dir owned by the test user, brought up with compose.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './runner';
import { TEST_USER, scratchDir } from './sshd';

export const BASE_IMAGE = 'thinktank-fixture-base:latest';

/** Builds the base image once per machine (docker build's cache makes a rebuild instant). */
export function buildBaseImage(): void {
  const context = mkdtempSync(join(tmpdir(), 'tt-base-'));
  try {
    copyFileSync(join(ROOT, 'fixtures/base-image/Dockerfile'), join(context, 'Dockerfile'));
    copyFileSync('/bin/busybox', join(context, 'busybox'));
    execFileSync('docker', ['build', '-q', '-t', BASE_IMAGE, context], { stdio: 'pipe' });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export interface Stack {
  readonly appDir: string;
  readonly project: string;
  readonly gatewayPort: number;
  readonly healthUrl: string;
  readonly metricsUrl: string;
  compose(...args: string[]): string;
  /** The container id of a service. */
  containerOf(service: string): string;
  setHealth(body: string): void;
  down(): void;
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

export function startStack(name: string): Stack {
  buildBaseImage();
  const appDir = join(scratchDir(`tt-app-${name}-`), 'app');
  cpSync(join(ROOT, 'fixtures/app'), appDir, { recursive: true });
  const project = `tt${name.replace(/[^a-z0-9]/g, '')}${Math.floor(Math.random() * 1e6)}`;
  const gatewayPort = 20000 + Math.floor(Math.random() * 40000);
  writeFileSync(
    join(appDir, 'docker/.env'),
    `COMPOSE_PROJECT_NAME=${project}\nGATEWAY_PORT=${gatewayPort}\n`,
  );
  execFileSync('chown', ['-R', `${TEST_USER}:${TEST_USER}`, appDir]);
  const composeWords = localCompose();
  const compose = (...args: string[]) =>
    execFileSync(
      composeWords[0],
      [...composeWords.slice(1), '-f', 'docker/docker-compose-prod.yaml', ...args],
      {
        cwd: appDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  compose('up', '-d');
  const containerOf = (service: string) => compose('ps', '-q', service).trim();
  return {
    appDir,
    project,
    gatewayPort,
    healthUrl: `http://127.0.0.1:${gatewayPort}/health`,
    metricsUrl: `http://127.0.0.1:${gatewayPort}/metrics`,
    compose,
    containerOf,
    setHealth: (body) => writeFileSync(join(appDir, 'docker/www/health'), body),
    down: () => {
      try {
        compose('down', '-v', '--remove-orphans', '-t', '1');
      } catch {
        // Best effort: a failed test may have left it half gone.
      }
    },
  };
}

/** Waits until every container of the stack is running, and healthy where it has a healthcheck. */
export async function waitStackHealthy(
  stack: Stack,
  services: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = services.map((service) =>
      execFileSync(
        'docker',
        [
          'inspect',
          '--format',
          '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}',
          stack.containerOf(service),
        ],
        { encoding: 'utf8' },
      ).trim(),
    );
    if (states.every((state) => state === 'running healthy' || state === 'running none')) return;
    if (Date.now() > deadline) throw new Error(`stack not healthy: ${states.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
