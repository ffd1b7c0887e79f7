import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  commandLine,
  quote,
  quoteArgv,
  renderScript,
  toSshCommand,
  withRunToken,
} from '../../packages/shared/src/shell';

/** Runs text the way sshd does: the login shell gets it as one `-c` string. */
function viaLoginShell(text: string): string {
  return execFileSync('/bin/bash', ['--norc', '--noprofile', '-c', text], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin' },
  });
}

const NUL_FREE = fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !s.includes('\0'));

describe('quote', () => {
  it.each([
    ['plain', `'plain'`],
    ['', `''`],
    ["it's", `'it'\\''s'`],
    ['$(id)', `'$(id)'`],
  ])('quotes %j as %s', (value, expected) => {
    expect(quote(value)).toBe(expected);
  });

  it('refuses a NUL byte instead of cutting the value', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });

  it('round-trips any string through sh unchanged (property, 300 cases in one shell)', () => {
    const samples = fc
      .sample(NUL_FREE, { numRuns: 300, seed: 42 })
      .concat(["'", '"', '\n', '`id`', 'zzz";echo${IFS}"hello";#', '--upload-pack=x', '\u2028', '\\']);
    // One printf per sample, separated by a record mark that no sample holds.
    const script = samples.map((sample) => `printf '%s\\036' ${quote(sample)}`).join('; ');
    const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'latin1' });
    const expected = samples
      .map((sample) => Buffer.from(sample, 'utf8').toString('latin1') + '\x1e')
      .join('');
    expect(out).toBe(expected);
  });

  it('round-trips through both layers: login shell, then sh -c (property)', () => {
    fc.assert(
      fc.property(fc.array(NUL_FREE, { minLength: 1, maxLength: 4 }), (args) => {
        const text = toSshCommand('for a in "$@"; do printf "%s\\036" "$a"; done', args);
        expect(viaLoginShell(text)).toBe(args.map((arg) => `${arg}\x1e`).join(''));
      }),
      { numRuns: 40, seed: 7 },
    );
  });
});

describe('renderScript', () => {
  it('changes directory, exports variables and execs the quoted argv', () => {
    expect(
      renderScript({ argv: ['docker', 'compose', 'ps'], cwd: '/opt/app', env: { IMAGE_TAG: "v1'x" } }),
    ).toBe(`cd '/opt/app' && export IMAGE_TAG='v1'\\''x' && exec 'docker' 'compose' 'ps'`);
  });

  it('refuses a bad environment variable name', () => {
    expect(() => renderScript({ argv: ['true'], env: { 'A;B': 'x' } })).toThrow(/variable name/);
  });

  it('refuses an empty argv', () => {
    expect(() => quoteArgv([])).toThrow(/empty/);
  });

  it('runs what it renders with the arguments unchanged', () => {
    const out = viaLoginShell(
      commandLine({ argv: ['printf', '%s|', '$(touch /tmp/pwned)', 'a b', "'"], cwd: '/' }),
    );
    expect(out).toBe("$(touch /tmp/pwned)|a b|'|");
  });
});

describe('the run token', () => {
  it('rides in the wrapper arguments of a wrapped command, and through env otherwise', () => {
    const wrapped = withRunToken(toSshCommand('printf "%s|%s" "$TT_RUN" "$1"', ['arg']), 'run-42');
    expect(wrapped.startsWith('env ')).toBe(false);
    expect(viaLoginShell(wrapped)).toBe('run-42|arg');
    expect(viaLoginShell(withRunToken('printenv TT_RUN', 'run-42'))).toBe('run-42\n');
    // Without a session's token, a wrapped command still runs, with TT_RUN empty.
    expect(viaLoginShell(toSshCommand('printf "[%s]" "$TT_RUN"'))).toBe('[]');
  });
});

describe('what the lock finds of a run after a lost connection', () => {
  it("every shell of a wrapped command has the token as an argument (a shell's environment never shows an export)", () => {
    const token = `tok-${process.pid}-${Date.now()}`;
    const script = 'sleep 30; touch /nonexistent/never';
    const child = spawn(
      '/bin/bash',
      ['--norc', '--noprofile', '-c', withRunToken(toSshCommand(script), token)],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    try {
      const argvOf = (file: string) => {
        try {
          return readFileSync(file, 'utf8').split('\0');
        } catch {
          return []; // gone meanwhile (the grep's own shell)
        }
      };
      // The wrapper and its subshell: shells running the script, with the token among their arguments.
      const shellsWithToken = () =>
        execFileSync('sh', ['-c', `grep -lzx -e "$0" /proc/[0-9]*/cmdline 2>/dev/null || true`, token], {
          encoding: 'utf8',
        })
          .split('\n')
          .filter((line) => line !== '')
          .map(argvOf)
          .filter((argv) => argv[0] === 'sh' && argv[1] === '-c' && argv.includes(script));
      const deadline = Date.now() + 5000;
      let shells = shellsWithToken();
      while (shells.length < 2 && Date.now() < deadline) {
        execFileSync('sleep', ['0.05']);
        shells = shellsWithToken();
      }
      expect(shells.length).toBeGreaterThanOrEqual(2);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
