/**
 * Fleets end to end (issue 12, "Fleets" and "Jump hosts"): the bundled actions run as the runner runs
 * them against three "servers" on this machine, each a real sshd in a mount namespace of its own
 * whose app-dir is that server's own checkout and stack (test/harness/fleet.ts), all sharing one
 * PostgreSQL database. Every test checks the servers afterwards, not only the log.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { startFleet, type Fleet, type FleetServer } from '../harness/fleet';
import {
  checksOf,
  errorLines,
  outsideFences,
  runBundledAction,
  type ActionRun,
  type RunOptions,
} from '../harness/runner';
import { imageTagOf, type ReleaseName } from '../harness/stack';

jest.setTimeout(300_000);

let fleet: Fleet;
let servers: readonly FleetServer[];

beforeAll(async () => {
  fleet = await startFleet('e2e', 3);
  servers = fleet.servers;
}, 240_000);
afterAll(() => fleet?.stop(), 180_000);
// A failure caused by the engine rather than the actions says so (see Fleet.relayProblems).
afterEach(() => {
  const problems = fleet?.relayProblems() ?? [];
  if (problems.length > 0)
    console.warn(`the Docker engine's networking was disturbed during this test:\n${problems.join('\n')}`);
});

const lines = (run: ActionRun) => run.stdout.split('\n');
let runs = 0;
async function runAction(
  action: string,
  inputs: Record<string, string>,
  options?: RunOptions,
): Promise<ActionRun> {
  return keep(`${++runs}-${action}`, await runBundledAction(action, inputs, options));
}
/** With FLEET_LOG_DIR set, each run's log is kept there (to read after a failure). */
function keep(name: string, run: ActionRun): ActionRun {
  const dir = process.env.FLEET_LOG_DIR;
  if (dir)
    writeFileSync(
      join(dir, `${name}.log`),
      `${run.stdout}\n--- summary\n${run.summary}\n--- outputs\n${JSON.stringify(run.outputs, null, 1)}\n`,
    );
  return run;
}
/** The log lines a host's work wrote: `<label> | ...`. */
const linesOf = (run: ActionRun, server: FleetServer) =>
  lines(run).filter((line) => line.startsWith(`${server.label} | `));
const accepted = (log: string) => (log.match(/Accepted publickey/g) ?? []).length;
const shaOf = (server: FleetServer, release: ReleaseName) => server.stack.repo.shas[release];
const imageAt = (server: FleetServer, release: ReleaseName, service = 'gateway') =>
  `thinktank-fixture/${service}:${imageTagOf(shaOf(server, release))}`;

interface HostReport {
  host: string;
  result: string;
  seconds: number;
  error?: string;
  outcome?: {
    previousRef: string;
    deployedRef: string;
    attemptedRef: string;
    migrated: boolean;
    rolledBack: boolean;
  };
}
const hostsOf = (run: ActionRun) => (JSON.parse(run.outputs.report) as { hosts: HostReport[] }).hosts;

/** Every line that names a server's own stack (its compose project) is that server's line. */
function expectOwnLines(run: ActionRun): void {
  for (const server of servers) {
    const own = lines(run).filter((line) => line.includes(server.stack.project));
    for (const line of own)
      expect([line, line.startsWith(`${server.label} | `) || line.includes(`::${server.label} | `)]).toEqual([
        line,
        true,
      ]);
  }
}

/** Puts every server back at v1 by hand (checkout and containers), as the tests before left it. */
function resetToV1(): void {
  for (const server of servers) {
    if (server.head() !== shaOf(server, 'v1') || server.imageOf('gateway') !== imageAt(server, 'v1')) {
      server.stack.repo.checkout('v1');
      server.stack.compose('up', '-d', '--no-deps', 'gateway', 'worker');
    }
  }
}

/** Runs an action, noting when each of `patterns` first shows in its log (ms after start). */
async function runTimed(
  action: string,
  inputs: Record<string, string>,
  patterns: Record<string, RegExp>,
): Promise<{ run: ActionRun; seen: Record<string, number> }> {
  const seen: Record<string, number> = {};
  let text = '';
  const started = Date.now();
  const options: RunOptions = {
    onStart: (child) =>
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        for (const [name, pattern] of Object.entries(patterns))
          if (seen[name] === undefined && pattern.test(text)) seen[name] = Date.now() - started;
      }),
  };
  const run = await runAction(action, inputs, options);
  return { run, seen };
}

const healthInputs = (extra: Record<string, string> = {}, chosen?: readonly FleetServer[]) => {
  const base = fleet.inputs({}, chosen);
  return {
    host: base.host,
    username: base.username,
    'private-key': base['private-key'],
    'known-hosts': base['known-hosts'],
    'connect-retries': '0',
    'connect-timeout': '10',
    'app-dir': fleet.appDir,
    'server-url': fleet.healthUrl,
    retries: '0',
    interval: '1',
    'check-dependencies': 'false',
    ...extra,
  };
};

describe('a fleet of three servers (bundled actions)', () => {
  it('dry-run: prints each host plan and changes nothing on any server', async () => {
    const before = servers.map((server) => server.containerIds());
    const run = await runAction('action-deploy', fleet.inputs({ ref: 'v2', 'dry-run': 'true' }));
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    for (const server of servers) {
      const own = linesOf(run, server).join('\n');
      // Each host's own plan: its own commit (every server's repository has commits of its own).
      expect(own).toMatch(/dry run on .*: nothing will be changed/);
      expect(own).toContain(`check out ${shaOf(server, 'v2').slice(0, 12)}`);
      expect(own).toContain(`'up' '-d' '--no-deps' 'gateway'`);
    }
    // The shared database is migrated by the first host only: only its plan migrates.
    expect(linesOf(run, servers[0]).join('\n')).toMatch(/migrate the database/);
    for (const server of servers.slice(1))
      expect(linesOf(run, server).join('\n')).not.toMatch(/migrate the database/);
    // Nothing changed anywhere.
    for (const [index, server] of servers.entries()) {
      expect(server.head()).toBe(shaOf(server, 'v1'));
      expect(server.containerIds()).toEqual(before[index]);
      expect(server.ledger()).toEqual([]);
    }
    expect(fleet.revision()).toBe('0001');
    expect(hostsOf(run).map((host) => [host.host, host.result])).toEqual(
      servers.map((server) => [server.label, 'success']),
    );
  });

  it('health, max-parallel 3: a row per host; a stopped service on one host fails naming that host', async () => {
    // Each entry names its own user (`user@host:port`), over a username no server knows.
    const healthy = await runAction(
      'action-health',
      healthInputs({
        'max-parallel': '3',
        host: servers.map((server) => `ttdeploy@${server.entry}`).join('\n'),
        username: 'nosuchuser',
      }),
    );
    expect(errorLines(healthy)).toEqual([]);
    expect(healthy.code).toBe(0);
    const hosts = [...new Set(checksOf(healthy).map((check) => check.host))];
    expect(hosts).toEqual(servers.map((server) => server.label));
    for (const server of servers) {
      const rows = checksOf(healthy).filter((check) => check.host === server.label);
      expect(rows.map((row) => [row.check.split(' ')[0], row.verdict])).toEqual([
        ['server-url', 'pass'],
        ['services', 'pass'],
        ['disk', expect.stringMatching(/pass|warn/)],
      ]);
      // Each host answered with its own stack: seven containers of its own project.
      expect(rows[1].value).toBe('7 running/healthy');
    }

    const broken = servers[1];
    broken.stack.compose('stop', '-t', '1', 'worker');
    try {
      const run = await runAction('action-health', healthInputs({ 'max-parallel': '3' }));
      expect(run.code).toBe(1);
      expect(run.outputs.healthy).toBe('false');
      const failing = checksOf(run).filter((check) => check.verdict === 'fail');
      expect(failing.map((check) => [check.host, check.check])).toEqual([[broken.label, 'services']]);
      expect(failing[0].value).toMatch(/^worker: (exited|no container)/);
      expect(run.stdout).toMatch(
        new RegExp(`::error::.*${broken.label.replaceAll('.', '\\.')}.*services: worker`),
      );
      // The others were checked all the same, and passed.
      for (const server of [servers[0], servers[2]])
        expect(
          checksOf(run)
            .filter((check) => check.host === server.label)
            .every((check) => check.verdict !== 'fail'),
        ).toBe(true);
    } finally {
      broken.stack.compose('start', 'worker');
    }
    expect(
      execFileSync(
        'docker',
        ['inspect', '--format', '{{.State.Status}}', broken.stack.containerOf('worker')],
        {
          encoding: 'utf8',
        },
      ).trim(),
    ).toBe('running');
  });

  it('deploys v1 to v2 on 3 hosts, max-parallel 2, canary: the canary alone, then a batch; one migration', async () => {
    const connections = servers.map((server) => accepted(server.sshd.log()));
    const run = await runAction(
      'action-deploy',
      fleet.inputs({ ref: 'v2', 'max-parallel': '2', canary: 'true' }),
      { timeoutMs: 240_000 },
    );
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    // Every server runs v2: its checkout and its containers' images.
    for (const server of servers) {
      expect(server.head()).toBe(shaOf(server, 'v2'));
      expect(server.imageOf('gateway')).toBe(imageAt(server, 'v2'));
      expect(server.imageOf('worker')).toBe(imageAt(server, 'v2', 'worker'));
      expect(server.ledger().at(-1)).toMatchObject({ ref: shaOf(server, 'v2'), result: 'success' });
    }
    // One connection per host.
    expect(servers.map((server) => accepted(server.sshd.log()))).toEqual(
      connections.map((count) => count + 1),
    );
    // The canary first, alone; then the other two side by side.
    const [first, second, third] = servers;
    const log = run.stdout;
    const canaryAt = log.indexOf(`canary: ${first.label}`);
    const batchAt = log.indexOf(`batch 2 of 2: ${second.label}, ${third.label}`);
    expect(canaryAt).toBeGreaterThanOrEqual(0);
    expect(batchAt).toBeGreaterThan(canaryAt);
    const firstLines = linesOf(run, first);
    expect(firstLines.length).toBeGreaterThan(0);
    expect(log.lastIndexOf(`${first.label} | `)).toBeLessThan(batchAt);
    for (const server of [second, third]) expect(log.indexOf(`${server.label} | `)).toBeGreaterThan(batchAt);
    // Every remote line carries its host's label: each line naming a server's stack is that server's.
    expectOwnLines(run);
    for (const server of servers) expect(linesOf(run, server).join('\n')).toContain(server.stack.project);
    // The migration ran once, on the first host; the shared database is at v2's head.
    const upgrades = lines(run).filter((line) => /Running upgrade 0001 -> 0002/.test(line));
    expect(upgrades.length).toBeGreaterThan(0);
    for (const line of upgrades) expect(line.startsWith(`${first.label} | `)).toBe(true);
    expect(fleet.revision()).toBe('0002');
    expect(fleet.pg.sql('SELECT name FROM items')).toBe('fleet row');
    // Outputs: the first host's commits, and each host in the report.
    expect(run.outputs).toMatchObject({
      'previous-ref': shaOf(first, 'v1'),
      'deployed-ref': shaOf(first, 'v2'),
      migrated: 'true',
      'rolled-back': 'false',
    });
    const hosts = hostsOf(run);
    expect(hosts.map((host) => [host.host, host.result])).toEqual(
      servers.map((server) => [server.label, 'success']),
    );
    for (const [index, server] of servers.entries()) {
      expect(hosts[index].outcome).toMatchObject({
        previousRef: shaOf(server, 'v1'),
        deployedRef: shaOf(server, 'v2'),
        migrated: index === 0,
        rolledBack: false,
      });
    }
    // The summary's per-host table.
    expect(run.summary).toMatch(/\| host \| result \| time \| previous commit \| new commit \|/);
    for (const server of servers) expect(run.summary).toContain(`| ${server.label} | ✅ success`);
    for (const server of servers)
      expect(run.summary).toMatch(
        new RegExp(
          `\\| ${server.label.replaceAll('.', '\\.')} \\| ✅ success[^|]*\\| [\\d.]+s \\| ${shaOf(server, 'v1').slice(0, 12)} \\| ${shaOf(server, 'v2').slice(0, 12)} \\|`,
        ),
      );
  });

  it('rollback on the fleet: each host back to its previous release (v1)', async () => {
    const run = await runAction('action-rollback', {
      ...fleet.inputs(),
      mode: 'image',
      to: 'previous',
    });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    for (const server of servers) {
      expect(server.head()).toBe(shaOf(server, 'v1'));
      expect(server.imageOf('gateway')).toBe(imageAt(server, 'v1'));
    }
    expect(
      (JSON.parse(run.outputs.report) as { hosts: HostReport[] }).hosts.map((host) => [
        host.host,
        host.result,
      ]),
    ).toEqual(servers.map((server) => [server.label, 'success']));
  });

  describe('a host that fails its health gate (max-parallel 1)', () => {
    let run: ActionRun;
    let before: Record<string, string>[];
    let thirdConnections: number;
    let thirdLedger: number;
    beforeAll(async () => {
      resetToV1();
      // Each server's origin publishes branch "release": v2, except the second server's, whose
      // release never becomes healthy and prints workflow commands.
      servers.forEach((server, index) =>
        server.publishBranch('release', shaOf(server, index === 1 ? 'hostile' : 'v2')),
      );
      before = servers.map((server) => server.containerIds());
      thirdConnections = accepted(servers[2].sshd.log());
      thirdLedger = servers[2].ledger().length;
      run = await runAction(
        'action-deploy',
        fleet.inputs({ ref: 'release', 'max-parallel': '1', 'wait-timeout': '10' }),
        { timeoutMs: 240_000 },
      );
    }, 280_000);

    it('rolls the failed host back, never starts the third, keeps the first, and fails naming the host', () => {
      const [first, second, third] = servers;
      expect(run.code).toBe(1);
      // First: v2 and stays so.
      expect(first.head()).toBe(shaOf(first, 'v2'));
      expect(first.imageOf('gateway')).toBe(imageAt(first, 'v2'));
      // Second: rolled back to v1 by its own auto-rollback.
      expect(second.head()).toBe(shaOf(second, 'v1'));
      expect(second.imageOf('gateway')).toBe(imageAt(second, 'v1'));
      expect(second.ledger().at(-1)).toMatchObject({ result: 'rolled-back' });
      // Third: untouched (never connected, same containers, ledger as it was).
      expect(third.head()).toBe(shaOf(third, 'v1'));
      expect(third.containerIds()).toEqual(before[2]);
      expect(third.imageOf('gateway')).toBe(imageAt(third, 'v1'));
      expect(accepted(third.sshd.log())).toBe(thirdConnections);
      expect(third.ledger()).toHaveLength(thirdLedger);
      // The run fails naming the host.
      const errors = errorLines(run).join('\n');
      expect(errors).toContain(second.label);
      expect(errorLines(run).at(-1)).toMatch(
        new RegExp(`deploy to the fleet failed: .*${second.label.replaceAll('.', '\\.')} \\(failed`),
      );
      expect(run.outputs['rolled-back']).toBe('true');
      // The report lists each host's state.
      const hosts = hostsOf(run);
      expect(hosts.map((host) => [host.host, host.result])).toEqual([
        [first.label, 'success'],
        [second.label, 'failed'],
        [third.label, 'not started'],
      ]);
      expect(hosts[1].outcome).toMatchObject({ rolledBack: true, attemptedRef: shaOf(second, 'hostile') });
      expect(run.summary).toMatch(new RegExp(`\\| ${third.label.replaceAll('.', '\\.')} \\| ⏸️ not started`));
    });

    it("a host's hostile output never becomes a workflow command", () => {
      const second = servers[1];
      // The container's lines reached the log, as that host's lines.
      // (The diagnostics after the run quote them inside a ::stop-commands:: fence, headed by the host.)
      const fenced = /^::stop-commands::(\S+)\nDiagnostics from ([^:\n]+:\d+):[^]*?\n::\1::$/m.exec(
        run.stdout,
      );
      expect(fenced?.[2]).toBe(second.label);
      expect(fenced?.[0]).toContain('forged by the container');
      const forged = outsideFences(run.stdout).filter((line) => line.includes('forged by the container'));
      expect(forged.length).toBeGreaterThan(0);
      const commands = outsideFences(run.stdout).filter((line) => /^\s*::|##\[/.test(line));
      const ours = /^::(error|warning|debug|notice)::/;
      expect(
        commands.filter((line) => /forged|add-mask::v2|set-output|pwned/.test(line) && !ours.test(line)),
      ).toEqual([]);
      // Our own annotations may quote it: on one line, newlines escaped, each quoted line inert.
      for (const line of commands.filter((each) => ours.test(each)))
        expect(line).not.toMatch(/%0A\s*::|##\[/);
      // No line anywhere is a mask for v2, and the outputs are ours.
      expect(lines(run).filter((line) => /^\s*::add-mask::v2/.test(line))).toEqual([]);
      expect(run.outputs['deployed-ref']).toBe(shaOf(servers[0], 'v2'));
      expect(run.outputs['rolled-back']).not.toBe('forged');
      // Outside our own annotations (checked above), every such line is the second host's own.
      expect(
        forged.filter(
          (line) => !line.startsWith(`${second.label} | `) && !/^::(error|warning|debug|notice)::/.test(line),
        ),
      ).toEqual([]);
    });
  });

  it('an unreachable host (closed port, silent port) is named in an ::error within connect-timeout x attempts', async () => {
    // A closed port, and a port that accepts and never speaks SSH (so connect-timeout applies).
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    const hostKey = servers[0].sshd.hostKeys.ed25519;
    const closed = `127.0.0.1:${closedPort}`;
    const quiet = `127.0.0.1:${silentPort}`;
    try {
      const { run, seen } = await runTimed(
        'action-health',
        healthInputs({
          host: [servers[0].entry, closed, quiet].join(','),
          'known-hosts': [
            servers[0].sshd.knownHostsLine(),
            `[127.0.0.1]:${closedPort} ${hostKey}`,
            `[127.0.0.1]:${silentPort} ${hostKey}`,
          ].join('\n'),
          'connect-timeout': '2',
          'connect-retries': '1',
          canary: 'false',
          'max-parallel': '3',
        }),
        { closed: new RegExp(`::error::.*${closed}`), quiet: new RegExp(`::error::.*${quiet}`) },
      );
      expect(run.code).toBe(1);
      const errors = errorLines(run).join('\n');
      expect(errors).toContain(closed);
      expect(errors).toContain(quiet);
      expect(errors).not.toMatch(
        new RegExp(`::error::[^\\n]*${servers[0].label.replaceAll('.', '\\.')} is unreachable`),
      );
      // 2 attempts of at most 2 s each, plus one backoff (at most a second or so), plus start-up.
      console.log(
        `unreachable: closed named after ${seen.closed} ms, silent after ${seen.quiet} ms, run ${run.durationMs} ms`,
      );
      expect(seen.closed).toBeLessThan(2 * 2000 + 3000 + 2000);
      expect(seen.quiet).toBeLessThan(2 * 2000 + 3000 + 2000);
      expect(seen.quiet).toBeGreaterThanOrEqual(2 * 2000);
      // A failing connect row for each, the reachable host checked as usual.
      const rows = checksOf(run);
      expect(rows.filter((row) => row.check === 'connect').map((row) => [row.host, row.verdict])).toEqual([
        [closed, 'fail'],
        [quiet, 'fail'],
      ]);
      expect(rows.filter((row) => row.host === servers[0].label).every((row) => row.verdict !== 'fail')).toBe(
        true,
      );
    } finally {
      silent.close();
    }
  });

  describe('behind a jump host', () => {
    it('one connection to the bastion for the whole fleet, one per target', async () => {
      const bastion = await fleet.extraSshd({ allowTcpForwarding: true });
      const targets = servers.slice(0, 2);
      const before = targets.map((server) => accepted(server.sshd.log()));
      // startSshd's own probe of the port is a connection too, logged a moment later.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const bastionConnections = (bastion.log().match(/Connection from/g) ?? []).length;
      const run = await runAction(
        'action-health',
        healthInputs(
          {
            'jump-host': `ttdeploy@${bastion.address}:${bastion.port}`,
            'known-hosts': [
              ...targets.map((server) => server.sshd.knownHostsLine()),
              bastion.knownHostsLine(),
            ].join('\n'),
            'max-parallel': '2',
          },
          targets,
        ),
      );
      expect(errorLines(run)).toEqual([]);
      expect(run.code).toBe(0);
      expect([...new Set(checksOf(run).map((check) => check.host))]).toEqual(
        targets.map((server) => server.label),
      );
      expect(accepted(bastion.log())).toBe(1);
      if (process.env.FLEET_LOG_DIR)
        writeFileSync(join(process.env.FLEET_LOG_DIR, 'bastion.log'), bastion.log());
      expect((bastion.log().match(/Connection from/g) ?? []).length).toBe(bastionConnections + 1);
      expect(targets.map((server) => accepted(server.sshd.log()))).toEqual(before.map((count) => count + 1));
    });

    it('a bastion that refuses to forward gives a clear error', async () => {
      const bastion = await fleet.extraSshd({ allowTcpForwarding: false });
      const targets = servers.slice(0, 2);
      const before = targets.map((server) => accepted(server.sshd.log()));
      const run = await runAction(
        'action-health',
        healthInputs(
          {
            'jump-host': `ttdeploy@${bastion.address}:${bastion.port}`,
            'known-hosts': [
              ...targets.map((server) => server.sshd.knownHostsLine()),
              bastion.knownHostsLine(),
            ].join('\n'),
          },
          targets,
        ),
      );
      expect(run.code).toBe(1);
      expect(errorLines(run).join('\n')).toMatch(/refuses to forward/);
      expect(targets.map((server) => accepted(server.sshd.log()))).toEqual(before);
    });
  });
});
