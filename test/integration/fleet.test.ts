/** The fleet runner (forEachHost) against real sshd instances: batches, canary, stopping, cancelling. */
import { createServer, type Server } from 'node:net';
import { forEachHost, type HostRun } from '../../packages/shared/src/ssh/fleet';
import type { ConnectionSettings } from '../../packages/shared/src/inputs/connection';
import { makeUserKey, scratchDir, startSshd, type Sshd } from '../harness/sshd';
import { connectionFor } from '../harness/settings';

jest.setTimeout(60_000);

const key = makeUserKey(scratchDir('tt-fleet-'), 'id_ed25519', 'ed25519');
let servers: Sshd[] = [];
let closed: Server;
let closedPort = 0;

beforeAll(async () => {
  servers = await Promise.all([0, 1, 2, 3].map(() => startSshd({ authorizedKeys: [key.publicKey] })));
  // A port that accepts nothing: connection refused at once.
  closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

function fleet(extra: Record<string, string>, hosts: readonly Sshd[] = servers): ConnectionSettings {
  return connectionFor(hosts[0], key, {
    host: hosts.map((server) => `${server.address}:${server.port}`).join('\n'),
    'known-hosts': hosts.map((server) => server.knownHostsLine()).join('\n'),
    ...extra,
  });
}

const accepted = (server: Sshd) => (server.log().match(/Accepted publickey/g) ?? []).length;

/** Runs `work` on the fleet, recording when each host's work started and ended. */
async function timeline(
  connection: ConnectionSettings,
  work: (index: number) => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, 300)),
  signal = new AbortController().signal,
  keepGoing = false,
): Promise<{ runs: HostRun<string>[]; spans: Map<number, [number, number]> }> {
  const spans = new Map<number, [number, number]>();
  const runs = await forEachHost(connection, { signal, keepGoing }, async (session, index) => {
    const started = Date.now();
    const answer = await session.run('echo "$SSH_CONNECTION"', 'whoami');
    await work(index);
    spans.set(index, [started, Date.now()]);
    return answer.trim();
  });
  return { runs, spans };
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

describe('forEachHost on real servers', () => {
  it('runs the canary alone, then max-parallel at a time, each host on its own connection', async () => {
    const before = servers.map(accepted);
    const { runs, spans } = await timeline(fleet({ 'max-parallel': '2' }));
    expect(runs.map((run) => run.result)).toEqual(['success', 'success', 'success', 'success']);
    // Each answer came from its own server (the address it was reached on).
    runs.forEach((run, index) => expect(run.value).toContain(` ${servers[index].address} `));
    const span = (index: number) => spans.get(index) as [number, number];
    // The canary ran alone; hosts 1 and 2 side by side; 3 after them.
    for (const other of [1, 2, 3]) expect(overlaps(span(0), span(other))).toBe(false);
    expect(overlaps(span(1), span(2))).toBe(true);
    expect(overlaps(span(1), span(3)) || overlaps(span(2), span(3))).toBe(false);
    expect(servers.map(accepted)).toEqual(before.map((count) => count + 1));
  });

  it('without a canary, the first batch starts together', async () => {
    const { spans } = await timeline(fleet({ 'max-parallel': '2', canary: 'false' }));
    expect(overlaps(spans.get(0) as [number, number], spans.get(1) as [number, number])).toBe(true);
  });

  it('a failed host stops every later batch; they are never connected to', async () => {
    const before = servers.map(accepted);
    const { runs } = await timeline(fleet({ 'max-parallel': '1' }), async (index) => {
      if (index === 1) throw new Error('gateway unhealthy');
      await Promise.resolve();
    });
    expect(runs.map(({ host, result, error }) => ({ host, result, error }))).toEqual([
      { host: expect.any(String), result: 'success', error: undefined },
      { host: expect.any(String), result: 'failed', error: 'gateway unhealthy' },
      { host: expect.any(String), result: 'not started', error: `${runs[1].host} failed before it` },
      { host: expect.any(String), result: 'not started', error: `${runs[1].host} failed before it` },
    ]);
    expect(servers.map(accepted)).toEqual([before[0] + 1, before[1] + 1, before[2], before[3]]);
  });

  it('an unreachable host is named as such and stops the rest; with keepGoing the rest still run', async () => {
    const hosts = fleet({ 'max-parallel': '1', 'connect-retries': '0' });
    const unreachable: ConnectionSettings = {
      ...hosts,
      targets: [
        hosts.targets[0],
        { ...hosts.targets[1], port: closedPort, label: `127.0.0.1:${closedPort}`, host: '127.0.0.1' },
        hosts.targets[2],
      ],
    };
    const stopped = await timeline(unreachable);
    expect(stopped.runs.map((run) => run.result)).toEqual(['success', 'unreachable', 'not started']);
    expect(stopped.runs[1].error).toMatch(/could not connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    const checked = await timeline(unreachable, undefined, undefined, true);
    expect(checked.runs.map((run) => run.result)).toEqual(['success', 'unreachable', 'success']);
  });

  it('a cancel during a batch cancels it and starts no other', async () => {
    const controller = new AbortController();
    const before = servers.map(accepted);
    const { runs } = await timeline(
      fleet({ 'max-parallel': '2' }),
      async (index) => {
        if (index === 1) controller.abort('SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 200));
      },
      controller.signal,
    );
    // Host 2 may have been cancelled itself (its command came after the cancel) or ended first; host 3
    // never started either way.
    expect(runs[3].result).toBe('not started');
    expect(runs[3].error).toMatch(/^(the run was cancelled|\S+ cancelled before it)$/);
    expect(accepted(servers[3])).toBe(before[3]);
  });
});
