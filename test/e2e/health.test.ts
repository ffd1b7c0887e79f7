/**
 * action-health end to end: the bundled dist/index.js run as the runner runs it, against a real sshd
 * in front of the local Docker engine holding the fixture stack.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_USER, makeUserKey, scratchDir, startSshd, type Sshd } from '../harness/sshd';
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

  it('adds the release history and delivery figures from the journal on the server', async () => {
    const MINUTE = 60_000;
    const HOUR = 60 * MINUTE;
    const DAY = 24 * HOUR;
    const base = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * DAY;
    // Commits of the server's own repository, dated: the lead time is measured from their committer time.
    const commitAt = (ms: number, parent: string) =>
      execFileSync(
        'runuser',
        [
          '-u',
          TEST_USER,
          '--',
          'env',
          `GIT_COMMITTER_DATE=@${ms / 1000} +0000`,
          `GIT_AUTHOR_DATE=@${ms / 1000} +0000`,
        ]
          .concat(['git', '-C', stack.appDir, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.com'])
          .concat(['commit-tree', `${parent}^{tree}`, '-p', parent, '-m', 'a change']),
        { encoding: 'utf8' },
      ).trim();
    const { v2 } = stack.repo.shas;
    const c1 = commitAt(base - 2 * HOUR, v2);
    const c2 = commitAt(base + 2 * DAY - HOUR, c1);
    const missing = 'deadbeef'.repeat(5);
    const hostile = 'mallory|`x`<script>alert(1)</script>\nnext';
    const entry = (result: string, ms: number, runId: string | undefined, extra: object = {}) =>
      JSON.stringify({
        time: new Date(ms).toISOString(),
        environment: 'production',
        ref: c1,
        image_tag: `git-${c1.slice(0, 12)}`,
        previous_ref: '',
        migration: '',
        actor: 'alice',
        run_url: '',
        result,
        action: 'deploy',
        ...(runId === undefined ? {} : { run_id: runId }),
        ...extra,
      });
    const journal = [
      entry('started', base, '1'),
      entry('success', base + 5 * MINUTE, '1'),
      entry('started', base + DAY, '2', { ref: v2, actor: hostile }),
      entry('failed', base + DAY + 3 * MINUTE, '2', { ref: v2, actor: hostile }),
      entry('started', base + DAY + 10 * MINUTE, '3', { action: 'rollback', actor: 'bob' }),
      entry('success', base + DAY + 12 * MINUTE, '3', { action: 'rollback', actor: 'bob' }),
      entry('started', base + 2 * DAY, '4', { ref: c2 }),
      entry('success', base + 2 * DAY + 4 * MINUTE, '4', { ref: c2 }),
      entry('started', base + 2 * DAY + HOUR, '5', { ref: c2, actor: 'carol' }),
      entry('unchanged', base + 2 * DAY + 2 * HOUR, '6', { ref: c2 }),
      entry('started', base + 2 * DAY + 3 * HOUR, '7', { ref: missing }),
      entry('success', base + 2 * DAY + 3 * HOUR + MINUTE, '7', { ref: missing }),
      '{"torn line',
      entry('started', base + 2 * DAY + 4 * HOUR, '8', { ref: c2, action: 'migrate', actor: 'bob' }),
      entry('success', base + 2 * DAY + 4 * HOUR + 30_000, '8', {
        ref: c2,
        action: 'migrate',
        actor: 'bob',
        migration: '0001 -> 0002',
      }),
    ];
    const stateDir = join(stack.appDir, '.deploy');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'releases.jsonl'), `${journal.join('\n')}\n`);
    execFileSync('chown', ['-R', `${TEST_USER}:${TEST_USER}`, stateDir]);
    try {
      const run = await runBundledAction('action-health', inputs());
      expect(run.code).toBe(0);
      expect(errorLines(run)).toEqual([]);
      // The `report` output keeps its fields: the history is for the summary.
      expect(Object.keys(JSON.parse(run.outputs.report) as object)).toEqual([
        'healthy',
        'attempts',
        'checks',
        'failing',
      ]);
      const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;
      const short = (sha: string) => sha.slice(0, 12);
      const rows = run.summary
        .slice(run.summary.indexOf('### Release history'), run.summary.indexOf('### Delivery figures'))
        .split('\n')
        .filter((line) => line.startsWith('|'));
      expect(rows).toEqual([
        '| when (UTC) | action | what | who | result | duration |',
        '| --- | --- | --- | --- | --- | --- |',
        `| ${when(base + 2 * DAY + 4 * HOUR)} | migrate | ${short(c2)}, migration 0001 -&gt; 0002 | bob | ✅ success | 30s |`,
        `| ${when(base + 2 * DAY + 3 * HOUR)} | deploy | deadbeefdead | alice | ✅ success | 1m 00s |`,
        `| ${when(base + 2 * DAY + 2 * HOUR)} | deploy | ${short(c2)} | alice | ➖ unchanged | — |`,
        `| ${when(base + 2 * DAY + HOUR)} | deploy | ${short(c2)} | carol | ⚠️ interrupted | — |`,
        `| ${when(base + 2 * DAY)} | deploy | ${short(c2)} | alice | ✅ success | 4m 00s |`,
        `| ${when(base + DAY + 10 * MINUTE)} | rollback | ${short(c1)} | bob | ✅ success | 2m 00s |`,
        `| ${when(base + DAY)} | deploy | ${short(v2)} | mallory&#124;&#96;x&#96;&lt;script&gt;alert(1)&lt;/script&gt;<br>next | ❌ failed | 3m 00s |`,
        `| ${when(base)} | deploy | ${short(c1)} | alice | ✅ success | 5m 00s |`,
      ]);
      expect(run.summary).toMatch(
        new RegExp(
          `The last 8 runs in ${stateDir.replaceAll('.', '\\.')}/releases\\.jsonl on ${sshd.address}:${sshd.port}, newest first`,
        ),
      );
      // Three successful deploys in a journal 3 days old: over 1 week. Lead times 2h05m and 1h04m; the
      // commit the server does not have is skipped. 1 failed of 4 finished; restored by the rollback.
      expect(run.summary).toContain('| deploys per week | 3.0 (3 successful deploys in 1.0 weeks) |');
      expect(run.summary).toContain(
        '| lead time (median) | 1h 34m (2 deploys; 1 skipped: commit not on the server) |',
      );
      expect(run.summary).toContain(
        '| change failure rate | 25% (1 of 4 finished deploys; not counted: 1 interrupted, 1 unchanged) |',
      );
      expect(run.summary).toContain('| time to restore (median) | 9m 00s (1 failure) |');
      expect(run.summary).not.toMatch(/<script|`x`/);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('says when the journal cannot be read, and stays healthy', async () => {
    const stateDir = join(stack.appDir, '.deploy');
    // Root's, mode 000: the test user's tail cannot open it.
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'releases.jsonl'), '{}\n', { mode: 0o000 });
    try {
      const run = await runBundledAction('action-health', inputs());
      expect(run.code).toBe(0);
      expect(run.outputs.healthy).toBe('true');
      expect(run.summary).toMatch(
        /### Release history\n\nThe journal \([^)]*releases\.jsonl on [^)]*\) could not be read: reading the release ledger on \S+ exited with code 1<br> {2}stderr: tail: cannot open .*Permission denied/,
      );
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
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
