/**
 * OpenSSH known_hosts, parsed here because ssh2 reads none: plain names, comma lists, `[host]:port`,
 * `*`/`?` globs, `!` negation, hashed `|1|salt|hmac` entries, `@revoked`, comments and CRLF.
 * See sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT".
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  readonly line: number;
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
}

export interface KnownHosts {
  readonly entries: readonly KnownHostEntry[];
  readonly problems: readonly string[];
}

/** The key type written inside an SSH public key blob (a length-prefixed string). */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else {
        problems.push(`line ${index + 1}: unknown marker ${name}`);
        return;
      }
    }
    const [hosts, keyType, keyText] = fields;
    if (hosts === undefined || keyType === undefined || keyText === undefined) {
      problems.push(`line ${index + 1}: expected "hosts key-type base64-key"`);
      return;
    }
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(keyText) ? Buffer.from(keyText, 'base64') : Buffer.alloc(0);
    if (blobKeyType(key) !== keyType) {
      problems.push(`line ${index + 1}: the key is not valid base64 of a ${keyType} key`);
      return;
    }
    entries.push({ line: index + 1, marker, hosts, keyType, key });
  });
  return { entries, problems };
}

/** How OpenSSH names a host in known_hosts: the bare name on port 22, else `[name]:port`. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .toLowerCase()
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(name.toLowerCase());
}

/** Whether an entry's host field names this host and port. */
export function hostFieldMatches(hosts: string, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return digest.equals(Buffer.from(hash, 'base64'));
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** OpenSSH's fingerprint text: `SHA256:` and unpadded base64 of the SHA-256 of the key blob. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The keys pinned for one host: those that may be accepted, and those that never may. */
export interface HostPins {
  readonly keys: readonly KnownHostEntry[];
  readonly fingerprints: readonly string[];
  /** Revoked keys are refused for every host, whatever their host field says. */
  readonly revoked: readonly KnownHostEntry[];
}

export function pinsFor(
  knownHosts: KnownHosts,
  fingerprints: readonly string[],
  host: string,
  port: number,
): HostPins {
  return {
    keys: knownHosts.entries.filter(
      (entry) => entry.marker === undefined && hostFieldMatches(entry.hosts, host, port),
    ),
    fingerprints,
    revoked: knownHosts.entries.filter((entry) => entry.marker === 'revoked'),
  };
}

export function hasPins(pins: HostPins): boolean {
  return pins.keys.length > 0 || pins.fingerprints.length > 0;
}

export type HostKeyVerdict = 'accepted' | 'revoked' | 'mismatch';

export function verifyHostKey(pins: HostPins, blob: Buffer): HostKeyVerdict {
  if (pins.revoked.some((entry) => entry.key.equals(blob))) return 'revoked';
  if (pins.keys.some((entry) => entry.key.equals(blob))) return 'accepted';
  if (pins.fingerprints.includes(fingerprintOf(blob))) return 'accepted';
  return 'mismatch';
}

const SIGNATURE_ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The host key algorithms to offer: only the pinned key types, so an RSA-only pin still works on a
 * server that also has ed25519 (ssh2 would otherwise negotiate ed25519 and fail the pin).
 * Undefined when fingerprints are pinned too: their key type is unknown, so nothing is restricted.
 */
export function hostKeyAlgorithms(pins: HostPins): string[] | undefined {
  if (pins.fingerprints.length > 0) return undefined;
  const algorithms = new Set<string>();
  for (const entry of pins.keys)
    for (const name of SIGNATURE_ALGORITHMS[entry.keyType] ?? []) algorithms.add(name);
  return [...algorithms];
}
