/**
 * The terminal CLI's own logic: the command line and inputs file, the log shown in a terminal, the
 * summary as text. Its runs against the real server are in test/e2e/cli.test.ts.
 */
import { inputsFromEnvFile, inputNameOf, parseCommandLine } from '../../cli/src/args';
import { COMMANDS } from '../../cli/src/commands';
import { cleanStrings, exitCodeOf, stagesOf } from '../../cli/src/outcome';
import { parseOutputFile, summaryText } from '../../cli/src/report';
import { styleFor, TerminalLog, withoutControls } from '../../cli/src/terminal';
import { actionYmlDefaults } from '../harness/action-yml';

const plain = styleFor(false);

function parsedRun(argv: string[]) {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(parsed)}`);
  return parsed;
}

function problemsOf(argv: string[]): readonly string[] {
  const parsed = parseCommandLine(argv);
  return parsed.kind === 'problems' ? parsed.problems : [];
}

describe('command line', () => {
  it.each(Object.keys(COMMANDS))('%s takes every input of its action.yml but the secrets', (name) => {
    const secrets = ['private-key', 'passphrase', 'password', 'github-token'];
    const inputs = Object.keys(actionYmlDefaults(`action-${name}`));
    expect(Object.keys(COMMANDS[name].inputs).sort()).toEqual([...inputs].sort());
    const given = inputs.filter((input) => !secrets.includes(input));
    // env-file (preflight's file on the server) collides with the CLI's --env-file: it goes by --input.
    const argv = given.flatMap((input) =>
      input === 'env-file' ? ['--input', `${input}=value-${input}`] : [`--${input}`, `value-${input}`],
    );
    const { flags } = parsedRun([name, ...argv]);
    expect(flags).toEqual(Object.fromEntries(given.map((input) => [input, `value-${input}`])));
  });

  it.each([
    ['--private-key', 'KEY'],
    ['--private-key=KEY'],
    ['--passphrase', 'x'],
    ['--password=x'],
    ['--github-token', 'ghp_x'],
    ['--input', 'private-key=KEY'],
    ['--input', 'password=x'],
  ])('refuses the secret %s on the command line', (...argv) => {
    const problems = problemsOf(['deploy', '--ref', 'v2', ...argv]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/is refused: a secret on the command line/);
    expect(problems[0]).not.toMatch(/KEY|ghp_x/);
  });

  it('refuses unknown commands, flags, positionals and --input pairs', () => {
    expect(problemsOf(['deplyo'])[0]).toMatch(/unknown command 'deplyo'/);
    expect(problemsOf(['deploy', '--reff', 'v2'])[0]).toMatch(/Unknown option '--reff'/);
    expect(problemsOf(['deploy', 'v2'])[0]).toMatch(/positional/i);
    expect(problemsOf(['deploy', '--input', 'nope=1'])[0]).toMatch(/--input nope: give NAME=VALUE/);
    expect(problemsOf(['deploy', '--input', '=1'])[0]).toMatch(/give NAME=VALUE/);
    // A mistyped secret's name: its value is not repeated back.
    expect(problemsOf(['deploy', '--input', 'private_key=SECRET-VALUE']).join()).not.toMatch(/SECRET-VALUE/);
    expect(problemsOf(['migrate', '--services', 'x'])[0]).toMatch(/Unknown option '--services'/);
  });

  it('takes each input once: a second --host would otherwise win silently', () => {
    expect(problemsOf(['deploy', '--host', 'a', '--host', 'b'])).toEqual([
      '--host is given twice; give each input once',
    ]);
    expect(problemsOf(['deploy', '--ref', 'v1', '--input', 'ref=v2'])).toEqual([
      'ref (--ref or --input ref=) is given twice; give each input once',
    ]);
    expect(problemsOf(['deploy', '--host', 'a,b', '--ref=v2'])).toEqual([]);
  });

  it('reads the CLI flags apart from the inputs; help and version are their own', () => {
    const { options, flags } = parsedRun([
      'health',
      '--json',
      '--key-file',
      '/k',
      '--known-hosts-file',
      '/kh',
      '--summary-file',
      '/s',
      '--env-file',
      '/e',
      '--verbose',
      '--host',
      'a',
    ]);
    expect(options).toEqual({
      json: true,
      keyFile: '/k',
      knownHostsFile: '/kh',
      summaryFile: '/s',
      envFile: '/e',
      verbose: true,
    });
    expect(flags).toEqual({ host: 'a' });
    expect(parseCommandLine([]).kind).toBe('help');
    expect(parseCommandLine(['deploy', '--help'])).toMatchObject({
      kind: 'help',
      text: expect.stringMatching(/private-key +not a flag: --key-file PATH/),
    });
    expect(parseCommandLine(['--version']).kind).toBe('version');
  });
});

describe('inputs file', () => {
  it.each([
    ['INPUT_DRY-RUN', 'dry-run'],
    ['DRY_RUN', 'dry-run'],
    ['dry-run', 'dry-run'],
    ['INPUT_HOST', 'host'],
  ])('%s names the input %s', (key, input) => expect(inputNameOf(key)).toBe(input));

  it('reads both forms, quotes and comments; secrets and unknown names are problems', () => {
    const text = [
      '# replayed from a run',
      'INPUT_REF=v2',
      'DRY_RUN="true"',
      "services='gateway,worker'",
      'INPUT_PRIVATE-KEY=abc',
      'PASSWORD=x',
      'NOT_AN_INPUT=1',
    ].join('\n');
    const { inputs, problems } = inputsFromEnvFile(text, COMMANDS.deploy, 'run.env');
    expect(inputs).toEqual({ ref: 'v2', 'dry-run': 'true', services: 'gateway,worker' });
    expect([...problems].sort()).toEqual([
      expect.stringMatching(/^run\.env: INPUT_PRIVATE-KEY holds a secret; give it by --key-file/),
      'run.env: NOT_AN_INPUT is not an input of this command',
      expect.stringMatching(/^run\.env: PASSWORD holds a secret; give it by the THINKTANK_SSH_PASSWORD/),
    ]);
    expect(problems.join('\n')).not.toMatch(/abc/);
  });

  it('refuses two names for one input, and reads a file that starts with a byte-order mark', () => {
    expect(inputsFromEnvFile('\uFEFFINPUT_REF=v2\n', COMMANDS.deploy, 'f')).toEqual({
      inputs: { ref: 'v2' },
      problems: [],
    });
    expect(inputsFromEnvFile('DRY_RUN=true\nINPUT_DRY-RUN=false\n', COMMANDS.deploy, 'f').problems).toEqual([
      expect.stringMatching(
        /^f: (DRY_RUN|INPUT_DRY-RUN) and (DRY_RUN|INPUT_DRY-RUN) both set dry-run; keep one$/,
      ),
    ]);
  });
});

function logOf(verbose = false) {
  let shown = '';
  const log = new TerminalLog({
    sink: (text) => (shown += text),
    tty: false,
    style: plain,
    verbose,
    now: () => 1000,
  });
  return { log, shown: () => shown };
}

describe('terminal log', () => {
  it('hides ::add-mask:: lines and masks their values everywhere after, longest first', () => {
    const { log, shown } = logOf();
    log.write('::add-mask::hunter2\n::add-mask::hunter2-and-more\n');
    log.write('password is hunter2-and-more or hunter2\n::error::bad hunter2\n');
    log.finish();
    expect(shown()).toBe('[   0.0s] password is *** or ***\n[   0.0s] error: bad ***\n');
    expect(log.errors).toEqual(['bad ***']);
  });

  it('removes every control character a server could send to take over the terminal', () => {
    const { log, shown } = logOf();
    log.write('evil \x1b]0;owned\x07title \x1b[2J\x1b[31mred\r over \x9b6n \x08done\tkept\n');
    log.finish();
    expect(shown()).toBe('[   0.0s] evil ]0;ownedtitle [2J[31mred over 6n done\tkept\n');

    expect(shown()).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('shows groups as stages, annotations as words, debug only when verbose; unescapes data', () => {
    const quiet = logOf();
    quiet.log.write(
      '::group::Build images\nline\n::endgroup::\n::warning::two%0Alines 100%25\n::debug::hidden\n',
    );
    quiet.log.finish();
    expect(quiet.shown()).toBe(
      // Each line of a multi-line annotation says what it is.
      '[   0.0s] ▶ Build images\n[   0.0s] line\n[   0.0s] warning: two\n[   0.0s] warning: lines 100%\n',
    );
    const verbose = logOf(true);
    verbose.log.write('::debug::seen\n');
    verbose.log.finish();
    expect(verbose.shown()).toBe('[   0.0s] debug: seen\n');
  });

  it('shows a stop-commands region as text: commands inside it are not obeyed', () => {
    const { log, shown } = logOf();
    log.write('::stop-commands::tok1\n::add-mask::x\n::error::from the server\n::tok1::\n::error::ours\n');
    log.finish();
    expect(shown()).toBe(
      '[   0.0s] ::add-mask::x\n[   0.0s] ::error::from the server\n[   0.0s] error: ours\n',
    );
    expect(log.errors).toEqual(['ours']);
  });

  it('keeps a line written in pieces whole, and shows the last one on finish', () => {
    const { log, shown } = logOf();
    log.write('::err');
    log.write('or::split\npartial');
    log.finish();
    expect(shown()).toBe('[   0.0s] error: split\n[   0.0s] partial\n');
  });

  it('colours only when styled for a terminal without NO_COLOR', () => {
    expect(styleFor(true, {}).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(styleFor(true, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(styleFor(false, {}).red('x')).toBe('x');
  });
});

describe('summary as text', () => {
  it('aligns tables, drops tags and mermaid blocks, unescapes entities, strips controls', () => {
    const markdown = [
      '### Deploy to staging: ✅ deployed',
      '',
      '```mermaid',
      'gantt',
      '  Build :a, 0, 1',
      '```',
      '| service | state |',
      '| --- | --- |',
      '| gateway | &lt;b&gt;healthy&#124;x |',
      '| w | \x1b[2Jok |',
      '',
      '<details><summary>Logs</summary>',
      '',
      '`a &amp; b`<br>next',
      '</details>',
    ].join('\n');
    expect(summaryText(markdown, plain)).toBe(
      [
        'Deploy to staging: ✅ deployed',
        '',
        '  service  state',
        '  gateway  <b>healthy|x',
        '  w        [2Jok',
        '',
        'Logs',
        '',
        'a & b / next',
      ].join('\n'),
    );
  });

  it('reads outputs written as heredocs and as name=value', () => {
    const text = 'report<<ghadelimiter_1\n{"a":\n1}\nghadelimiter_1\nhealthy=true\n';
    expect(parseOutputFile(text)).toEqual({ report: '{"a":\n1}', healthy: 'true' });
  });

  it('withoutControls keeps tabs and text', () => expect(withoutControls('a\tb\u0085c')).toBe('a\tbc'));
});

describe('exit codes', () => {
  const fleet = (...hosts: object[]) => ({ report: JSON.stringify({ hosts }) });
  it.each([
    ['deploy', 'ok', {}, 0],
    ['deploy', 'failed', { 'rolled-back': 'true' }, 4],
    ['deploy', 'failed', { 'rolled-back': 'false' }, 1],
    ['deploy', 'failed', {}, 1],
    ['deploy', 'bad-input', {}, 2],
    ['deploy', 'lock-busy', {}, 3],
    ['deploy', 'cancelled', { 'rolled-back': 'true' }, 130],
    // Only a deploy says it rolled back: a failed rollback or health check is a failure.
    ['rollback', 'failed', { 'rolled-back': 'true' }, 1],
    // A fleet: 4 only when every host that did not pass was rolled back.
    [
      'deploy',
      'failed',
      {
        'rolled-back': 'true',
        ...fleet(
          { result: 'success' },
          { result: 'failed', outcome: { rolledBack: true } },
          { result: 'not started' },
        ),
      },
      4,
    ],
    [
      'deploy',
      'failed',
      {
        'rolled-back': 'true',
        ...fleet(
          { result: 'failed', outcome: { rolledBack: true } },
          { result: 'failed', outcome: { rolledBack: false } },
        ),
      },
      1,
    ],
    [
      'deploy',
      'failed',
      {
        'rolled-back': 'true',
        ...fleet({ result: 'failed', outcome: { rolledBack: true } }, { result: 'unreachable' }),
      },
      1,
    ],
  ] as const)('%s ending %s with %j exits %i', (command, end, outputs, code) =>
    expect(exitCodeOf(command, end, outputs)).toBe(code),
  );

  it('finds the stages of one host or of every host of a fleet', () => {
    const stage = (name: string) => ({ name, startedAt: '2026-11-28T00:00:00Z', seconds: 1, result: 'ok' });
    expect(stagesOf(JSON.stringify({ stages: [stage('a')] })).map((each) => each.name)).toEqual(['a']);
    expect(
      stagesOf(
        JSON.stringify({ stages: [stage('x')], hosts: [{ outcome: { stages: [stage('b')] } }, {}] }),
      ).map((each) => each.name),
    ).toEqual(['b']);
    // A rollback's fleet report keeps each host's stages on the host.
    expect(stagesOf(JSON.stringify({ hosts: [{ stages: [stage('c')] }] })).map((each) => each.name)).toEqual([
      'c',
    ]);
    expect(stagesOf('not json')).toEqual([]);
    expect(stagesOf(undefined)).toEqual([]);
  });

  it('masks strings before they become JSON (escaping hides a secret from a mask of the text)', () => {
    const secret = 'pa"ss\\word-123';
    const mask = (text: string) => text.replaceAll(secret, '***');
    const json = JSON.stringify(
      cleanStrings({ outputs: { leak: `pw=${secret}`, list: [`${secret}\u009b2J`] } }, mask),
    );
    expect(json).toBe('{"outputs":{"leak":"pw=***","list":["***2J"]}}');
  });
});
