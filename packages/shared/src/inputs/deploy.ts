/** action-deploy's inputs (contract: "action-deploy"), on top of the connection and migration inputs. */
import { z } from 'zod';
import {
  CONNECTION_DEFAULTS,
  CONNECTION_SECRETS,
  connectionShape,
  toConnectionSettings,
  type ConnectionSettings,
} from './connection';
import { MIGRATION_DEFAULTS, migrationShape, toMigrationSettings } from './migrate-pieces';
import { field, optionalField, readInputs } from './read';
import * as v from './validators';
import type { MigrationSettings } from '../migrate/alembic';
import type { PreflightOptions } from '../health/preflight';
import { containerName, PREFLIGHT_DEFAULTS, preflightShape, toPreflightOptions } from './preflight-pieces';

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
  'start-first-overlap': '2',
  migrate: 'auto',
  'migrate-scope': 'fleet',
  'migrations-path': 'backend/alembic/versions',
  'health-url': 'http://localhost/health',
  'auto-rollback': 'true',
  'lock-timeout': '300',
  ...MIGRATION_DEFAULTS,
  repository: '',
  ...PREFLIGHT_DEFAULTS,
  'backup-container': 'thinktank-backup',
  'metrics-url': 'http://localhost/metrics',
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
  /** recreate or start-first, per service. */
  readonly strategy: v.StrategySetting;
  /** With start-first: how long old and new serve side by side before the old one is stopped. */
  readonly startFirstOverlapSeconds: number;
}

export function strategyOf(settings: Pick<RolloutSettings, 'strategy'>, service: string): v.Strategy {
  return Object.hasOwn(settings.strategy.services, service)
    ? settings.strategy.services[service]
    : settings.strategy.default;
}

export interface DeploySettings extends RolloutSettings {
  readonly connection: ConnectionSettings;
  /** As given (or GITHUB_SHA); resolved to a full SHA on the server. */
  readonly ref: string;
  readonly remote: string;
  readonly imageTag: string | undefined;
  readonly migrate: 'auto' | 'true' | 'false';
  /** A fleet's shared database is migrated once, by the first host (`fleet`), or each host has its own. */
  readonly migrateScope: 'fleet' | 'host';
  readonly migrationsPath: string;
  readonly migration: MigrationSettings;
  /** action-deploy's runbook §1 and §2 settings; a rollback has none (it never starts from nothing). */
  readonly firstDeployment?: FirstDeploymentSettings;
}

export interface FirstDeploymentSettings {
  /** Cloned into app-dir by the server when app-dir is not a checkout yet. */
  readonly repository: string | undefined;
  /** Run before a first deployment (nothing of the stack runs). */
  readonly preflight: PreflightOptions;
  /** The post-deployment checklist's "backup service is running"; undefined = not checked. */
  readonly backupContainer: string | undefined;
  /** The post-deployment checklist's "monitoring endpoints available"; undefined = not checked. */
  readonly metricsUrl: string | undefined;
}

export const rolloutShape = {
  services: field(v.serviceList),
  'wait-timeout': field(v.seconds(1, 3600)),
  'min-uptime': field(v.seconds(0, 3600)),
  'health-url': field(v.httpUrl),
  build: field(v.oneOf(['auto', 'true', 'false'] as const)),
  'auto-rollback': field(v.boolean),
  'lock-timeout': field(v.seconds(0, 86400)),
  strategy: field(v.strategySetting),
  'start-first-overlap': field(v.seconds(0, 600)),
};

/** Rollout inputs that need each other: a strategy may name only listed services. */
export function toRolloutSettings(
  raw: z.output<z.ZodObject<typeof rolloutShape>>,
  context: z.RefinementCtx,
): RolloutSettings {
  const unlisted = Object.keys(raw.strategy.services).filter((service) => !raw.services.includes(service));
  if (unlisted.length > 0)
    context.addIssue({
      code: 'custom',
      path: ['strategy'],
      message: `${unlisted.join(', ')} ${unlisted.length === 1 ? 'is' : 'are'} not in services (${raw.services.join(',')})`,
    });
  return {
    services: raw.services,
    waitTimeoutSeconds: raw['wait-timeout'],
    minUptimeSeconds: raw['min-uptime'],
    healthUrl: raw['health-url'],
    build: raw.build,
    autoRollback: raw['auto-rollback'],
    lockTimeoutSeconds: raw['lock-timeout'],
    strategy: raw.strategy,
    startFirstOverlapSeconds: raw['start-first-overlap'],
  };
}

export const deploySchema = z
  .object({
    ...connectionShape,
    ...migrationShape,
    ...rolloutShape,
    ref: optionalField(v.gitRef),
    remote: field(v.remoteName),
    'image-tag': optionalField(v.imageTag),
    migrate: field(v.oneOf(['auto', 'true', 'false'] as const)),
    'migrate-scope': field(v.oneOf(['fleet', 'host'] as const)),
    'migrations-path': field(v.relativePath),
    repository: optionalField(v.gitRepository),
    ...preflightShape,
    'backup-container': field(containerName),
    'metrics-url': optionalField(v.httpUrl),
  })
  .transform((raw, context): DeploySettings => {
    const connection = toConnectionSettings(raw, context);
    if (connection.orchestrator === 'swarm' && raw['image-tag'] === undefined)
      context.addIssue({
        code: 'custom',
        path: ['image-tag'],
        message: 'required with orchestrator swarm: Swarm deploys images from a registry, nothing is built',
      });
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
      ...toRolloutSettings(raw, context),
      migrate: raw.migrate,
      migrateScope: raw['migrate-scope'],
      migrationsPath: raw['migrations-path'],
      migration: toMigrationSettings(raw),
      firstDeployment: {
        repository: raw.repository,
        preflight: toPreflightOptions(raw, connection),
        backupContainer: raw['backup-container'],
        metricsUrl: raw['metrics-url'],
      },
    };
  });

export function readDeployInputs(): DeploySettings {
  return Object.freeze(readInputs(deploySchema, DEPLOY_DEFAULTS, CONNECTION_SECRETS));
}
