/**
 * strategy start-first end to end: the bundled action-deploy on the fixture stack behind its real
 * nginx, with a steady load of requests through the proxy during each deploy. start-first must drop
 * none; recreate, the runbook's way, drops some in the same run (which also shows the load can see a
 * drop). A new container that fails its gate, or a cancel, leaves the old one serving.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cancelWhen, errorLines, runBundledAction, type RunOptions } from '../harness/runner';
import { startLoad, type LoadResult } from '../harness/load';
import { imageTagOf, ledgerOf, waitLockFree, type Stack } from '../harness/stack';
import { startSandbox, type Sandbox } from '../harness/sandbox';

jest.setTimeout(300_000);

let sandbox: Sandbox;
let stack: Stack;

beforeAll(async () => {
  sandbox = await startSandbox('zero');
  ({ stack } = sandbox);
});
afterAll(() => sandbox?.stop());

const START_FIRST = 'gateway:start-first,langgraph:start-first,worker:recreate';
const inputs = (extra: Record<string, string> = {}) =>
  sandbox.inputs({
    services: 'gateway,langgraph,worker',
    strategy: START_FIRST,
    'wait-timeout': '30',
    'lock-timeout': '60',
    ...extra,
  });
const stateDir = () => join(stack.appDir, '.deploy');

/** Every container of a service, stopped ones too: a start-first run must leave exactly one. */
const containersOf = (service: string) =>
  execFileSync(
    'docker',
    [
      'ps',
      '-a',
      '-q',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${stack.project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((id) => id !== '');
const imageOf = (id: string) =>
  execFileSync('docker', ['inspect', '--format', '{{.Config.Image}}', id], { encoding: 'utf8' }).trim();

/** Runs the deploy while 50 requests a second go through nginx to gateway and langgraph. */
async function deployUnderLoad(
  extra: Record<string, string>,
  options: RunOptions = {},
): Promise<{ run: Awaited<ReturnType<typeof runBundledAction>>; load: LoadResult }> {
  const base = stack.healthUrl.replace(/\/health$/, '');
  const load = startLoad([`${base}/health`, `${base}/langgraph/ok`], 50);
  const run = await runBundledAction('action-deploy', inputs(extra), options);
  // A second more: a container stopped at the very end must not fail requests after the run either.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { run, load: await load.stop() };
}

describe('strategy start-first (bundled, through nginx)', () => {
  it('refuses start-first for a service that publishes a fixed host port, before changing anything', async () => {
    const run = await runBundledAction(
      'action-deploy',
      inputs({ ref: 'v2', services: 'gateway,nginx', strategy: 'start-first' }),
    );
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toMatch(
      /strategy start-first cannot run nginx: it publishes fixed host ports \(127\.0\.0\.1:\d+:80.*\).*nginx:recreate; nothing was changed/,
    );
    expect(sandbox.head()).toBe(stack.repo.shas.v1);
    expect(ledgerOf(stateDir())).toEqual([]);
  });

  it('a strategy naming a service outside services is a bad input', async () => {
    const run = await runBundledAction(
      'action-deploy',
      inputs({ ref: 'v2', strategy: 'start-first,nginx:recreate' }),
    );
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toMatch(/Input 'strategy': nginx is not in services/);
  });

  let startFirstDrops: LoadResult | undefined;
  it('v1 -> v2 start-first under load: no request dropped, one new container per service', async () => {
    const oldGateway = containersOf('gateway');
    const langgraph = containersOf('langgraph');
    const { run, load } = await deployUnderLoad({ ref: 'v2' });
    startFirstDrops = load;
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /gateway: new container healthy after [\d.]+s; the old one stopped and removed/,
    );
    expect(load.sent).toBeGreaterThan(300);
    expect(load).toMatchObject({ dropped: 0, drops: [] });
    // The server afterwards: one container each, on v2, and the old gateway gone. langgraph's v2 image
    // is v1's (the same build): it keeps running, untouched.
    expect(run.stdout).toMatch(/langgraph: its new image \S+ is the image it runs .*not restarted/);
    expect(containersOf('langgraph')).toEqual(langgraph);
    const v2Tag = imageTagOf(stack.repo.shas.v2);
    for (const service of ['gateway', 'worker']) {
      const ids = containersOf(service);
      expect(ids).toHaveLength(1);
      expect(imageOf(ids[0])).toBe(`thinktank-fixture/${service}:${v2Tag}`);
    }
    expect(containersOf('gateway')).not.toContain(oldGateway[0]);
    expect(JSON.parse(stack.health())).toMatchObject({ version: 'v2' });
    expect(ledgerOf(stateDir()).at(-1)).toMatchObject({ ref: stack.repo.shas.v2, result: 'success' });
  });

  it('v2 -> v1 recreate under the same load drops requests (the runbook way, measured in the same run)', async () => {
    const { run, load } = await deployUnderLoad({ ref: 'v1', strategy: 'recreate' });
    expect(run.code).toBe(0);
    console.log(
      `through nginx at 50 requests/s: start-first dropped ${startFirstDrops?.dropped} of ${startFirstDrops?.sent}; ` +
        `recreate dropped ${load.dropped} of ${load.sent} (${load.drops.slice(0, 3).join('; ')})`,
    );
    expect(load.dropped).toBeGreaterThan(0);
    expect(containersOf('gateway')).toHaveLength(1);
  });

  it('a new container that never becomes healthy is removed; the old one serves throughout', async () => {
    const [old] = containersOf('gateway');
    const { run, load } = await deployUnderLoad({ ref: 'never-healthy' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /gateway: the new container failed its gate \(container [0-9a-f]{12} is unhealthy/,
    );
    expect(load).toMatchObject({ dropped: 0 });
    expect(containersOf('gateway')).toEqual([old]);
    expect(imageOf(old)).toBe(`thinktank-fixture/gateway:${imageTagOf(stack.repo.shas.v1)}`);
    // Nothing was switched, so nothing was rolled back: the checkout went back to what runs.
    expect(run.outputs['rolled-back']).toBe('false');
    expect(sandbox.head()).toBe(stack.repo.shas.v1);
    expect(ledgerOf(stateDir()).at(-1)).toMatchObject({
      ref: stack.repo.shas['never-healthy'],
      result: 'failed',
    });
  });

  it('cancelled while the new container is gated: it is removed, the old one serves, the journal says cancelled', async () => {
    const [old] = containersOf('gateway');
    const cancel = cancelWhen(/Restart gateway start-first/, 1500);
    const { run, load } = await deployUnderLoad({ ref: 'never-healthy', 'wait-timeout': '60' }, cancel);
    expect(cancel.signalled()).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toMatch(/cancel/i);
    expect(load).toMatchObject({ dropped: 0 });
    expect(containersOf('gateway')).toEqual([old]);
    await waitLockFree(stateDir());
    expect(ledgerOf(stateDir()).at(-1)).toMatchObject({ result: 'cancelled' });
  });
});
