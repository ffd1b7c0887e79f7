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
    expect(problems({ ...GOOD, 'private-key': '', password: '' })).toEqual([
      expect.stringMatching(/^Input 'private-key': give private-key/),
    ]);
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

  it('deploy, migrate and rollback refuse a fleet clearly; health takes one', () => {
    const fleet = {
      ...GOOD,
      host: 'a.example.com,b.example.com',
      'known-hosts': `a.example.com,b.example.com ${hostLine}`,
    };
    expect(problems(fleet)).toEqual([]);
    for (const read of [readDeployInputs, readMigrateInputs, readRollbackInputs] as (() => unknown)[]) {
      let found: readonly string[] = [];
      try {
        readWithInputs({ ...fleet, ref: 'main' }, read);
      } catch (error) {
        if (error instanceof ConfigurationError) found = error.problems;
      }
      expect(found).toEqual([expect.stringMatching(/^Input 'host': 2 hosts given: .*; give one host$/)]);
    }
  });
});
