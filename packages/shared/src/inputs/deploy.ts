/** action-deploy's inputs (contract: "action-deploy"), on top of the connection and migration inputs. */
import { z } from 'zod';
import {
  CONNECTION_DEFAULTS,
  CONNECTION_SECRETS,
  connectionShape,
  refuseFleet,
  toConnectionSettings,
  type ConnectionSettings,
} from './connection';
import { MIGRATION_DEFAULTS, migrationShape, toMigrationSettings } from './migrate-pieces';
import { field, optionalField, readInputs } from './read';
import * as v from './validators';
import type { MigrationSettings } from '../migrate/alembic';

export const DEPLOY_DEFAULTS = {
  ...CONNECTION_DEFAULTS,
  ref: '',
  remote: 'origin',
  'image-tag': '',
  build: 'auto',
  services: 'gateway,langgraph,worker,nginx',
  strategy: 'recreate',
  'wait-timeout': '120',
  'min-uptime': '5',
  migrate: 'auto',
  'migrations-path': 'backend/alembic/versions',
  'health-url': 'http://localhost/health',
  'auto-rollback': 'true',
  'lock-timeout': '300',
  ...MIGRATION_DEFAULTS,
} as const;

/** Rolling-restart settings shared by deploy and rollback. */
export interface RolloutSettings {
  readonly services: readonly string[];
  readonly waitTimeoutSeconds: number;
  /** A container without a healthcheck must stay up this long, same container, no restart. */
  readonly minUptimeSeconds: number;
  readonly healthUrl: string;
  readonly build: 'auto' | 'true' | 'false';
  readonly autoRollback: boolean;
  readonly lockTimeoutSeconds: number;
}

export interface DeploySettings extends RolloutSettings {
  readonly connection: ConnectionSettings;
  /** As given (or GITHUB_SHA); resolved to a full SHA on the server. */
  readonly ref: string;
  readonly remote: string;
  readonly imageTag: string | undefined;
  readonly migrate: 'auto' | 'true' | 'false';
  readonly migrationsPath: string;
  readonly migration: MigrationSettings;
}

export const rolloutShape = {
  services: field(v.serviceList),
  'wait-timeout': field(v.seconds(1, 3600)),
  'min-uptime': field(v.seconds(0, 3600)),
  'health-url': field(v.httpUrl),
  build: field(v.oneOf(['auto', 'true', 'false'] as const)),
  'auto-rollback': field(v.boolean),
  'lock-timeout': field(v.seconds(0, 86400)),
};

export const deploySchema = z
  .object({
    ...connectionShape,
    ...migrationShape,
    ...rolloutShape,
    ref: optionalField(v.gitRef),
    remote: field(v.remoteName),
    'image-tag': optionalField(v.imageTag),
    strategy: field((value) => {
      if (value === 'recreate') return value;
      if (value === 'start-first' || value.includes(':')) {
        throw new v.InputProblem(
          `${v.shown(value)}: only recreate is supported so far (start-first is planned)`,
          'recreate',
        );
      }
      return v.oneOf(['recreate'] as const)(value);
    }),
    migrate: field(v.oneOf(['auto', 'true', 'false'] as const)),
    'migrations-path': field(v.relativePath),
  })
  .transform((raw, context): DeploySettings => {
    const connection = toConnectionSettings(raw, context);
    refuseFleet(connection, context, 'deploying to a fleet is planned, not supported yet');
    let ref = raw.ref;
    if (ref === undefined) {
      // GITHUB_SHA stands in for ref; it is not an input, so it is validated the same way here.
      const sha = process.env.GITHUB_SHA ?? '';
      try {
        if (sha === '') throw new v.InputProblem('ref is required when GITHUB_SHA is not set', 'main');
        ref = v.gitRef(sha);
      } catch (error) {
        if (!(error instanceof v.InputProblem)) throw error;
        context.addIssue({ code: 'custom', path: ['ref'], message: error.message });
      }
    }
    return {
      connection,
      ref: ref ?? '',
      remote: raw.remote,
      imageTag: raw['image-tag'],
      build: raw.build,
      services: raw.services,
      waitTimeoutSeconds: raw['wait-timeout'],
      minUptimeSeconds: raw['min-uptime'],
      migrate: raw.migrate,
      migrationsPath: raw['migrations-path'],
      healthUrl: raw['health-url'],
      autoRollback: raw['auto-rollback'],
      lockTimeoutSeconds: raw['lock-timeout'],
      migration: toMigrationSettings(raw),
    };
  });

export function readDeployInputs(): DeploySettings {
  return Object.freeze(readInputs(deploySchema, DEPLOY_DEFAULTS, CONNECTION_SECRETS));
}
