import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../packages/shared/src/errors';
import { HEALTH_DEFAULTS, readHealthInputs } from '../../packages/shared/src/inputs/health';
import { makeUserKey, scratchDir } from '../harness/sshd';
import { actionYmlDefaults, codeDefaults } from '../harness/action-yml';
import { healthSettingsFrom, readWithInputs } from '../harness/settings';
import { readDeployInputs } from '../../packages/shared/src/inputs/deploy';
import { readMigrateInputs } from '../../packages/shared/src/inputs/migrate';
import { readRollbackInputs } from '../../packages/shared/src/inputs/rollback';
import { fingerprintOf, verifyHostKey } from '../../packages/shared/src/ssh/known-hosts';

const dir = scratchDir('tt-inputs-');
const key = makeUserKey(dir, 'id_ed25519', 'ed25519');
const encrypted = makeUserKey(dir, 'id_enc', 'ed25519', { passphrase: 'correct horse' });
const pem = makeUserKey(dir, 'id_pem', 'rsa', { format: 'PEM' });
const hostLine = readFileSync(`${key.path}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'pkcs8')]);
const pkcs8 = readFileSync(join(dir, 'pkcs8'), 'utf8');

function withInputs(inputs: Record<string, string>): () => ReturnType<typeof readHealthInputs> {
  return () => healthSettingsFrom(inputs);
}

const GOOD = {
  host: 'deploy.example.com',
  username: 'deploy',
  'private-key': key.privateKey,
  'known-hosts': `deploy.example.com ${hostLine}`,
};

function problems(inputs: Record<string, string>): string[] {
  try {
    withInputs(inputs)();
  } catch (error) {
    if (error instanceof ConfigurationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('action-health inputs', () => {
  it('turns good inputs into frozen settings with the contract defaults', () => {
    const settings = withInputs(GOOD)();
    expect(Object.isFrozen(settings)).toBe(true);
    expect(settings.connection.targets).toEqual([
      expect.objectContaining({ host: 'deploy.example.com', port: 22, label: 'deploy.example.com' }),
    ]);
    expect(settings.connection.stateDir).toBe('/opt/thinktank/.deploy');
    expect(settings.connection.composeCommand).toBe('auto');
    expect(settings.retries).toBe(10);
    expect(settings.serverUrl).toBe('http://localhost/health');
  });

  it('defaults in code match action.yml', () => {
    expect(actionYmlDefaults('action-health')).toEqual(codeDefaults(HEALTH_DEFAULTS));
  });

  it('names every bad input, with an example, and never the secret values', () => {
    const found = problems({
      ...GOOD,
      host: 'a;b',
      port: 'x',
      retries: '-1',
      'server-url': 'file:///etc/passwd',
      environment: '../etc',
    });
    expect(found).toEqual([
      expect.stringMatching(/^Input 'host': "a;b" is not a host entry\. Example: /),
      expect.stringMatching(/^Input 'port': "x" is not a TCP port/),
      expect.stringMatching(/^Input 'environment': /),
      expect.stringMatching(/^Input 'server-url': /),
      expect.stringMatching(/^Input 'retries': /),
    ]);
  });

  it('requires host and username', () => {
    expect(problems({ ...GOOD, host: '', username: '' })).toEqual([
      expect.stringMatching(/^Input 'host': host is required/),
      expect.stringMatching(/^Input 'username': username is required/),
    ]);
  });

  it('fails closed without a host key pin', () => {
    expect(problems({ ...GOOD, 'known-hosts': '' })).toEqual([
      expect.stringMatching(/^Input 'known-hosts': no host key pin for deploy.example.com/),
    ]);
    expect(problems({ ...GOOD, 'known-hosts': `other.example.com ${hostLine}` })).toEqual([
      expect.stringMatching(/no pinned host key for deploy.example.com/),
    ]);
    expect(problems({ ...GOOD, 'known-hosts': '', 'insecure-ignore-host-key': 'true' })).toEqual([]);
    expect(
      problems({
        ...GOOD,
        'known-hosts': '',
        'host-fingerprint': 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
      }),
    ).toEqual([]);
  });

  it('pins [host]:port entries to the port used', () => {
    expect(problems({ ...GOOD, host: 'deploy.example.com:2222' })).toEqual([
      expect.stringMatching(/deploy.example.com:2222/),
    ]);
    expect(
      problems({
        ...GOOD,
        host: 'deploy.example.com:2222',
        'known-hosts': `[deploy.example.com]:2222 ${hostLine}`,
      }),
    ).toEqual([]);
  });

  it('explains key problems: encrypted without passphrase, wrong passphrase, PKCS#8, literal \\n', () => {
    expect(problems({ ...GOOD, 'private-key': encrypted.privateKey })).toEqual([
      expect.stringMatching(/^Input 'passphrase': the key is encrypted/),
    ]);
    expect(problems({ ...GOOD, 'private-key': encrypted.privateKey, passphrase: 'wrong' })).toEqual([
      expect.stringMatching(/^Input 'passphrase': the passphrase does not decrypt the key/),
    ]);
    expect(problems({ ...GOOD, 'private-key': encrypted.privateKey, passphrase: 'correct horse' })).toEqual(
      [],
    );
    expect(problems({ ...GOOD, 'private-key': pkcs8 })).toEqual([
      expect.stringMatching(/^Input 'private-key': PKCS#8 keys .*ssh-keygen -p -f KEYFILE/),
    ]);
    expect(problems({ ...GOOD, 'private-key': key.privateKey.trim().replaceAll('\n', '\\n') })).toEqual([
      expect.stringMatching(/literal \\n sequences/),
    ]);
    expect(problems({ ...GOOD, 'private-key': pem.privateKey })).toEqual([]);
    expect(problems({ ...GOOD, 'private-key': key.publicKey })).toEqual([
      expect.stringMatching(/^Input 'private-key': /),
    ]);
    const saved = {
      SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK,
      THINKTANK_SSH_AGENT: process.env.THINKTANK_SSH_AGENT,
    };
    try {
      // A runner's own agent is never used: only the CLI's THINKTANK_SSH_AGENT opts in.
      process.env.SSH_AUTH_SOCK = '/tmp/agent.sock';
      delete process.env.THINKTANK_SSH_AGENT;
      expect(problems({ ...GOOD, 'private-key': '', password: '' })).toEqual([
        expect.stringMatching(/^Input 'private-key': give private-key/),
      ]);
      process.env.THINKTANK_SSH_AGENT = '/tmp/agent.sock';
      expect(problems({ ...GOOD, 'private-key': '', password: '' })).toEqual([]);
      expect(withInputs({ ...GOOD, 'private-key': '' })().connection.agent).toBe('/tmp/agent.sock');
      // A given key or password wins over the agent.
      expect(withInputs(GOOD)().connection.agent).toBeUndefined();
      expect(
        withInputs({ ...GOOD, 'private-key': '', password: 'pw-123456' })().connection.agent,
      ).toBeUndefined();
    } finally {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
    for (const found of problems({
      ...GOOD,
      'private-key': encrypted.privateKey,
      passphrase: 'Tr0ub4dor-x9',
    })) {
      expect(found).not.toContain('Tr0ub4dor-x9');
      expect(found).not.toContain(encrypted.privateKey.split('\n')[1]);
    }
  });

  it('refuses a fleet entry it cannot parse among good ones', () => {
    expect(problems({ ...GOOD, host: 'deploy.example.com,bad host' })).toEqual([
      expect.stringMatching(/^Input 'host': "bad host"/),
    ]);
  });

  const fleet = {
    ...GOOD,
    host: 'a.example.com,ops@b.example.com:2222',
    'known-hosts': `a.example.com,[b.example.com]:2222 ${hostLine}`,
  };
  const problemsOf = (inputs: Record<string, string>, read: () => unknown): readonly string[] => {
    try {
      readWithInputs({ ref: 'main', ...inputs }, read);
    } catch (error) {
      if (error instanceof ConfigurationError) return error.problems;
      throw error;
    }
    return [];
  };

  it('takes a fleet in deploy, migrate, rollback and health, each entry with its own user and port', () => {
    expect(problems(fleet)).toEqual([]);
    for (const read of [readDeployInputs, readMigrateInputs, readRollbackInputs] as (() => unknown)[])
      expect(problemsOf(fleet, read)).toEqual([]);
    const settings = readWithInputs({ ...fleet, ref: 'main' }, readDeployInputs);
    expect(settings.connection.targets.map(({ username, label }) => `${username}@${label}`)).toEqual([
      'deploy@a.example.com',
      'ops@b.example.com:2222',
    ]);
    expect(settings.migrateScope).toBe('fleet');
    expect([settings.connection.maxParallel, settings.connection.canary]).toEqual([1, true]);
  });

  it.each([
    [
      'the same host twice',
      { host: 'a.example.com,A.example.com:22' },
      readDeployInputs,
      /^Input 'host': a\.example\.com:22 is given twice/,
    ],
    [
      'max-parallel 0',
      { 'max-parallel': '0' },
      readDeployInputs,
      /^Input 'max-parallel': "0" is not a whole number from 1 to 256/,
    ],
    [
      'a fleet with orchestrator swarm',
      { orchestrator: 'swarm', 'image-tag': 'v1' },
      readDeployInputs,
      /^Input 'host': 2 hosts given with orchestrator swarm: give one manager node$/,
    ],
    [
      'a full rollback of a fleet',
      { mode: 'full', confirm: 'production' },
      readRollbackInputs,
      /^Input 'host': 2 hosts given: mode full restores the shared database once/,
    ],
    [
      'action-migrate with swarm',
      { host: 'a.example.com', orchestrator: 'swarm' },
      readMigrateInputs,
      /^Input 'orchestrator': swarm: a stack is migrated by action-deploy/,
    ],
    [
      'an unknown orchestrator',
      { orchestrator: 'k8s' },
      readDeployInputs,
      /^Input 'orchestrator': "k8s" is not one of compose, swarm/,
    ],
    [
      'a bad stack name',
      { host: 'a.example.com', orchestrator: 'swarm', 'image-tag': 'v1', 'stack-name': 'a b' },
      readDeployInputs,
      /^Input 'stack-name': "a b" is not a stack name/,
    ],
  ] as const)('refuses %s', (_, inputs, read, expected) => {
    expect(problemsOf({ ...fleet, ...inputs }, read as () => unknown)).toEqual([
      expect.stringMatching(expected),
    ]);
  });

  it('swarm needs an image tag: nothing is built', () => {
    expect(problemsOf({ ...fleet, host: 'a.example.com', orchestrator: 'swarm' }, readDeployInputs)).toEqual([
      expect.stringMatching(/^Input 'image-tag': required with orchestrator swarm/),
    ]);
  });
});

describe('host-fingerprint pins per host (scoped host=SHA256:...)', () => {
  const FP = {
    target: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
    bastion: 'SHA256:bBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBb',
    other: 'SHA256:oOoOoOoOoOoOoOoOoOoOoOoOoOoOoOoOoOoOoOoOoOo',
  };
  const PINNED_BY_FINGERPRINT = { ...GOOD, 'known-hosts': '' };
  const JUMP = 'ops@bastion.example.com:2200';

  // [case, inputs, fingerprints each target is pinned with, the jump host's]
  const accepted: [string, Record<string, string>, string[][], string[] | undefined][] = [
    ['scoped, one host', { 'host-fingerprint': `deploy.example.com=${FP.target}` }, [[FP.target]], undefined],
    ['unscoped, one host without a jump host', { 'host-fingerprint': FP.target }, [[FP.target]], undefined],
    [
      'scoped, a padded fingerprint, spaces around =',
      { 'host-fingerprint': `deploy.example.com = ${FP.target}=` },
      [[FP.target]],
      undefined,
    ],
    [
      'host names compare case-insensitively',
      { 'host-fingerprint': `DEPLOY.Example.COM=${FP.target}` },
      [[FP.target]],
      undefined,
    ],
    [
      'target and jump host, each by its own scope',
      {
        'jump-host': JUMP,
        'host-fingerprint': `deploy.example.com=${FP.target}\nbastion.example.com:2200=${FP.bastion}`,
      },
      [[FP.target]],
      [FP.bastion],
    ],
    [
      'a scope without port names the jump host on its port',
      {
        'jump-host': JUMP,
        'host-fingerprint': `deploy.example.com=${FP.target},bastion.example.com=${FP.bastion}`,
      },
      [[FP.target]],
      [FP.bastion],
    ],
    [
      'jump host pinned by its known_hosts line, the target by fingerprint',
      {
        'jump-host': JUMP,
        'known-hosts': `[bastion.example.com]:2200 ${hostLine}`,
        'host-fingerprint': `deploy.example.com=${FP.target}`,
      },
      [[FP.target]],
      [],
    ],
    [
      'a fleet, each host with its own fingerprint',
      {
        host: 'a.example.com,b.example.com:2222',
        'host-fingerprint': `a.example.com=${FP.target},b.example.com:2222=${FP.other}`,
      },
      [[FP.target], [FP.other]],
      undefined,
    ],
    [
      'a scope with a port matches the port input for a host that names none',
      { port: '2222', 'host-fingerprint': `deploy.example.com:2222=${FP.target}` },
      [[FP.target]],
      undefined,
    ],
    [
      'v6: [addr]:port',
      { host: '[2001:db8::10]:2222', 'host-fingerprint': `[2001:db8::10]:2222=${FP.target}` },
      [[FP.target]],
      undefined,
    ],
    [
      'v6: [addr] without port, written differently (compared by value)',
      { host: '[2001:db8::10]:2222', 'host-fingerprint': `[2001:DB8:0::10]=${FP.target}` },
      [[FP.target]],
      undefined,
    ],
    [
      'v6: a bare address',
      { host: '2001:db8::10', 'host-fingerprint': `2001:db8::10=${FP.target}` },
      [[FP.target]],
      undefined,
    ],
    [
      'v6: [addr]:22 names the host on the default port',
      { host: '2001:db8::10', 'host-fingerprint': `[2001:db8::10]:22=${FP.target}` },
      [[FP.target]],
      undefined,
    ],
    [
      'v6 jump host',
      {
        'jump-host': 'ops@[2001:db8::1]:2200',
        'host-fingerprint': `deploy.example.com=${FP.target},[2001:db8::1]:2200=${FP.bastion}`,
      },
      [[FP.target]],
      [FP.bastion],
    ],
    [
      'an unpinned jump host with insecure-ignore-host-key',
      {
        'jump-host': JUMP,
        'insecure-ignore-host-key': 'true',
        'host-fingerprint': `deploy.example.com=${FP.target}`,
      },
      [[FP.target]],
      [],
    ],
  ];
  it.each(accepted)('accepted: %s', (_, inputs, targetPins, jumpPins) => {
    const connection = withInputs({ ...PINNED_BY_FINGERPRINT, ...inputs })().connection;
    expect(connection.targets.map((target) => target.pins.fingerprints)).toEqual(targetPins);
    expect(connection.jumpHost?.pins.fingerprints).toEqual(jumpPins);
  });

  const refused: [string, Record<string, string>, RegExp[]][] = [
    [
      'unscoped with a jump host',
      { 'jump-host': JUMP, 'host-fingerprint': FP.target },
      [
        /^Input 'host-fingerprint': "SHA256:uNiV\S+" names no host: with a jump host write each fingerprint as host=SHA256:.*Example: deploy\.example\.com=SHA256:/,
      ],
    ],
    [
      'unscoped with a jump host, even beside scoped entries',
      { 'jump-host': JUMP, 'host-fingerprint': `deploy.example.com=${FP.target},${FP.bastion},${FP.other}` },
      [/^Input 'host-fingerprint': "SHA256:bBbB\S+" \(and 1 more\) names no host: with a jump host/],
    ],
    [
      'unscoped with several hosts',
      { host: 'a.example.com,b.example.com', 'host-fingerprint': FP.target },
      [
        /^Input 'host-fingerprint': .* names no host: with several hosts write each fingerprint as host=SHA256/,
      ],
    ],
    [
      'a scope naming neither a target nor the jump host (typo)',
      {
        'jump-host': JUMP,
        'host-fingerprint': `deploy.example.com=${FP.target},bastoin.example.com:2200=${FP.bastion}`,
      },
      [
        /^Input 'host-fingerprint': "bastoin\.example\.com:2200=SHA256:\S+" pins a host that is neither in host nor in jump-host \(deploy\.example\.com \(host\), bastion\.example\.com:2200 \(jump host\)\); is it a typo\?$/,
      ],
    ],
    [
      'a scope on another port than the host is reached on',
      { 'host-fingerprint': `deploy.example.com:2222=${FP.target}` },
      [/^Input 'host-fingerprint': "deploy\.example\.com:2222=.*neither in host nor in jump-host/],
    ],
    [
      'v6: [addr]:port on another port',
      { host: '[2001:db8::10]:2222', 'host-fingerprint': `[2001:db8::10]:22=${FP.target}` },
      [/^Input 'host-fingerprint': "\[2001:db8::10\]:22=.*neither in host/],
    ],
    [
      'v6: another address',
      { host: '[2001:db8::10]:2222', 'host-fingerprint': `[2001:db8::11]=${FP.target}` },
      [/^Input 'host-fingerprint': "\[2001:db8::11\]=.*neither in host/],
    ],
    [
      'an address never names a host given by name',
      { 'host-fingerprint': `192.0.2.10=${FP.target}` },
      [/^Input 'host-fingerprint': "192\.0\.2\.10=.*neither in host/],
    ],
    [
      'a scope without port naming the jump host and a target on another port',
      {
        host: 'shared.example.com:2222',
        'jump-host': 'shared.example.com',
        'host-fingerprint': `shared.example.com=${FP.target}`,
      },
      [
        /^Input 'host-fingerprint': "shared\.example\.com" names shared\.example\.com:2222 and shared\.example\.com:22: give the port/,
      ],
    ],
    [
      'an unpinned jump host',
      { 'jump-host': JUMP, 'host-fingerprint': `deploy.example.com=${FP.target}` },
      [
        /^Input 'known-hosts': no pinned host key for jump host bastion\.example\.com:2200: .*bastion\.example\.com:2200=SHA256/,
      ],
    ],
    [
      'an unpinned jump host, while a known_hosts line pins the target',
      { 'jump-host': 'bastion.example.com', 'known-hosts': GOOD['known-hosts'] },
      [/^Input 'known-hosts': no pinned host key for jump host bastion\.example\.com: /],
    ],
    [
      'user@ in a scope',
      { 'host-fingerprint': `ops@deploy.example.com=${FP.target}` },
      [/^Input 'host-fingerprint': .*name the host without user@/],
    ],
    [
      'a scope that is no host entry',
      { 'host-fingerprint': `bad host=${FP.target}` },
      [/^Input 'host-fingerprint': .*"bad host" is not a host entry/],
    ],
    [
      'a name in brackets',
      { 'host-fingerprint': `[deploy.example.com]:22=${FP.target}` },
      [/^Input 'host-fingerprint': .*is not a host entry/],
    ],
    [
      'a scope with a bad fingerprint',
      { 'host-fingerprint': 'deploy.example.com=MD5:aa:bb' },
      [/^Input 'host-fingerprint': "MD5:aa:bb" is not a SHA256/],
    ],
    [
      'neither fingerprint nor scope',
      { 'host-fingerprint': 'deploy.example.com' },
      [/^Input 'host-fingerprint': "deploy\.example\.com" is not a SHA256/],
    ],
  ];
  it.each(refused)('refused before connecting, naming the input: %s', (_, inputs, expected) => {
    expect(problems({ ...PINNED_BY_FINGERPRINT, ...inputs })).toEqual(
      expected.map((re) => expect.stringMatching(re)),
    );
  });

  it('each host is verified with its own pins only: the target never takes the bastion key, nor the reverse', () => {
    const targetKey = makeUserKey(dir, 'host_target', 'ed25519');
    const bastionKey = makeUserKey(dir, 'host_bastion', 'ed25519');
    const blob = (k: { publicKey: string }) => Buffer.from(k.publicKey.split(' ')[1], 'base64');
    const connection = withInputs({
      ...PINNED_BY_FINGERPRINT,
      'jump-host': JUMP,
      'host-fingerprint': `deploy.example.com=${fingerprintOf(blob(targetKey))},bastion.example.com:2200=${fingerprintOf(blob(bastionKey))}`,
    })().connection;
    const target = connection.targets[0].pins;
    const jump = connection.jumpHost?.pins;
    expect(jump).toBeDefined();
    if (jump === undefined) return;
    expect([verifyHostKey(target, blob(targetKey)), verifyHostKey(target, blob(bastionKey))]).toEqual([
      'accepted',
      'mismatch',
    ]);
    expect([verifyHostKey(jump, blob(bastionKey)), verifyHostKey(jump, blob(targetKey))]).toEqual([
      'accepted',
      'mismatch',
    ]);
  });
});
