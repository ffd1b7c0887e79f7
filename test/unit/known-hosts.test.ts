import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fingerprintOf,
  hostFieldMatches,
  hostKeyAlgorithms,
  parseKnownHosts,
  pinsFor,
  verifyHostKey,
} from '../../packages/shared/src/ssh/known-hosts';
import { scopeNames } from '../../packages/shared/src/inputs/connection';
import { hostAddress } from '../../packages/shared/src/inputs/validators';

const dir = mkdtempSync(join(tmpdir(), 'tt-kh-'));
function publicKey(type: string): { line: string; blob: Buffer } {
  const path = join(dir, `${type}-${Math.random()}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', path]);
  const line = readFileSync(`${path}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { line, blob: Buffer.from(line.split(' ')[1], 'base64') };
}
const ed = publicKey('ed25519');
const rsa = publicKey('rsa');
const other = publicKey('ed25519');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts parsing and matching', () => {
  it('reads plain, comma lists, [host]:port, hashed, comments, blank lines and CRLF', () => {
    const text = [
      '# comment',
      '',
      `deploy.example.com,10.0.0.5 ${ed.line}\r`,
      `[deploy.example.com]:2222 ${rsa.line} a comment`,
      `${hashed('hashed.example.com')} ${ed.line}`,
    ].join('\n');
    const known = parseKnownHosts(text);
    expect(known.problems).toEqual([]);
    expect(known.entries).toHaveLength(3);
    expect(pinsFor(known, [], 'deploy.example.com', 22).keys).toHaveLength(1);
    expect(pinsFor(known, [], '10.0.0.5', 22).keys).toHaveLength(1);
    expect(pinsFor(known, [], 'deploy.example.com', 2222).keys.map((e) => e.keyType)).toEqual(['ssh-rsa']);
    expect(pinsFor(known, [], 'hashed.example.com', 22).keys).toHaveLength(1);
    expect(pinsFor(known, [], 'hashed.example.com', 2222).keys).toHaveLength(0);
    expect(pinsFor(known, [], 'other.example.com', 22).keys).toHaveLength(0);
  });

  it('hashes [host]:port for ports other than 22, as OpenSSH does', () => {
    expect(hostFieldMatches(hashed('[h.example.com]:2222'), 'h.example.com', 2222)).toBe(true);
    expect(hostFieldMatches(hashed('h.example.com'), 'h.example.com', 2222)).toBe(false);
  });

  it('supports globs and negation', () => {
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'good.example.com', 22)).toBe(true);
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com', 22)).toBe(false);
    expect(hostFieldMatches('web?.example.com', 'web1.example.com', 22)).toBe(true);
    expect(hostFieldMatches('web?.example.com', 'web10.example.com', 22)).toBe(false);
    expect(hostFieldMatches('DEPLOY.example.com', 'deploy.EXAMPLE.com', 22)).toBe(true);
  });

  it('refuses revoked keys for any host, and keys nobody pinned', () => {
    const known = parseKnownHosts(
      `h.example.com ${ed.line}\n@revoked * ${rsa.line}\n@cert-authority *.example.com ${other.line}`,
    );
    const pins = pinsFor(known, [], 'h.example.com', 22);
    expect(verifyHostKey(pins, ed.blob)).toBe('accepted');
    expect(verifyHostKey(pins, rsa.blob)).toBe('revoked');
    expect(verifyHostKey(pins, other.blob)).toBe('mismatch');
  });

  it('accepts SHA256 fingerprints in OpenSSH form', () => {
    const fp = execFileSync('ssh-keygen', ['-lf', '-'], { input: ed.line }).toString().split(' ')[1];
    expect(fingerprintOf(ed.blob)).toBe(fp);
    const pins = pinsFor(parseKnownHosts(''), [fp], 'any', 22);
    expect(verifyHostKey(pins, ed.blob)).toBe('accepted');
    expect(verifyHostKey(pins, other.blob)).toBe('mismatch');
  });

  it('restricts host key algorithms to the pinned types', () => {
    const known = parseKnownHosts(`h ${rsa.line}`);
    expect(hostKeyAlgorithms(pinsFor(known, [], 'h', 22))).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
    expect(hostKeyAlgorithms(pinsFor(known, ['SHA256:x'], 'h', 22))).toBeUndefined();
  });

  it('reports malformed lines with their number', () => {
    const known = parseKnownHosts(`h ssh-ed25519\n@bogus h ${ed.line}\nh ssh-rsa ${ed.line.split(' ')[1]}`);
    expect(known.problems).toEqual([
      'line 1: expected "hosts key-type base64-key"',
      'line 2: unknown marker @bogus',
      'line 3: the key is not valid base64 of a ssh-rsa key',
    ]);
  });
});

describe('which host a host-fingerprint scope names', () => {
  // [scope as written, host as given, port it is reached on, names it?]
  const table: [string, string, number, boolean][] = [
    ['deploy.example.com', 'deploy.example.com', 22, true],
    ['deploy.example.com', 'deploy.example.com', 2222, true],
    ['deploy.example.com:2222', 'deploy.example.com', 2222, true],
    ['deploy.example.com:2222', 'deploy.example.com', 22, false],
    ['deploy.example.com:22', 'deploy.example.com', 22, true],
    ['DEPLOY.example.com', 'deploy.EXAMPLE.com', 22, true],
    ['deploy.example.com', 'deploy.example.org', 22, false],
    ['deploy', 'deploy.example.com', 22, false],
    ['10.0.0.5', '10.0.0.5', 22, true],
    ['10.0.0.5', 'deploy.example.com', 22, false],
    ['[2001:db8::10]:2222', '2001:db8::10', 2222, true],
    ['[2001:db8::10]:2222', '2001:db8::10', 22, false],
    ['[2001:db8::10]', '2001:db8::10', 2222, true],
    ['2001:db8::10', '2001:db8::10', 22, true],
    ['[2001:DB8:0::10]', '2001:db8::10', 22, true],
    ['2001:db8:0:0:0:0:0:10', '2001:db8::10', 22, true],
    ['[2001:db8::11]', '2001:db8::10', 22, false],
    ['[::ffff:10.0.0.5]', '10.0.0.5', 22, false],
  ];
  it.each(table)('%s for %s on port %d: %s', (scope, host, port, names) => {
    expect(scopeNames(hostAddress(scope), host, port)).toBe(names);
  });

  it('a host is verified with the fingerprints scoped to it, never with those of another', () => {
    const target = pinsFor(parseKnownHosts(''), [fingerprintOf(ed.blob)], 'deploy.example.com', 22);
    const bastion = pinsFor(parseKnownHosts(''), [fingerprintOf(other.blob)], 'bastion.example.com', 22);
    expect(verifyHostKey(target, ed.blob)).toBe('accepted');
    expect(verifyHostKey(target, other.blob)).toBe('mismatch');
    expect(verifyHostKey(bastion, other.blob)).toBe('accepted');
    expect(verifyHostKey(bastion, ed.blob)).toBe('mismatch');
  });
});
