/**
 * The server changed by hand, and releases that misbehave: a deploy reads what runs and repairs it
 * (a service stopped, removed, or put back on old images), a crash-looping worker without a
 * healthcheck fails its gate, and a container that prints workflow commands commands nothing.
 * The bundled action runs against a real sshd, Docker and PostgreSQL; the server is checked after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outsideFences, runBundledAction } from '../harness/runner';
import { imageTagOf, ledgerOf, type Stack } from '../harness/stack';
import { startSandbox, type Sandbox } from '../harness/sandbox';

jest.setTimeout(600_000);

let sandbox: Sandbox;
let stack: Stack;

beforeAll(async () => {
  sandbox = await startSandbox('repair');
  ({ stack } = sandbox);
  const first = await deploy('v2');
  if (first.code !== 0) throw new Error(`deploy v1 -> v2 failed:\n${first.stdout}`);
});
afterAll(() => sandbox?.stop());

function deploy(ref: string, extra: Record<string, string> = {}) {
  return runBundledAction('action-deploy', sandbox.inputs({ ref, environment: 'staging', ...extra }));
}
const inspect = (format: string, what: string) =>
  execFileSync('docker', ['inspect', '--format', format, what], { encoding: 'utf8' }).trim();
const v2Image = (service: string) => `thinktank-fixture/${service}:${imageTagOf(stack.repo.shas.v2)}`;
/** Every listed service runs v2's image, running (and healthy where checked). */
function expectV2Running(): void {
  for (const service of ['gateway', 'worker']) {
    const id = stack.containerOf(service);
    expect(inspect('{{.Image}}', id)).toBe(inspect('{{.Id}}', v2Image(service)));
    expect(inspect('{{.State.Status}}', id)).toBe('running');
  }
  expect(JSON.parse(stack.health())).toEqual({ status: 'healthy', version: 'v2' });
}
const lastLedger = () => ledgerOf(join(stack.appDir, '.deploy')).at(-1);

describe('a deploy repairs what was changed by hand', () => {
  it('a worker stopped by hand is started again (not "unchanged")', async () => {
    execFileSync('docker', ['stop', '-t', '1', stack.containerOf('worker')]);
    const run = await deploy('v2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::group::Restart worker \(exited \(code \d+\)\)/);
    expect(run.stdout).not.toMatch(/::group::Restart gateway/);
    expect(lastLedger()).toMatchObject({ result: 'success' });
    expectV2Running();
  });

  it('a gateway removed by hand is recreated', async () => {
    execFileSync('docker', ['rm', '-f', stack.containerOf('gateway')]);
    const run = await deploy('v2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::group::Restart gateway \(no container\)/);
    expectV2Running();
  });

  it('a gateway put back on v1 images by hand is restarted on v2', async () => {
    execFileSync(
      'docker-compose',
      ['-f', 'docker/docker-compose-prod.yaml', 'up', '-d', '--no-deps', 'gateway'],
      {
        cwd: stack.appDir,
        env: { ...process.env, IMAGE_TAG: imageTagOf(stack.repo.shas.v1) },
        stdio: 'pipe',
      },
    );
    const run = await deploy('v2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::group::Restart gateway \(runs git-[0-9a-f]{12}, not git-[0-9a-f]{12}\)/);
    expectV2Running();
    const again = await deploy('v2');
    expect(again.stdout).toMatch(/nothing to do/);
    expect(lastLedger()).toMatchObject({ result: 'unchanged' });
  });

  it('the dry run prints the same plan and changes nothing', async () => {
    execFileSync('docker', ['stop', '-t', '1', stack.containerOf('worker')]);
    const run = await deploy('v2', { 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /dry run on .*: nothing will be changed\. The plan:\n\s+1\. restart worker \(exited/,
    );
    expect(inspect('{{.State.Status}}', stack.containerOf('worker'))).toBe('exited');
    const fix = await deploy('v2');
    expect(fix.code).toBe(0);
    expectV2Running();
  });
});

describe('gates that mean it', () => {
  it('a worker without a healthcheck that exits a second after it starts (restart: always) fails its gate and is rolled back', async () => {
    const run = await deploy('crash-worker', { 'min-uptime': '4' });
    expect(run.code).toBe(1);
    expect(run.outputs['rolled-back']).toBe('true');
    const report = JSON.parse(run.outputs.report) as {
      services: { service: string; ok: boolean; state: string }[];
    };
    expect(report.services.find((s) => s.service === 'worker')).toMatchObject({
      ok: false,
      state: expect.stringMatching(/restarted while it was waited for|exited \(code 3\)/),
    });
    expect(run.stdout).toMatch(/worker giving up/);
    // Back on v2, and it stays up: the same container, no restarts.
    expectV2Running();
    const worker = stack.containerOf('worker');
    const restarts = inspect('{{.RestartCount}}', worker);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(inspect('{{.RestartCount}}', worker)).toBe(restarts);
    expect(lastLedger()).toMatchObject({ result: 'rolled-back', ref: stack.repo.shas['crash-worker'] });
  });

  it('a container that prints workflow commands and fails its gate commands nothing', async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'tt-runner-temp-'));
    const run = await runBundledAction(
      'action-deploy',
      sandbox.inputs({ ref: 'hostile', environment: 'staging', 'wait-timeout': '4' }),
      { env: { RUNNER_TEMP: runnerTemp } },
    );
    expect(run.code).toBe(1);
    // Runbook §9's collection, taken before the rollback removed the failed container: its state,
    // its last log lines, the stack's events; in the summary (escaped), the log (fenced) and a folder.
    const key = sandbox.key.privateKey.split('\n')[1];
    for (const text of [run.summary, run.stdout]) {
      expect(text).toContain('Diagnostics');
      expect(text).toContain('forged by the container');
      expect(text).toMatch(/"Status":"running"|&quot;Status&quot;/);
      expect(text).toContain('Docker events of the stack');
    }
    // The key's lines appear only in the runner's own add-mask commands, never in what was collected.
    expect(run.summary).not.toContain(key);
    expect(
      run.stdout.split('\n').filter((line) => line.includes(key) && !line.startsWith('::add-mask::')),
    ).toEqual([]);
    expect(run.summary).toMatch(/<details><summary>Diagnostics[^<]*<\/summary>\s*<pre>[^<]*gateway/);
    // Inert in the summary too: no line that begins with a command, no legacy ##[ anywhere.
    expect(run.summary.split('\n').filter((line) => /^\s*::|##\[/.test(line))).toEqual([]);
    expect(run.outputs.diagnostics).toMatch(new RegExp(`^${runnerTemp}/thinktank-diagnostics-deploy-`));
    const files = readdirSync(run.outputs.diagnostics);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(run.outputs.diagnostics, files[0]), 'utf8')).toMatch(
      /--- gateway: (container|log lines)[\s\S]*forged by the container/,
    );
    rmSync(runnerTemp, { recursive: true, force: true });
    // What the container printed reached the log (its last lines), but never as a command.
    expect(run.stdout).toContain('forged by the container');
    const commands = outsideFences(run.stdout).filter((line) => /^\s*::|##\[/.test(line));
    const ours = /^::(error|debug|warning)::/;
    expect(
      commands.filter((line) => /forged|add-mask::v2|set-output/.test(line) && !ours.test(line)),
    ).toEqual([]);
    // Our own ::error:: (or ::debug::) may quote the container's text: on one line, newlines escaped,
    // and each quoted line made inert.
    for (const line of commands.filter((l) => ours.test(l))) expect(line).not.toMatch(/%0A\s*::|##\[/);
    expect(run.outputs['deployed-ref']).toBe(stack.repo.shas.v2);
    expect(run.outputs['rolled-back']).toBe('true');
    expectV2Running();
  });
});
