import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alembicCommandLine, type MigrationSettings } from '../../packages/shared/src/migrate/alembic';
import { renderScript } from '../../packages/shared/src/shell';
import type { RemoteSession } from '../../packages/shared/src/ssh/session';
import { envFileText, migrateServiceConfig, oneOffRun } from '../../packages/shared/src/swarm/migrate';
import {
  STACK_ENV_SCRIPT,
  judgeProgress,
  parseStackState,
  replicaRows,
  stackDeployCommand,
  withStackEnv,
  tagOfImage,
  updateStatuses,
  type SwarmState,
  type UpdateStatus,
} from '../../packages/shared/src/swarm/state';

const service = (name: string, image: string, replicas: number | undefined, update?: object) =>
  JSON.stringify({
    ID: `id-${name}`,
    Spec: {
      Name: `st_${name}`,
      Labels: { 'com.docker.stack.namespace': 'st' },
      Mode: replicas === undefined ? { Global: {} } : { Replicated: { Replicas: replicas } },
      TaskTemplate: { ContainerSpec: { Image: image } },
    },
    ...(update === undefined ? {} : { UpdateStatus: update }),
  });
const task = (name: string, image: string, state: string, desired = 'running', err = '') =>
  JSON.stringify({
    ID: `t-${Math.random()}`,
    ServiceID: `id-${name}`,
    DesiredState: desired,
    Status: { State: state, ...(err ? { Err: err } : {}) },
    Spec: { ContainerSpec: { Image: image } },
  });
const stateOf = (services: string[], tasks: string[]): SwarmState =>
  parseStackState([...services, '--tasks--', ...tasks, 'not json'].join('\n'), 'st');

describe('swarm state', () => {
  it('parses services (stack prefix cut, replicated and global) and tasks', () => {
    const state = stateOf(
      [service('web', 'r/web:v2@sha256:abc', 2), service('agent', 'r/agent:v2', undefined)],
      [task('web', 'r/web:v2@sha256:abc', 'running')],
    );
    expect(state.services.map((s) => [s.service, s.replicas, s.updateStatus])).toEqual([
      ['agent', undefined, undefined],
      ['web', 2, undefined],
    ]);
    expect(state.tasks).toHaveLength(1);
  });

  it.each([
    ['r/web:v2', 'v2'],
    ['r/web:v2@sha256:abc', 'v2'],
    ['registry:5000/r/web', ''],
    ['registry:5000/r/web:t-1', 't-1'],
  ])('tag of %s is %j', (image, tag) => expect(tagOfImage(image)).toBe(tag));

  const old: UpdateStatus = {
    state: 'rollback_completed',
    startedAt: '2026-01-01T00:00:00Z',
    message: 'old',
  };
  const before = new Map([['st_web', old]]);
  it.each([
    [
      'never updated, every replica on the spec image',
      [service('web', 'r/web:v2', 2)],
      [task('web', 'r/web:v2', 'running'), task('web', 'r/web:v2', 'running')],
      'converged',
      '2/2 running r/web:v2',
    ],
    [
      'spec changed, tasks not yet (status reset by the manager)',
      [service('web', 'r/web:v3', 2)],
      [task('web', 'r/web:v2', 'running'), task('web', 'r/web:v2', 'running')],
      'pending',
      '0/2 running r/web:v3',
    ],
    [
      'updating',
      [service('web', 'r/web:v3', 2, { State: 'updating', StartedAt: 'now' })],
      [task('web', 'r/web:v3', 'running'), task('web', 'r/web:v2', 'running')],
      'pending',
      'updating (1/2 running r/web:v3)',
    ],
    [
      'completed, the old task still stopping',
      [service('web', 'r/web:v3', 1, { State: 'completed', StartedAt: 'now' })],
      [task('web', 'r/web:v3', 'running'), task('web', 'r/web:v2', 'running', 'shutdown')],
      'pending',
      '1/1 running r/web:v3, 1 old stopping',
    ],
    [
      'completed',
      [service('web', 'r/web:v3', 1, { State: 'completed', StartedAt: 'now' })],
      [task('web', 'r/web:v3', 'running'), task('web', 'r/web:v2', 'shutdown', 'shutdown')],
      'converged',
      'updated, 1/1 running r/web:v3',
    ],
    [
      'rolled back by Swarm in this deploy',
      [
        service('web', 'r/web:v2', 1, {
          State: 'rollback_completed',
          StartedAt: 'now',
          Message: 'update rolled back',
        }),
      ],
      [task('web', 'r/web:v2', 'running')],
      'failed',
      'rolled back by Swarm: update rolled back',
    ],
    [
      'paused',
      [service('web', 'r/web:v3', 1, { State: 'paused', StartedAt: 'now', Message: 'task failed' })],
      [],
      'failed',
      'update paused by Swarm: task failed',
    ],
    [
      "an old rollback (before this deploy) is not this deploy's",
      [service('web', 'r/web:v2', 1, { State: old.state, StartedAt: old.startedAt, Message: 'old' })],
      [task('web', 'r/web:v2', 'running')],
      'converged',
      '1/1 running r/web:v2',
    ],
  ])('%s', (_name, services, tasks, phase, words) => {
    const [progress] = judgeProgress(stateOf(services, tasks), before);
    expect([progress.phase, progress.state]).toEqual([phase, words]);
  });

  it('health rows: desired vs running per service', () => {
    const state = stateOf(
      [service('web', 'r/web:v2', 2), service('worker', 'r/worker:v2', 1)],
      [
        task('web', 'r/web:v2', 'running'),
        task('web', 'r/web:v2', 'running'),
        task('worker', 'r/worker:v2', 'pending'),
      ],
    );
    expect(replicaRows(state)).toEqual([
      { service: 'web', value: '2/2 running (r/web:v2)', ok: true },
      { service: 'worker', value: '0/1 running (r/worker:v2)', ok: false },
    ]);
    expect(updateStatuses(state).size).toBe(2);
  });
});

describe('swarm commands', () => {
  it("docker stack deploy: resolve-image, the compose file in app-dir, IMAGE_TAG; run with the stack's .env", () => {
    const connection = {
      appDir: '/opt/app/',
      composeFile: 'docker/stack.yaml',
      stackName: 'prod',
      resolveImage: 'never',
    } as const;
    const command = stackDeployCommand(connection, "v1;$(id)'");
    expect(renderScript(command)).toBe(
      `cd '/opt/app/' && export IMAGE_TAG='v1;$(id)'\\''' && exec 'docker' 'stack' 'deploy' '--resolve-image' 'never' '-c' '/opt/app/docker/stack.yaml' 'prod'`,
    );
    expect(withStackEnv(connection, command).argv).toEqual([
      'sh',
      '-c',
      STACK_ENV_SCRIPT,
      'sh',
      '/opt/app/docker/.env',
      "v1;$(id)'",
      'docker',
      'stack',
      'deploy',
      '--resolve-image',
      'never',
      '-c',
      '/opt/app/docker/stack.yaml',
      'prod',
    ]);
  });

  it('reads the migrate service image and environment (map or list) from docker stack config', () => {
    expect(
      migrateServiceConfig(
        'services:\n  gateway:\n    image: r/gw:v2\n    environment:\n      A: "1"\n      B: x=y\n      C: null\n',
        'gateway',
      ),
    ).toEqual({ image: 'r/gw:v2', env: { A: '1', B: 'x=y' } });
    expect(
      migrateServiceConfig(
        'services:\n  gateway:\n    image: r/gw:v2\n    environment: [A=1, "B=x y"]\n',
        'gateway',
      ),
    ).toEqual({ image: 'r/gw:v2', env: { A: '1', B: 'x y' } });
    expect(migrateServiceConfig('services:\n  other:\n    image: r\n', 'gateway')).toBeUndefined();
  });

  it('runs alembic in a one-off docker run on the stack network, the environment in a file, every word intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttswarm-unit-'));
    try {
      // A docker that prints its arguments, one a line.
      writeFileSync(join(dir, 'docker'), '#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n');
      chmodSync(join(dir, 'docker'), 0o755);
      const place = {
        session: { runToken: 'tok' } as RemoteSession,
        appDir: dir,
        composeFile: 'stack.yaml',
        compose: undefined,
        oneOff: oneOffRun('st_default', 'r/gw:v2', '/srv/app/.deploy/migrate-env.AbC123'),
        env: { IMAGE_TAG: 'v2' },
      };
      const settings: MigrationSettings = {
        migrateService: 'gateway',
        alembicCommand: 'cd backend && alembic',
        backup: true,
        backupCommand: 'true',
        allowDestructive: false,
      };
      const text = alembicCommandLine(place, settings, ['upgrade', '0001:head', '--sql']);
      const out = execFileSync('/bin/bash', ['--norc', '--noprofile', '-c', text], {
        encoding: 'utf8',
        env: { PATH: `${dir}:/usr/bin:/bin` },
      });
      expect(out.trim().split('\n')).toEqual(
        [
          'run',
          '--rm',
          '--label',
          'tt.run=tok',
          '--network',
          'st_default',
          '--env-file',
          '/srv/app/.deploy/migrate-env.AbC123',
          'r/gw:v2',
          'sh',
          '-c',
          "cd backend && alembic 'upgrade' '0001:head' '--sql'",
        ].map((word) => `[${word}]`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the environment for --env-file literally, refusing a value with a line break', () => {
    expect(envFileText({ DB: "postgres://u:p'w@db/x", EMPTY: '', SPACED: ' a b ' })).toBe(
      "DB=postgres://u:p'w@db/x\nEMPTY=\nSPACED= a b \n",
    );
    expect(() => envFileText({ KEY: 'line1\nline2' })).toThrow(/KEY .*cannot go in an env file/);
  });
});

describe("the stack's .env for docker stack (which reads none)", () => {
  it('exports it as compose reads it, values taken literally, IMAGE_TAG the run’s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttswarm-env-'));
    try {
      writeFileSync(
        join(dir, '.env'),
        `# a comment\nDB_PASSWORD="p a$s's"\nJWT='x"y'\r\nexport PLAIN=a=b\n1BAD=x\nIMAGE_TAG=nope\nLAST=$(id)`,
      );
      const out = execFileSync(
        'sh',
        [
          '-c',
          STACK_ENV_SCRIPT,
          'sh',
          join(dir, '.env'),
          'v9',
          'sh',
          '-c',
          'printf "[%s]\\n" "$DB_PASSWORD" "$JWT" "$PLAIN" "$IMAGE_TAG" "$LAST"; env | grep -c "^1BAD" || true',
        ],
        { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } },
      );
      expect(out.split('\n')).toEqual(["[p a$s's]", '[x"y]', '[a=b]', '[v9]', '[$(id)]', '0', '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
