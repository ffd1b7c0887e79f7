/**
 * Validators for single input values. Each returns the parsed value or throws InputProblem with what
 * is wrong and an example of a good value. They reject; they never repair a value.
 */
import { isIPv4, isIPv6 } from 'node:net';

export class InputProblem extends Error {
  constructor(problem: string, example?: string) {
    super(example === undefined ? problem : `${problem}. Example: ${example}`);
  }
}

/** A value as it may appear in a message: escaped, shortened, never a raw control character. */
export function shown(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(cut);
}

/** Lists accept commas or newlines; blank entries are dropped. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const HOSTNAME_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function hostName(value: string): string {
  if (isIPv4(value) || isIPv6(value)) return value;
  const labels = value.split('.');
  if (value.length > 253 || !labels.every((label) => HOSTNAME_LABEL.test(label))) {
    throw new InputProblem(`${shown(value)} is not a host name or IP address`, 'deploy.example.com');
  }
  return value;
}

export function port(value: string): number {
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new InputProblem(`${shown(value)} is not a TCP port (1-65535)`, '22');
  }
  return Number(value);
}

export interface HostAddress {
  readonly host: string;
  /** Undefined when the entry names none: the `port` input applies. */
  readonly port: number | undefined;
}

/** One host entry: `name`, `name:port`, `[v6addr]:port`, `[v6addr]` or a bare IPv6 address. */
export function hostAddress(value: string): HostAddress {
  const example = 'deploy.example.com, deploy.example.com:2222 or [2001:db8::10]:22';
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(value);
  if (bracketed) {
    if (!isIPv6(bracketed[1]))
      throw new InputProblem(`${shown(value)}: not an IPv6 address in brackets`, example);
    return { host: bracketed[1], port: bracketed[2] === undefined ? undefined : port(bracketed[2]) };
  }
  if (isIPv6(value)) return { host: value, port: undefined };
  const colon = value.split(':');
  if (colon.length > 2)
    throw new InputProblem(`${shown(value)}: write an IPv6 address as [addr]:port`, example);
  try {
    return { host: hostName(colon[0]), port: colon.length === 2 ? port(colon[1]) : undefined };
  } catch {
    throw new InputProblem(`${shown(value)} is not a host entry`, example);
  }
}

/** `host`: one or more `[user@]host[:port]` entries; the user, where given, logs in to that host only. */
export function hostList(value: string): UserHost[] {
  const entries = splitList(value);
  if (entries.length === 0) throw new InputProblem('no host given', 'deploy.example.com');
  return entries.map(userHost);
}

export function username(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(value)) {
    throw new InputProblem(
      `${shown(value)} is not a user name (letters, digits, _ . -; 32 at most)`,
      'deploy',
    );
  }
  return value;
}

/** Whole seconds within [min, max]. */
export function seconds(min: number, max: number) {
  return (value: string): number => {
    if (!/^[0-9]{1,7}$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InputProblem(`${shown(value)} is not a whole number of seconds from ${min} to ${max}`, '30');
    }
    return Number(value);
  };
}

/** A whole count within [min, max]. */
export function count(min: number, max: number) {
  return (value: string): number => {
    if (!/^[0-9]{1,7}$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InputProblem(`${shown(value)} is not a whole number from ${min} to ${max}`, String(min + 1));
    }
    return Number(value);
  };
}

/** A decimal number within [min, max]. */
export function decimal(min: number, max: number, example: string) {
  return (value: string): number => {
    if (!/^[0-9]{1,9}(?:\.[0-9]{1,9})?$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InputProblem(`${shown(value)} is not a number from ${min} to ${max}`, example);
    }
    return Number(value);
  };
}

/** YAML 1.2 core booleans, as @actions/core reads them. */
export function boolean(value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputProblem(`${shown(value)} is not true or false`, 'true');
}

/** A Docker stack name (it prefixes the stack's services and networks). */
export function stackName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(value)) {
    throw new InputProblem(
      `${shown(value)} is not a stack name (letters, digits, _ -; starting with a letter or digit)`,
      'thinktank',
    );
  }
  return value;
}

export function environmentName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(value) || value.includes('..')) {
    throw new InputProblem(
      `${shown(value)} is not an environment name (letters, digits, . _ -; starting with a letter or digit)`,
      'production',
    );
  }
  return value;
}

const PATH_CHARS = /^[A-Za-z0-9._/-]+$/;

function pathProblem(value: string): string | undefined {
  if (!PATH_CHARS.test(value)) return 'may hold only letters, digits and . _ - /';
  const segments = value.split('/');
  if (segments.includes('..')) return 'may not contain ..';
  if (value.includes('//')) return 'may not contain //';
  if (segments.some((segment) => segment.startsWith('-'))) return 'no part may start with -';
  return undefined;
}

/** An absolute directory on the server, such as `app-dir` or `state-dir`. */
export function absolutePath(value: string): string {
  const problem = !value.startsWith('/') ? 'must be absolute' : pathProblem(value);
  if (problem !== undefined || (value.length > 1 && value.endsWith('/'))) {
    throw new InputProblem(
      `${shown(value)} is not a usable absolute path: ${problem ?? 'no trailing /'}`,
      '/opt/thinktank',
    );
  }
  return value;
}

/** A path relative to `app-dir`, such as `compose-file`. */
export function relativePath(value: string): string {
  const problem = value.startsWith('/') ? 'must be relative to app-dir' : pathProblem(value);
  if (problem !== undefined || value.endsWith('/')) {
    throw new InputProblem(
      `${shown(value)} is not a usable relative path: ${problem ?? 'no trailing /'}`,
      'docker/docker-compose-prod.yaml',
    );
  }
  return value;
}

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function serviceName(value: string): string {
  if (!SERVICE.test(value)) {
    throw new InputProblem(`${shown(value)} is not a compose service name`, 'gateway');
  }
  return value;
}

export function serviceList(value: string): string[] {
  const names = splitList(value).map(serviceName);
  if (names.length === 0) throw new InputProblem('no service given', 'gateway,langgraph,worker,nginx');
  return names;
}

export type Strategy = 'recreate' | 'start-first';

/** How each service is restarted: a default, and `service:strategy` entries that override it. */
export interface StrategySetting {
  readonly default: Strategy;
  readonly services: Readonly<Record<string, Strategy>>;
}

/** `recreate`, `start-first`, or entries like `gateway:start-first,worker:recreate` (a bare one is the default). */
export function strategySetting(value: string): StrategySetting {
  const example = 'start-first, or gateway:start-first,worker:recreate';
  const strategy = (word: string): Strategy => {
    if (word === 'recreate' || word === 'start-first') return word;
    throw new InputProblem(`${shown(word)} is not a strategy (recreate or start-first)`, example);
  };
  const entries = splitList(value);
  if (entries.length === 0) throw new InputProblem('no strategy given', example);
  let fallback: Strategy | undefined;
  // No prototype: a service named `constructor` is a service like any other.
  const services: Record<string, Strategy> = Object.create(null) as Record<string, Strategy>;
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon === -1) {
      if (fallback !== undefined)
        throw new InputProblem(`more than one default strategy in ${shown(value)}`, example);
      fallback = strategy(entry);
      continue;
    }
    const service = serviceName(entry.slice(0, colon));
    if (Object.hasOwn(services, service)) throw new InputProblem(`${service} is given twice`, example);
    services[service] = strategy(entry.slice(colon + 1));
  }
  return { default: fallback ?? 'recreate', services };
}

/**
 * A git ref: git check-ref-format's rules plus a stricter allowlist, since a valid ref can still hold
 * `$ ; | &` and quotes. Never starts with `-`, so it can never be read as an option.
 */
export function gitRef(value: string): string {
  const example = 'main, v1.4.2 or 3f2c9a1';
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(value)) {
    throw new InputProblem(
      `${shown(value)} is not an accepted git ref (letters, digits, . _ - /; starting with a letter or digit)`,
      example,
    );
  }
  const components = value.split('/');
  const bad =
    value.includes('..') ||
    value.includes('//') ||
    value.endsWith('/') ||
    value.endsWith('.') ||
    components.some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (bad)
    throw new InputProblem(
      `${shown(value)} breaks git's ref rules (.., //, .lock, a trailing / or .)`,
      example,
    );
  return value;
}

/** A Docker image tag, by the reference grammar: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function imageTag(value: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw new InputProblem(
      `${shown(value)} is not a Docker image tag (letters, digits, _ . -; 128 at most; not starting with . or -)`,
      'v1.4.2',
    );
  }
  return value;
}

/** An http(s) URL without credentials, whitespace or characters a URL never needs. */
export function httpUrl(value: string): string {
  const example = 'http://localhost/health';
  if (!/^[A-Za-z0-9._~:/?#[\]@!$&'()*+,;=%-]+$/.test(value)) {
    throw new InputProblem(`${shown(value)} is not a URL (characters a URL never holds)`, example);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputProblem(`${shown(value)} is not a URL`, example);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputProblem(`${shown(value)}: only http and https URLs are probed`, example);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InputProblem(`${shown(value)}: credentials in a URL would be logged; leave them out`, example);
  }
  return value;
}

/** An expected health status word. */
export function statusWord(value: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
    throw new InputProblem(`${shown(value)} is not a status word`, 'healthy');
  }
  return value;
}

/** `auto`, or the words of a compose command such as `docker compose` or `/usr/bin/docker-compose`. */
export function composeCommandWords(value: string): 'auto' | string[] {
  if (value === 'auto') return 'auto';
  const words = value.split(/\s+/).filter((word) => word !== '');
  if (
    words.length === 0 ||
    words.length > 4 ||
    !words.every((word) => /^[A-Za-z0-9_./=-]+$/.test(word)) ||
    words[0].startsWith('-')
  ) {
    throw new InputProblem(
      `${shown(value)} is not a compose command`,
      'auto, docker compose or docker-compose',
    );
  }
  return words;
}

export interface UserHost {
  readonly username: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
}

/** `[user@]host[:port]`: a fleet's entry, or the bastion. */
export function userHost(value: string): UserHost {
  const at = value.lastIndexOf('@');
  const user = at >= 0 ? username(value.slice(0, at)) : undefined;
  const address = hostAddress(value.slice(at + 1));
  return { username: user, host: address.host, port: address.port };
}

/** One SHA256 fingerprint as OpenSSH prints it: `SHA256:` and 43 base64 characters. */
export function fingerprint(value: string): string {
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(value);
  if (!match) {
    throw new InputProblem(
      `${shown(value)} is not a SHA256 host key fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)`,
      'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
    );
  }
  return `SHA256:${match[1]}`;
}

/** SHA256 fingerprints as OpenSSH prints them: `SHA256:` and 43 base64 characters. */
export function fingerprintList(value: string): string[] {
  return splitList(value).map(fingerprint);
}

export interface HostFingerprint {
  /** The host the entry pins; undefined for an unscoped `SHA256:...` entry. */
  readonly scope: HostAddress | undefined;
  /** The scope as written, for messages. */
  readonly scopeText: string | undefined;
  readonly fingerprint: string;
}

/**
 * `host-fingerprint` entries: `host=SHA256:...`, pinning only the host named there, or `SHA256:...`
 * alone (unscoped; connection.ts accepts it only for a single host without a jump host). The scope is
 * written as in `host` / `jump-host`, without `user@`: `name`, `name:port`, `[v6addr]`,
 * `[v6addr]:port` or a bare IPv6 address. Which hosts a scope names is decided in connection.ts.
 */
export function hostFingerprints(value: string): HostFingerprint[] {
  const example =
    'deploy.example.com=SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s, bastion.example.com:2200=SHA256:...';
  return splitList(value).map((entry) => {
    // Unscoped; an entry that neither starts with SHA256: nor holds `=` fails as a fingerprint.
    // (A fingerprint may end in `=`, so `=` alone does not tell a scope.)
    if (entry.startsWith('SHA256:') || !entry.includes('=')) {
      return { scope: undefined, scopeText: undefined, fingerprint: fingerprint(entry) };
    }
    const equals = entry.indexOf('=');
    const scopeText = entry.slice(0, equals).trim();
    if (scopeText.includes('@')) {
      throw new InputProblem(`${shown(entry)}: name the host without user@`, example);
    }
    let scope: HostAddress;
    try {
      scope = hostAddress(scopeText);
    } catch {
      throw new InputProblem(
        `${shown(entry)}: ${shown(scopeText)} is not a host entry (as in host or jump-host)`,
        example,
      );
    }
    return { scope, scopeText, fingerprint: fingerprint(entry.slice(equals + 1).trim()) };
  });
}

/** A git remote name. */
export function remoteName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(value)) {
    throw new InputProblem(`${shown(value)} is not a git remote name`, 'origin');
  }
  return value;
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(words: readonly T[]) {
  return (value: string): T => {
    if (!(words as readonly string[]).includes(value)) {
      throw new InputProblem(`${shown(value)} is not one of ${words.join(', ')}`, words[0]);
    }
    return value as T;
  };
}

/**
 * A configured command prefix such as `cd backend && uv run alembic`: words of characters with no
 * meaning to the shell, joined by `&&`. It is used as shell text, so nothing else is let through.
 */
export function commandPrefix(value: string): string {
  const example = 'cd backend && uv run alembic';
  const tokens = value.split(/\s+/).filter((token) => token !== '');
  const segments: string[][] = [[]];
  for (const token of tokens) {
    if (token === '&&') segments.push([]);
    else if (/^[A-Za-z0-9_./=:,@%+-]+$/.test(token)) segments[segments.length - 1].push(token);
    else
      throw new InputProblem(
        `${shown(value)}: ${shown(token)} holds characters a command prefix may not`,
        example,
      );
  }
  if (segments.some((segment) => segment.length === 0 || segment[0].startsWith('-'))) {
    throw new InputProblem(
      `${shown(value)} is not a command (empty part, or a part starting with -)`,
      example,
    );
  }
  return segments.map((segment) => segment.join(' ')).join(' && ');
}

/**
 * A git repository the server clones from with its own credentials: https://host/path,
 * ssh://[user@]host[:port]/path, user@host:path, or an absolute path on the server. No credentials in
 * the URL (git would keep them in .git/config), no `ext::` or other transport helpers, no option-like start.
 */
export function gitRepository(value: string): string {
  const example = 'git@github.com:org/thinktank-ai.git or https://github.com/org/thinktank-ai.git';
  // A token in the URL is never printed back: the value is shown with its user part hidden.
  const shownUrl = (text: string) => shown(text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@'));
  if (!/^[A-Za-z0-9._~:/@+%-]+$/.test(value) || value.startsWith('-'))
    throw new InputProblem(`${shownUrl(value)} is not a git repository URL or path`, example);
  if (value.startsWith('/')) {
    if (value.split('/').includes('..'))
      throw new InputProblem(`${shownUrl(value)}: a path with ".." is not allowed`, example);
    return value;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme !== undefined) {
    if (scheme !== 'https' && scheme !== 'ssh')
      throw new InputProblem(`${shownUrl(value)}: only https:// and ssh:// repositories are cloned`, example);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InputProblem(`${shownUrl(value)} is not a URL`, example);
    }
    if (url.password !== '' || (scheme === 'https' && url.username !== ''))
      throw new InputProblem(
        `${shownUrl(value)}: credentials in the URL would be stored on the server; the server clones with its own deploy key`,
        example,
      );
    return value;
  }
  if (!/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/+-]+$/.test(value))
    throw new InputProblem(`${shownUrl(value)} is not a git repository URL or path`, example);
  return value;
}
