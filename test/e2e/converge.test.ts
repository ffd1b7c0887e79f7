/**
 * A deploy cancelled at every stage (build, migration, each restart), as the runner cancels (SIGINT),
 * and a lost connection: each time the remote work stops, the journal says so, the lock is free, and
 * the next deploy reads what runs, reports the interrupted run and converges. The bundled action runs
 * as the runner runs it against a real sshd, Docker and PostgreSQL; the server is checked after.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cancelWhen, runBundledAction, type ActionRun } from '../harness/runner';
import { imageTagOf, ledgerOf, waitLockFree, type Stack } from '../harness/stack';
import { TEST_USER } from '../harness/sshd';
import { startSandbox, type Sandbox } from '../harness/sandbox';

jest.setTimeout(600_000);

let sandbox: Sandbox;
let stack: Stack;

beforeAll(async () => {
  sandbox = await startSandbox('converge', 'kept through every interruption');
  ({ stack } = sandbox);
});
afterAll(() => sandbox?.stop());

const inputs = (ref: string, extra: Record<string, string> = {}) =>
  sandbox.inputs({
    ref,
    'lock-timeout': '60',
    environment: 'staging',
    // The slow migration waits with pg_sleep(), a call the SQL guard cannot prove safe.
    ...(ref === 'slow-migration' ? { 'allow-destructive': 'true' } : {}),
    ...extra,
  });
const deploy = (ref: string, extra: Record<string, string> = {}) =>
  runBundledAction('action-deploy', inputs(ref, extra), {
    env: { GITHUB_RUN_ID: `run-${ref}-${Date.now()}` },
  });
const stateDir = () => join(stack.appDir, '.deploy');
const lastLedger = () => ledgerOf(stateDir()).at(-1);
const inspect = (format: string, what: string) =>
  execFileSync('docker', ['inspect', '--format', format, what], { encoding: 'utf8' }).trim();
/** The image id a service's container runs. */
const imageIdOf = (service: string) => inspect('{{.Image}}', stack.containerOf(service));
/**
 * The test user's processes working on this sandbox (in its checkout, or on its database): what a run
 * left running on the server. Other test files' sandboxes run beside this one and are left out.
 */
const leftovers = () =>
  execFileSync('ps', ['-u', TEST_USER, '-o', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .filter(([, pid, args]) => {
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // Gone meanwhile.
      }
      return cwd.startsWith(stack.appDir) || args.includes(stack.appDir) || args.includes(sandbox.pg.url);
    })
    .map(([, , args]) => args)
    .filter((args) => !args.startsWith('sshd:'));

async function cancelAt(ref: string, pattern: RegExp, delayMs: number): Promise<ActionRun> {
  const cancel = cancelWhen(pattern, delayMs);
  const run = await runBundledAction('action-deploy', inputs(ref), {
    ...cancel,
    env: { GITHUB_RUN_ID: `cancelled-${ref}` },
  });
  if (cancel.signalled() <= 0)
    throw new Error(`the run ended before it was cancelled:\n${run.stdout.slice(-3000)}`);
  // Within the runner's grace (SIGINT, 7.5 s, SIGTERM, 2.5 s, kill): the run ended by itself.
  expect(Date.now() - cancel.signalled()).toBeLessThan(10_000);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/::error::cancelled by SIGINT: remote work was stopped/);
  expect(lastLedger()).toMatchObject({ result: 'cancelled', run_id: `cancelled-${ref}` });
  await waitLockFree(stateDir());
  // Gone at once, or within the wrapper's 5 s grace for what ignores TERM.
  for (let waited = 0; leftovers().length > 0 && waited < 7000; waited += 250)
    await new Promise((resolve) => setTimeout(resolve, 250));
  expect(leftovers()).toEqual([]);
  return run;
}

async function convergesOn(ref: 'v2' | 'slow-migration', version: string): Promise<ActionRun> {
  const run = await deploy(ref);
  if (run.code !== 0) throw new Error(`the converging deploy failed:\n${run.stdout.slice(-4000)}`);
  expect(run.stdout).toMatch(
    /::warning::run cancelled-[a-z0-9-]+ by .*, deploying [0-9a-f]{12}, was cancelled .*; converging/,
  );
  expect(sandbox.head()).toBe(stack.repo.shas[ref]);
  expect(JSON.parse(stack.health())).toEqual({ status: 'healthy', version });
  // The target's images by id (slow-migration's images are v2's, so v2's containers already run them).
  for (const service of ['gateway', 'worker'])
    expect(imageIdOf(service)).toBe(
      inspect('{{.Id}}', `thinktank-fixture/${service}:${imageTagOf(stack.repo.shas[ref])}`),
    );
  expect(lastLedger()).toMatchObject({ result: 'success', ref: stack.repo.shas[ref] });
  expect(sandbox.pg.sql('SELECT name FROM items ORDER BY id LIMIT 1')).toBe(
    'kept through every interruption',
  );
  return run;
}

describe('a deploy cancelled at each stage, then a deploy that converges', () => {
  it('during the build: the build stops on the server; the next deploy (v2) builds, migrates and restarts', async () => {
    await cancelAt('slow-build', /::group::Build images/, 2000);
    // Nothing was restarted: v1 still serves.
    expect(JSON.parse(stack.health()).version).toBe('v1');
    expect(sandbox.revision()).toBe('0001');
    const run = await convergesOn('v2', 'v2');
    expect(sandbox.revision()).toBe('0002');
    expect(run.stdout).toMatch(/::group::Migrate the database/);
  });

  it('during the migration: the transaction is rolled back; the next deploy applies it', async () => {
    // The upgrade itself (the SQL preview logs the same line first), 1 s into its 6 s pg_sleep.
    await cancelAt('slow-migration', /Running upgrade 0002 -> 0003[\s\S]*Running upgrade 0002 -> 0003/, 1000);
    expect(sandbox.revision()).toBe('0002');
    expect(sandbox.pg.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'slow'")).toBe('0');
    const run = await convergesOn('slow-migration', 'v2');
    expect(run.stdout).toMatch(/migrate the database 0002 -> 0003|database migrated: 0002 -> 0003/);
    expect(sandbox.revision()).toBe('0003');
  });

  it.each(['gateway', 'worker'])(
    'during the restart of %s: the next deploy restarts what is not on v2 yet',
    async (service) => {
      // Back to v1 images first (the database stays ahead, which the deploy notes and leaves alone).
      const back = await deploy('v1');
      expect(back.code).toBe(0);
      expect(back.stdout).toMatch(
        /::warning::the database is at 0003, which [0-9a-f]{12}'s migrations do not contain/,
      );
      await cancelAt('v2', new RegExp(`::group::Restart ${service}`), 300);
      const run = await convergesOn('v2', 'v2');
      // The plan named what was still on v1 and nothing that was already on v2.
      expect(run.stdout).toMatch(/::group::Restart worker/);
      if (service === 'worker') expect(run.stdout).not.toMatch(/::group::Restart gateway/);
    },
  );

  it('a lost connection: the journal keeps "started", and the re-run reports it and converges', async () => {
    const back = await deploy('v1');
    expect(back.code).toBe(0);
    let killed = false;
    const run = await runBundledAction('action-deploy', inputs('v2'), {
      env: { GITHUB_RUN_ID: 'lost-connection' },
      onStart: (child) =>
        child.stdout?.on('data', (chunk: Buffer) => {
          if (!killed && /::group::Restart gateway/.test(chunk.toString())) {
            killed = true;
            setTimeout(() => sandbox.sshd.killConnections(), 300);
          }
        }),
    });
    expect(killed).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::the connection to .* was lost .*Re-run the deploy \(it reads what runs and converges\)/,
    );
    expect(lastLedger()).toMatchObject({ result: 'started', run_id: 'lost-connection' });
    await waitLockFree(stateDir());
    const again = await deploy('v2');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /::warning::run lost-connection by .*, deploying [0-9a-f]{12}, was interrupted \(started /,
    );
    expect(again.summary).toMatch(/run lost-connection by .* was interrupted/);
    expect(JSON.parse(stack.health()).version).toBe('v2');
    // Converged: a further deploy has nothing to do.
    const idle = await deploy('v2');
    expect(idle.code).toBe(0);
    expect(idle.stdout).toMatch(/nothing to do/);
    expect(lastLedger()).toMatchObject({ result: 'unchanged' });
  });
});
