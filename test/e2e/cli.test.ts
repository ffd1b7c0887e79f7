/**
 * The terminal CLI end to end: the bundled cli/dist/index.js against the same real sshd, Docker
 * engine, git checkout and PostgreSQL as the actions' tests, piped and in a real pseudo-terminal.
 * Logs in with a real ssh-agent or a key file, pins the host with a hashed ~/.ssh/known_hosts, and
 * checks the server afterwards.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliRun } from '../harness/cli';
import { runBundledAction } from '../harness/runner';
import { startSandbox, type Sandbox } from '../harness/sandbox';
import { makeUserKey, scratchDir } from '../harness/sshd';
import { ledgerOf, waitLockFree } from '../harness/stack';

jest.setTimeout(300_000);

let sandbox: Sandbox;
let home: string;
let agent: ChildProcess;
let agentSocket: string;

beforeAll(async () => {
  sandbox = await startSandbox('cli', 'kept by the CLI');
  home = scratchDir('tt-cli-home-');
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  const knownHosts = join(home, '.ssh', 'known_hosts');
  writeFileSync(knownHosts, `${sandbox.sshd.knownHostsLine()}\n`);
  // Hashed, as Debian's ssh writes it (HashKnownHosts yes): the CLI must pin from |1|salt|hmac lines.
  execFileSync('ssh-keygen', ['-H', '-f', knownHosts], { stdio: 'pipe' });
  // A line OpenSSH skips (an SSH1 key): skipped with a warning, not a reason to refuse every host.
  appendFileSync(knownHosts, 'oldhost 1024 35 12345678901234567890\n');
  agentSocket = join(home, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
  for (let tries = 0; !existsSync(agentSocket) && tries < 50; tries++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  execFileSync('ssh-add', [sandbox.key.path], { env: { SSH_AUTH_SOCK: agentSocket }, stdio: 'pipe' });
});
afterAll(async () => {
  agent?.kill();
  await sandbox?.stop();
});

const stateDir = () => join(sandbox.stack.appDir, '.deploy');

/** The sandbox's inputs as flags, without the secret and the pin (the agent and HOME give those). */
function flags(extra: Record<string, string> = {}): string[] {
  const {
    'private-key': _key,
    'known-hosts': _pin,
    ...inputs
  } = sandbox.inputs({ environment: 'staging', 'lock-timeout': '120', ...extra });
  return Object.entries(inputs).flatMap(([name, value]) => [`--${name}`, value]);
}

/** Only the connection's flags (what every command takes). */
function connectionFlags(): string[] {
  const inputs = sandbox.inputs({ environment: 'staging' });
  return ['host', 'username', 'app-dir', 'environment', 'connect-retries', 'connect-timeout'].flatMap(
    (name) => [`--${name}`, inputs[name]],
  );
}

const env = (extra: Record<string, string> = {}) => ({
  HOME: home,
  USER: 'cli-tester',
  SSH_AUTH_SOCK: agentSocket,
  ...extra,
});

/** The exit code, with the run's output in the message when it is not the one expected. */
function expectExit(run: CliRun, code: number): void {
  if (run.code !== code)
    throw new Error(`exit code ${run.code}, expected ${code}\n${run.stdout}\n${run.stderr}`);
}

const ESCAPES = /\x1b\[/;
/** Workflow commands shown as they are, with or without the elapsed-time stamp in front. */
const workflowCommands = (text: string) =>
  text.split(/\r?\n/).filter((line) => /^(?:.*\[ *\d+\.\ds\]\S* )?::[a-z-]+/.test(line));

describe('thinktank-deploy (bundled CLI)', () => {
  it('refuses secrets on the command line and bad inputs before connecting (exit 2)', async () => {
    for (const secret of ['--private-key', '--passphrase=x', '--password', '--github-token']) {
      const run = await runCli(['deploy', secret, 'x', ...flags({ ref: 'v2' })], { env: env() });
      expectExit(run, 2);
      expect(run.stderr).toMatch(/is refused: a secret on the command line/);
    }
    const unknown = await runCli(['deploy', '--reff', 'v2'], { env: env() });
    expectExit(unknown, 2);
    expect(unknown.stderr).toMatch(/Unknown option '--reff'/);
    const bad = await runCli(['deploy', ...flags({ ref: 'v2', host: 'a;reboot' })], { env: env() });
    expectExit(bad, 2);
    expect(bad.stdout).toMatch(/error: Input 'host': "a;reboot" is not a host entry/);
    const inputsFile = join(home, 'secret.env');
    writeFileSync(inputsFile, 'INPUT_PRIVATE-KEY=abc\n');
    const fromFile = await runCli(['health', '--env-file', inputsFile, ...connectionFlags()], {
      env: env(),
    });
    expectExit(fromFile, 2);
    expect(fromFile.stderr).toMatch(/INPUT_PRIVATE-KEY holds a secret/);
    // --json asked for: the refusal is JSON too; a summary file that cannot be written is refused up front.
    const asJson = await runCli(['health', '--json', '--bogus', 'x'], { env: env() });
    expectExit(asJson, 2);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ command: 'health', result: 'bad input', exit_code: 2 });
    const noSummary = await runCli(['health', '--summary-file', '/nonexistent/s.md', ...connectionFlags()], {
      env: env(),
    });
    expectExit(noSummary, 2);
    expect(noSummary.stderr).toMatch(/--summary-file: cannot write \/nonexistent\/s\.md: ENOENT/);
    // Nothing reached the server.
    expect(ledgerOf(stateDir())).toEqual([]);
  });

  it('deploys piped: plain progress lines, the summary as text, the same ledger entry as the action', async () => {
    const run = await runCli(['deploy', ...flags({ ref: 'v2' })], { env: env() });
    expectExit(run, 0);
    expect(run.stdout).not.toMatch(ESCAPES);
    expect(workflowCommands(run.stdout)).toEqual([]);
    expect(run.stdout).toMatch(/^\[ *\d+\.\ds\] ▶ Build images/m);
    expect(run.stdout).toMatch(/^\[ *\d+\.\ds\] ▶ Restart gateway/m);
    expect(run.stdout).toMatch(/deploy: success in \d+\.\ds \(exit code 0\)/);
    expect(run.stderr).toMatch(/known_hosts: line 2 skipped/);
    expect(run.stdout).toMatch(new RegExp(`deployed-ref +${sandbox.stack.repo.shas.v2}`));
    // The summary's gantt, as text bars: where the time went.
    expect(run.stdout).toMatch(/^Timeline\n(?: .*\n)*? {2}Build images.* \d+\.\ds {2}░*█+░*$/m);
    expect(run.stdout).not.toMatch(/```mermaid/);
    // The server, not the log: v2 runs, and the journal names the person at the terminal.
    expect(sandbox.head()).toBe(sandbox.stack.repo.shas.v2);
    expect(JSON.parse(sandbox.stack.health())).toEqual({ status: 'healthy', version: 'v2' });
    expect(ledgerOf(stateDir()).at(-1)).toMatchObject({
      ref: sandbox.stack.repo.shas.v2,
      result: 'success',
      actor: 'cli-tester',
      run_id: expect.stringMatching(/^local-\d+$/),
    });
  });

  it('checks health with --json and --env-file: one JSON document on stdout, the log on stderr', async () => {
    const inputsFile = join(home, 'health.env');
    const summaryFile = join(home, 'health-summary.md');
    // A workflow's inputs replayed: the runner's INPUT_ form and the plain form.
    writeFileSync(
      inputsFile,
      [
        `INPUT_URL=${sandbox.stack.healthUrl}`,
        `INPUT_SERVER-URL=${sandbox.stack.healthUrl}`,
        'CHECK_DEPENDENCIES=false',
        'retries=2',
        'INTERVAL=1',
        '',
      ].join('\n'),
    );
    const run = await runCli(
      [
        'health',
        '--env-file',
        inputsFile,
        '--key-file',
        sandbox.key.path,
        '--json',
        '--summary-file',
        summaryFile,
      ].concat(connectionFlags()),
      { env: env({ SSH_AUTH_SOCK: '' }) },
    );
    expectExit(run, 0);
    const document = JSON.parse(run.stdout) as {
      result: string;
      exit_code: number;
      outputs: { healthy: string; report: { healthy: boolean; checks: unknown[] } };
    };
    expect(document).toMatchObject({ result: 'success', exit_code: 0, outputs: { healthy: 'true' } });
    expect(document.outputs.report.healthy).toBe(true);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/▶ Health of staging/);
    expect(readFileSync(summaryFile, 'utf8')).toMatch(/staging is healthy/);
    // The same checks and verdicts as the bundled action-health given the same inputs.
    const action = await runBundledAction('action-health', {
      ...sandbox.inputs({ environment: 'staging' }),
      url: sandbox.stack.healthUrl,
      'server-url': sandbox.stack.healthUrl,
      'check-dependencies': 'false',
      retries: '2',
      interval: '1',
    });
    const verdicts = (checks: readonly unknown[]) =>
      (checks as { check: string; verdict: string }[]).map(({ check, verdict }) => `${check}: ${verdict}`);
    expect(action.code).toBe(0);
    expect(verdicts(document.outputs.report.checks)).toEqual(
      verdicts((JSON.parse(action.outputs.report) as { checks: unknown[] }).checks),
    );
  });

  it('takes an encrypted key file: passphrase from the environment or a prompt in a terminal, never echoed', async () => {
    const passphrase = 'correct horse battery';
    const key = makeUserKey(scratchDir('tt-cli-enc-'), 'id_enc', 'ed25519', { passphrase });
    appendFileSync(join(sandbox.sshd.dir, 'authorized_keys'), `${key.publicKey}\n`);
    const url = sandbox.stack.healthUrl;
    const args = [
      'health',
      '--key-file',
      key.path,
      '--url',
      url,
      '--server-url',
      url,
      '--check-dependencies',
      'false',
    ];
    args.push(...connectionFlags());
    const noAgent = env({ SSH_AUTH_SOCK: '' });
    const piped = await runCli(args, { env: noAgent });
    expectExit(piped, 2);
    expect(piped.stderr).toMatch(/id_enc is encrypted; set THINKTANK_SSH_PASSPHRASE/);
    const fromEnv = await runCli(args, { env: { ...noAgent, THINKTANK_SSH_PASSPHRASE: passphrase } });
    expectExit(fromEnv, 0);
    const prompted = await runCli(args, {
      env: noAgent,
      tty: true,
      answer: { prompt: /passphrase for .*id_enc: /, text: `${passphrase}\r` },
    });
    expectExit(prompted, 0);
    expect(prompted.stdout).toMatch(/health: success/);
    for (const run of [piped, fromEnv, prompted]) expect(run.stdout + run.stderr).not.toContain(passphrase);
  });

  it('exits 4 for a deploy that failed and was rolled back, and 3 for one that found the lock busy', async () => {
    // Whatever ran before (v2 after the tests above; v1 when this test runs alone) is what comes back.
    const before = { head: sandbox.head(), version: JSON.parse(sandbox.stack.health()).version as string };
    const failing = runCli(['deploy', ...flags({ ref: 'never-healthy', 'wait-timeout': '15' })], {
      env: env(),
    });
    // Started once the first deploy holds the lock; it waits 2 s at most.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const busy = await runCli(['deploy', ...flags({ ref: 'v2', 'lock-timeout': '2' })], { env: env() });
    expectExit(busy, 3);
    expect(busy.stdout).toMatch(
      /error: .*the deploy lock in .* is still held after 2s by .*; nothing was changed/,
    );
    const failed = await failing;
    expectExit(failed, 4);
    expect(failed.stdout).toMatch(/deploy: rolled back in/);
    expect(sandbox.head()).toBe(before.head);
    expect(JSON.parse(sandbox.stack.health()).version).toBe(before.version);
    expect(ledgerOf(stateDir()).at(-1)).toMatchObject({ result: 'rolled-back' });
    await waitLockFree(stateDir());
  });

  it('rolls back in a terminal: colours, a spinner and stage lines; the server runs the previous release', async () => {
    const run = await runCli(['rollback', ...flags({ to: 'previous' })], { env: env(), tty: true });
    expectExit(run, 0);
    expect(run.stdout).toMatch(ESCAPES);
    expect(run.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(run.stdout).toMatch(/▶ /);
    expect(workflowCommands(run.stdout)).toEqual([]);
    const toRef = /to-ref +([0-9a-f]{40})/.exec(run.stdout)?.[1];
    expect(toRef).toBe(sandbox.stack.repo.shas.v1);
    expect(sandbox.head()).toBe(toRef);
    expect(JSON.parse(sandbox.stack.health()).version).toBe('v1');
  });

  // Once the first service is being restarted: mid-deploy, after the journal's `started`.
  it.each([
    ['a Ctrl-C', 'SIGINT'],
    ['a closed terminal', 'SIGHUP'],
  ] as const)(
    '%s (%s) stops the deploy as a cancelled run does: exit 130, journal says cancelled, lock let go',
    async (_what, signal) => {
      // From v1, whatever the test before left: the deploy to v2 then has services to restart.
      expectExit(await runCli(['deploy', ...flags({ ref: 'v1' })], { env: env() }), 0);
      const run = await runCli(['deploy', ...flags({ ref: 'v2' })], {
        env: env(),
        onStart: (child) => {
          let seen = '';
          child.stdout?.on('data', (chunk: Buffer) => {
            seen += chunk.toString();
            if (/▶ Restart gateway/.test(seen) && !child.killed) child.kill(signal);
          });
        },
      });
      expectExit(run, 130);
      expect(run.stdout).toMatch(new RegExp(`cancelled by ${signal}: remote work was stopped`));
      expect(ledgerOf(stateDir()).at(-1)).toMatchObject({ result: 'cancelled' });
      await waitLockFree(stateDir());
      // The server still answers with one release or the other, never nothing.
      expect(['v1', 'v2']).toContain(JSON.parse(sandbox.stack.health()).version);
    },
  );

  it('a reader that goes away (| head -1) does not stop the deploy: it runs to its end', async () => {
    const { v2 } = sandbox.stack.repo.shas;
    const run = await runCli(['deploy', ...flags({ ref: 'v2' })], {
      env: env(),
      // The pipe's reading end closes after the first chunk: every later write gets EPIPE.
      onStart: (child) => child.stdout?.once('data', () => child.stdout?.destroy()),
    });
    expectExit(run, 0);
    expect(sandbox.head()).toBe(v2);
    expect(JSON.parse(sandbox.stack.health())).toEqual({ status: 'healthy', version: 'v2' });
    expect(ledgerOf(stateDir()).at(-1)).toMatchObject({ ref: v2, result: 'success', actor: 'cli-tester' });
  });
});
