/** Builds settings the way the actions do (INPUT_* variables through the zod schemas). */
import { readHealthInputs, type HealthSettings } from '../../packages/shared/src/inputs/health';
import type { ConnectionSettings } from '../../packages/shared/src/inputs/connection';
import { TEST_USER, type Sshd, type UserKey } from './sshd';

/**
 * Runs an action's input reader on these INPUT_* values, with stdout muted: @actions/core prints
 * ::add-mask:: lines for every secret.
 */
export function readWithInputs<T>(inputs: Record<string, string>, read: () => T): T {
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return read();
  } finally {
    process.stdout.write = write;
    for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
  }
}

export const healthSettingsFrom = (inputs: Record<string, string>): HealthSettings =>
  readWithInputs(inputs, readHealthInputs);

/** The inputs that reach `sshd` as the test user with `key`, pinned by its known_hosts line. */
export function connectionInputs(
  sshd: Sshd,
  key: UserKey,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    host: `${sshd.address}:${sshd.port}`,
    username: TEST_USER,
    'private-key': key.privateKey,
    'known-hosts': sshd.knownHostsLine(),
    'connect-retries': '0',
    'connect-timeout': '10',
    ...extra,
  };
}

export function connectionFor(
  sshd: Sshd,
  key: UserKey,
  extra: Record<string, string> = {},
): ConnectionSettings {
  return healthSettingsFrom(connectionInputs(sshd, key, extra)).connection;
}
