/**
 * action-health end to end: the bundled dist/index.js run as the runner runs it, against a real sshd
 * in front of the local Docker engine holding the fixture stack.
 */
import { makeUserKey, scratchDir, startSshd, type Sshd } from '../harness/sshd';
import { connectionInputs } from '../harness/settings';
import { checksOf, errorLines, runBundledAction, type ActionRun } from '../harness/runner';
import { startStack, waitStackHealthy, type Stack } from '../harness/stack';

jest.setTimeout(180_000);

const key = makeUserKey(scratchDir('tt-health-'), 'id_ed25519', 'ed25519');
let sshd: Sshd;
let stack: Stack;

beforeAll(async () => {
  sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  stack = startStack('health');
  await waitStackHealthy(stack);
});
afterAll(async () => {
  stack?.down();
  await sshd?.stop();
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...connectionInputs(sshd, key),
    'app-dir': stack.appDir,
    'server-url': stack.healthUrl,
    retries: '0',
    interval: '1',
    // This stack has no database behind its postgres container: runbook §7/§8 have tests of their own.
    'check-dependencies': 'false',
    ...extra,
  };
}

const verdictOf = (run: ActionRun, name: RegExp) =>
  checksOf(run).find((check) => name.test(check.check))?.verdict;
async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return check();
}
const connectionsSeen = () => (sshd.log().match(/Connection from/g) ?? []).length;

describe('action-health (bundled)', () => {
  it('reports a healthy stack: outputs, job summary table, exit 0', async () => {
    const run = await runBundledAction(
      'action-health',
      inputs({ 'metrics-url': stack.metricsUrl, url: stack.healthUrl }),
    );
    expect(run.code).toBe(0);
    expect(errorLines(run)).toEqual([]);
    expect(run.outputs.healthy).toBe('true');
    const checks = checksOf(run);
    expect(checks.map((check) => [check.check.split(' ')[0], check.verdict])).toEqual([
      ['server-url', 'pass'],
      ['services', 'pass'],
      ['p95', 'pass'],
      ['5xx', 'pass'],
      ['disk', expect.stringMatching(/pass|warn/)],
      ['url', 'pass'],
    ]);
    expect(checks[0].value).toBe('HTTP 200, status "healthy"');
    expect(checks[1].value).toBe('7 running/healthy');
    expect(checks[2].value).toBe('0.350s');
    expect(checks[3].value).toBe('0.50% of 1000');
    expect(run.summary).toMatch(/## Health: production is healthy/);
    expect(run.summary).toMatch(/\| host \| check \| value \| threshold \| verdict \|/);
  });

  it('fails when /health says another status, after its retries, naming the check', async () => {
    stack.setHealth('{"status": "degraded"}\n');
    try {
      const run = await runBundledAction('action-health', inputs({ retries: '1', interval: '1' }));
      expect(run.code).toBe(1);
      expect(run.outputs.healthy).toBe('false');
      expect(run.summary).toMatch(/Rounds: 2/);
      expect(run.stdout).toMatch(/::error::.*server-url .*HTTP 200, status "degraded"/);
      expect(verdictOf(run, /^services/)).toBe('pass');
      // Runbook §9: the probe's answer in the diagnostics; no service failed, so none is collected.
      expect(run.summary).toMatch(
        /<summary>Diagnostics[\s\S]*--- health probe [^\n]*\nHTTP 200\n\{"status": "degraded"\}/,
      );
      expect(run.outputs.report).not.toContain('Diagnostics');
    } finally {
      stack.setHealth('{"status": "healthy"}\n');
    }
  });

  it('names a stopped service', async () => {
    stack.compose('stop', '-t', '1', 'worker');
    try {
      const run = await runBundledAction('action-health', inputs());
      expect(run.code).toBe(1);
      expect(verdictOf(run, /^services/)).toBe('fail');
      expect(checksOf(run).find((check) => check.check === 'services')?.value).toMatch(
        /^worker: (exited|no container)/,
      );
      expect(run.stdout).toMatch(/::error::.*services: worker: (exited|no container)/);
      // Runbook §9: the stopped worker's state and its last log lines.
      expect(run.summary).toMatch(/--- worker: container [^\n]*\nstate: \{"Status":"exited"/);
    } finally {
      stack.compose('start', 'worker');
    }
  });

  it('fails on metrics thresholds, naming p95 and the 5xx share', async () => {
    const run = await runBundledAction(
      'action-health',
      inputs({ 'metrics-url': stack.metricsUrl, 'max-p95-seconds': '0.2', 'max-error-rate': '0.001' }),
    );
    expect(run.code).toBe(1);
    expect(verdictOf(run, /^p95/)).toBe('fail');
    expect(verdictOf(run, /^5xx/)).toBe('fail');
    expect(run.stdout).toMatch(/::error::unhealthy: .*p95 latency.*5xx share/);
  });

  it('checks several hosts over one connection each, naming the host in every check', async () => {
    const second = await startSshd({ authorizedKeys: [key.publicKey] });
    try {
      const run = await runBundledAction(
        'action-health',
        inputs({
          host: `${sshd.address}:${sshd.port}\n${second.address}:${second.port}`,
          'known-hosts': `${sshd.knownHostsLine()}\n${second.knownHostsLine()}`,
        }),
      );
      expect(run.code).toBe(0);
      const hosts = [...new Set(checksOf(run).map((check) => check.host))];
      expect(hosts).toEqual([`${sshd.address}:${sshd.port}`, `${second.address}:${second.port}`]);
      // Each host's lines carry its label (the hosts are worked on side by side in a fleet).
      for (const label of hosts)
        expect(
          run.stdout.split('\n').filter((line) => line.startsWith(`${label} | connected to ttdeploy@`)),
        ).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('says clearly when the compose command given does not work on the server', async () => {
    const run = await runBundledAction('action-health', inputs({ 'compose-command': 'no-such-compose' }));
    expect(run.code).toBe(1);
    expect(checksOf(run).find((check) => check.check === 'services')?.value).toMatch(
      /the compose command "no-such-compose" does not answer "version --short"/,
    );
  });

  it('refuses bad inputs before connecting, naming each', async () => {
    const before = connectionsSeen();
    const run = await runBundledAction(
      'action-health',
      inputs({ host: 'deploy;touch /tmp/pwned', 'compose-command': 'docker $(id)' }),
    );
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([
      expect.stringMatching(/^::error::Input 'host': "deploy;touch \/tmp\/pwned" is not a host entry/),
      expect.stringMatching(/^::error::Input 'compose-command': /),
      '::error::2 problems with the inputs; nothing was run',
    ]);
    expect(connectionsSeen()).toBe(before);
  });

  it('refuses to connect without a host key pin', async () => {
    const before = connectionsSeen();
    const run = await runBundledAction('action-health', inputs({ 'known-hosts': '' }));
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([
      expect.stringMatching(/^::error::Input 'known-hosts': no host key pin for /),
    ]);
    expect(connectionsSeen()).toBe(before);
  });

  it('never prints the key, except in ::add-mask:: commands', async () => {
    const run = await runBundledAction('action-health', inputs());
    const keyLines = key.privateKey.split('\n').filter((line) => line.length > 20);
    for (const line of run.stdout.split('\n')) {
      if (keyLines.some((keyLine) => line.includes(keyLine)))
        expect(line.startsWith('::add-mask::')).toBe(true);
    }
  });

  it('stops promptly when the run is cancelled (SIGTERM), closing its connection', async () => {
    stack.setHealth('{"status": "starting"}\n');
    try {
      let sent = 0;
      const run = await runBundledAction('action-health', inputs({ retries: '50', interval: '30' }), {
        // Cancel while it waits 30 s for its second round, as the runner does on "Cancel workflow".
        onStart: (child) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            if (sent === 0 && /round 1 of 51 failed/.test(chunk.toString())) {
              sent = Date.now();
              child.kill('SIGTERM');
            }
          });
        },
      });
      expect(sent).toBeGreaterThan(0);
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/::error::cancelled by SIGTERM/);
      // The connection was closed, not left behind.
      expect(
        await waitFor(() =>
          /Disconnected from user ttdeploy/.test(sshd.log().split('\n').slice(-20).join('\n')),
        ),
      ).toBe(true);
    } finally {
      stack.setHealth('{"status": "healthy"}\n');
    }
  });
});
