/**
 * Migrations for a swarm deploy: once, before the stack update, through the same preview, destructive
 * guard and backup as the compose path (migrate/alembic.ts), in a one-off container of the NEW image
 * of `migrate-service` on the manager (`docker run --rm --network <stack>_default`, with the
 * service's environment as the stack's compose file gives it), never inside a running replica.
 *
 * The service's environment (a database URL with its password, often) is handed to the server on
 * stdin into a file only the deploy user can read, for `docker run --env-file`, never on a command
 * line (`ps` shows those to every user of the server); the file is removed when the migration ends.
 */
import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import type { DeploySettings } from '../inputs/deploy';
import { runMigration, type MigrationOutcome, type MigrationPlace } from '../migrate/alembic';
import { commandLine, toSshCommand, type RemoteCommand } from '../shell';
import { inert } from '../ssh/output';
import { describeOutcome, type RemoteSession } from '../ssh/session';
import { stackConfigCommand, withStackEnv } from './state';

/** The one-off `docker run` of `image` on `network`, with the environment file `envFile`. */
export function oneOffRun(network: string, image: string, envFile: string) {
  return (label: string, command: readonly string[]): RemoteCommand => ({
    argv: [
      'docker',
      'run',
      '--rm',
      '--label',
      label,
      '--network',
      network,
      '--env-file',
      envFile,
      image,
      ...command,
    ],
  });
}

/**
 * The environment as `docker run --env-file` reads it: `NAME=value` a line, taken literally (no quoting
 * exists in that format), so a value holding a line break cannot be passed and is refused.
 */
export function envFileText(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (/[\r\n]/.test(value) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new Error(
          `the environment setting ${inert(name)} of the migrate service cannot go in an env file (a line break)`,
        );
      return `${name}=${value}\n`;
    })
    .join('');
}

/**
 * Writes stdin to a new file readable by its owner only, in $1, and prints its path. Files an earlier
 * run could not remove (its connection was lost) go first: the deploy lock is held, so none is in use.
 */
const ENV_FILE_SCRIPT = `umask 077 && mkdir -p "$1" && rm -f "$1"/migrate-env.* && f=$(mktemp "$1/migrate-env.XXXXXX") && cat >"$f" && printf '%s' "$f"`;

interface StackServiceConfig {
  readonly image?: string;
  readonly environment?: Record<string, string | number | boolean | null> | readonly string[];
}

/** The migrate service's image and environment in the rendered stack config (`docker stack config`). */
export function migrateServiceConfig(
  configYaml: string,
  service: string,
): { image: string; env: Record<string, string> } | undefined {
  const config = parseYaml(configYaml) as { services?: Record<string, StackServiceConfig | null> } | null;
  const found = config?.services?.[service];
  if (found?.image === undefined) return undefined;
  const env: Record<string, string> = {};
  const environment = found.environment ?? {};
  if (Array.isArray(environment)) {
    for (const entry of environment as readonly string[]) {
      const at = entry.indexOf('=');
      if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
    }
  } else {
    for (const [name, value] of Object.entries(environment))
      if (value !== null && value !== undefined) env[name] = String(value);
  }
  return { image: found.image, env };
}

export const stackNetwork = (stack: string) => `${stack}_default`;

/** The dry run's lines for the migration. */
export function swarmMigrationSteps(settings: DeploySettings, imageTag: string): { title: string }[] {
  const service = settings.migration.migrateService;
  const where =
    service === undefined
      ? `on the host in ${settings.connection.appDir}`
      : `in a one-off container (docker run --rm --network ${stackNetwork(settings.connection.stackName)}) of ${service}'s image at ${imageTag}`;
  return [
    {
      title:
        `migrate (${settings.migrate === 'true' ? 'always' : 'when the database is behind the head'}): alembic upgrade head ${where}, ` +
        `after the SQL preview, the destructive guard${settings.migration.backup ? ' and the backup' : ''}`,
    },
  ];
}

/** $1 network: prints `true`/`false` (attachable), or nothing when it does not exist. */
const NETWORK_SCRIPT = `docker network inspect --format '{{.Attachable}}' "$1" 2>/dev/null || true`;

/** Runs the migration for a swarm deploy of `imageTag` (the target is checked out already). */
export async function migrateForSwarm(
  session: RemoteSession,
  settings: DeploySettings,
  imageTag: string,
  signal: AbortSignal,
): Promise<MigrationOutcome> {
  const { connection } = settings;
  const service = settings.migration.migrateService;
  let oneOff: MigrationPlace['oneOff'];
  let envFile: string | undefined;
  if (service !== undefined) {
    const config = await session.run(
      commandLine(withStackEnv(connection, stackConfigCommand(connection, imageTag))),
      'docker stack config',
      {
        echo: 'stderr',
        timeoutSeconds: 120,
      },
    );
    const found = migrateServiceConfig(config, service);
    if (found === undefined)
      throw new Error(
        `migrate-service ${service} is not a service with an image in ${connection.composeFile} (docker stack config): nothing was migrated`,
      );
    const network = stackNetwork(connection.stackName);
    const attachable = (
      await session.run(toSshCommand(NETWORK_SCRIPT, [network]), `docker network inspect ${network}`, {
        echo: 'stderr',
        timeoutSeconds: 60,
      })
    ).trim();
    if (attachable !== 'true')
      throw new Error(
        inert(
          attachable === ''
            ? `the stack's network ${network} does not exist on ${session.label} yet (a first deploy of the stack): ` +
                'deploy once with migrate false, then migrate; nothing was migrated'
            : `the stack's network ${network} is not attachable, so no one-off container can join it: ` +
                'set networks: default: attachable: true in the compose file; nothing was migrated',
        ),
      );
    core.info(inert(`migrating in a one-off container of ${found.image} on ${network}`));
    const written = await session.exec(toSshCommand(ENV_FILE_SCRIPT, [connection.stateDir]), {
      stdin: envFileText(found.env),
      echo: 'stderr',
      timeoutSeconds: 60,
    });
    if (written.outcome.kind !== 'exited' || written.outcome.code !== 0 || written.stdout === '')
      throw new Error(
        `could not write the migration's environment file in ${connection.stateDir}: nothing was migrated`,
      );
    envFile = written.stdout;
    oneOff = oneOffRun(network, found.image, envFile);
  }
  const place: MigrationPlace = {
    session,
    appDir: connection.appDir,
    composeFile: connection.composeFile,
    compose: undefined,
    oneOff,
    env: { IMAGE_TAG: imageTag },
    signal,
  };
  try {
    return await runMigration(
      place,
      settings.migration,
      { direction: 'upgrade', target: 'head', preview: false },
      (message) => core.info(message),
    );
  } finally {
    if (envFile !== undefined) {
      const removed = await session.exec(toSshCommand('rm -f "$1"', [envFile]), {
        echo: 'stderr',
        timeoutSeconds: 60,
        keepOnCancel: true,
      });
      if (removed.outcome.kind !== 'exited' || removed.outcome.code !== 0)
        core.warning(
          `the migration's environment file ${envFile} could not be removed (${describeOutcome(removed.outcome)}); ` +
            'the next swarm migration removes it, or remove it by hand',
        );
    }
  }
}
