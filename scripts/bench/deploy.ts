/**
 * The deploy benchmark: action-deploy v1 -> v2 on a fresh fixture server (sshd, PostgreSQL, the
 * four-service stack behind nginx, at v1) against the same deploy done by hand, each on its own fresh
 * server, in rotating order, after an untimed warm-up round:
 * - runbook: §3's Standard Update as written (its two `sleep 10`), with §4's backup first;
 * - verified floor: the same commands back to back, waiting after each `up` until that container is
 *   healthy (running, without a healthcheck; polled every 0.1 s on the server) and probing health-url
 *   once at the end: the least a deploy that proves every step must spend;
 * - plain floor: the same without any waiting or probe (reported only).
 * The manual methods run as one bash script over one OpenSSH connection: a person at a terminal,
 * with no round trips. Also: requests dropped through nginx, recreate vs start-first.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBundledAction } from '../../test/harness/runner';
import { startLoad, type LoadResult } from '../../test/harness/load';
import { imageTagOf, STACK_SERVICES } from '../../test/harness/stack';
import { startSandbox, type Sandbox } from '../../test/harness/sandbox';
import { opensshArgs } from '../../test/harness/sshd';
import { median } from './stats';

export type DeployMethod =
  'action-deploy' | 'action-deploy, min-uptime 0' | 'runbook' | 'verified floor' | 'plain floor';
export const DEPLOY_METHODS: readonly DeployMethod[] = [
  'action-deploy',
  // The floor's own standard for a container without a healthcheck (running); the default holds 5 s.
  'action-deploy, min-uptime 0',
  'runbook',
  'verified floor',
  'plain floor',
];
type ManualMethod = Exclude<DeployMethod, 'action-deploy' | 'action-deploy, min-uptime 0'>;

export interface DeployBenchResult {
  /** Seconds per fresh server, in the order run. */
  readonly seconds: Readonly<Record<DeployMethod, number[]>>;
  readonly median: Readonly<Record<DeployMethod, number>>;
  /** action-deploy's own stage timings (seconds) from its log, median per stage over the timed runs. */
  readonly stages: Readonly<Record<string, number>>;
}

const COMPOSE = 'docker-compose -f docker/docker-compose-prod.yaml';

/** The manual deploy as one bash script; `wait` adds the floor's health waits, `sleeps` the runbook's. */
function manualScript(sandbox: Sandbox, mode: ManualMethod): string {
  const { stack } = sandbox;
  const v2 = stack.repo.shas.v2;
  const verify = mode === 'verified floor';
  const lines = [
    'set -euo pipefail',
    `cd ${stack.appDir}`,
    `export IMAGE_TAG=${imageTagOf(v2)}`,
    // 1. Pull the code; 2. review it.
    `git fetch -q origin && git checkout -q --detach ${v2}`,
    'git log --oneline HEAD@{1}..HEAD >/dev/null && ls -la backend/alembic/versions/ >/dev/null',
    // 3. Build (in parallel, as action-deploy builds with compose v1).
    `${COMPOSE} build --parallel >/dev/null 2>&1`,
    // §4: backup, then 4. migrate.
    `${sandbox.backupCommand} >/dev/null`,
    `(${sandbox.alembic} upgrade head) >/dev/null 2>&1`,
    // Healthy, or running where there is no healthcheck.
    'ready() { local id; id=$(' +
      COMPOSE +
      ' ps -q "$1"); until case $(docker inspect -f "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}" $id) in healthy|running) true;; *) false;; esac; do sleep 0.1; done; }',
  ];
  // 5. Rolling restart, one service at a time.
  for (const service of STACK_SERVICES) {
    lines.push(`${COMPOSE} up -d --no-deps ${service} 2>/dev/null`);
    if (verify) lines.push(`ready ${service}`);
    if (mode === 'runbook' && (service === 'gateway' || service === 'langgraph')) lines.push('sleep 10');
  }
  // 6. Verify health.
  if (mode !== 'plain floor') lines.push(`curl -fsS ${stack.healthUrl} | grep -q '"healthy"'`);
  return lines.join('\n');
}

/** Runs `script` on the sandbox's server over one OpenSSH connection; resolves to its wall seconds. */
function overSsh(sandbox: Sandbox, script: string): Promise<number> {
  const { sshd, key } = sandbox;
  const knownHosts = join(sshd.dir, 'bench_known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', opensshArgs(sshd, key, knownHosts, [], 'bash -s'), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e9)
        : reject(new Error(`the manual deploy failed (exit ${code}):\n${output}`)),
    );
    child.stdin.end(script);
  });
}

async function deployOnce(
  sandbox: Sandbox,
  method: DeployMethod,
): Promise<{ seconds: number; stages: Record<string, number> }> {
  if (method !== 'action-deploy' && method !== 'action-deploy, min-uptime 0')
    return { seconds: await overSsh(sandbox, manualScript(sandbox, method)), stages: {} };
  const run = await runBundledAction(
    'action-deploy',
    sandbox.inputs({
      ref: 'v2',
      services: STACK_SERVICES.join(','),
      ...(method === 'action-deploy' ? {} : { 'min-uptime': '0' }),
    }),
  );
  if (run.code !== 0) throw new Error(`action-deploy failed:\n${run.stdout}`);
  const stages: Record<string, number> = {};
  for (const match of run.stdout.matchAll(/^([A-Z][^\n]*): (\d+\.\d)s$/gm)) {
    // "Restart gateway (why)" and "Check out 1a2b3c4d5e6f" name the same stage in every run.
    const name = match[1].replace(/\s*\(.*\)$/, '').replace(/\b[0-9a-f]{12}\b/g, '<sha>');
    stages[name] = (stages[name] ?? 0) + Number(match[2]);
  }
  const inStages = Object.values(stages).reduce((sum, value) => sum + value, 0);
  stages['(outside any stage: start, summary, exit)'] = Math.max(0, run.durationMs / 1000 - inStages);
  return { seconds: run.durationMs / 1000, stages };
}

/** `rounds` timed rounds (each method on its own fresh server, order rotating) after one untimed. */
export async function benchDeploy(
  rounds = 3,
  log: (line: string) => void = console.log,
): Promise<DeployBenchResult> {
  const seconds = Object.fromEntries(DEPLOY_METHODS.map((method) => [method, [] as number[]])) as Record<
    DeployMethod,
    number[]
  >;
  const stageRuns: Record<string, number>[] = [];
  for (let round = 0; round <= rounds; round++) {
    const order = DEPLOY_METHODS.map((_, i) => DEPLOY_METHODS[(i + round + 1) % DEPLOY_METHODS.length]);
    for (const method of order) {
      const sandbox = await startSandbox(`bench${round}`);
      try {
        const result = await deployOnce(sandbox, method);
        log(`  ${round === 0 ? 'warm-up' : `round ${round}`}: ${method} ${result.seconds.toFixed(2)} s`);
        if (round === 0) continue;
        seconds[method].push(result.seconds);
        if (method === 'action-deploy') stageRuns.push(result.stages);
      } finally {
        await sandbox.stop();
      }
    }
  }
  const stageNames = [...new Set(stageRuns.flatMap((stages) => Object.keys(stages)))];
  return {
    seconds,
    median: Object.fromEntries(DEPLOY_METHODS.map((method) => [method, median(seconds[method])])) as Record<
      DeployMethod,
      number
    >,
    stages: Object.fromEntries(
      stageNames.map((name) => [name, median(stageRuns.map((stages) => stages[name] ?? 0))]),
    ),
  };
}

export interface DroppedRequestsResult {
  readonly perSecond: number;
  readonly recreate: LoadResult;
  readonly startFirst: LoadResult;
}

/** Requests through nginx during v1 -> v2 (start-first) and back to v1 (recreate), one server. */
export async function benchDroppedRequests(perSecond = 50): Promise<DroppedRequestsResult> {
  const sandbox = await startSandbox('benchdrops');
  try {
    const base = sandbox.stack.healthUrl.replace(/\/health$/, '');
    const underLoad = async (ref: string, strategy: string) => {
      const load = startLoad([`${base}/health`, `${base}/langgraph/ok`], perSecond);
      const run = await runBundledAction(
        'action-deploy',
        sandbox.inputs({ ref, services: 'gateway,langgraph,worker', strategy }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const result = await load.stop();
      if (run.code !== 0) throw new Error(`action-deploy (${strategy}) failed:\n${run.stdout}`);
      return result;
    };
    const startFirst = await underLoad('v2', 'gateway:start-first,langgraph:start-first,worker:recreate');
    const recreate = await underLoad('v1', 'recreate');
    return { perSecond, recreate, startFirst };
  } finally {
    await sandbox.stop();
  }
}
