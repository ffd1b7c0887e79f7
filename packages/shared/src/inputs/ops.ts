/**
 * action-ops' inputs (contract: "action-ops"): which emergency operation of runbook §6, on what. Every
 * combination that cannot be right (a restart without a service, a scale without a whole number, a
 * database recovery without its confirmation) is refused here, before anything connects.
 */
import { z } from 'zod';
import {
  CONNECTION_DEFAULTS,
  CONNECTION_SECRETS,
  connectionShape,
  refuseFleet,
  toConnectionSettings,
  type ConnectionSettings,
} from './connection';
import { DEPLOY_DEFAULTS, rolloutShape } from './deploy';
import { MIGRATION_DEFAULTS, migrationShape } from './migrate-pieces';
import { containerName } from './preflight-pieces';
import { field, optionalField, readInputs } from './read';
import { ROLLBACK_DEFAULTS } from './rollback';
import * as v from './validators';

export const OPERATIONS = ['restart', 'restart-stack', 'recover-database', 'reclaim-disk', 'scale'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** The most containers `scale` starts for one service. */
export const MAX_REPLICAS = 20;

export const OPS_DEFAULTS = {
  ...CONNECTION_DEFAULTS,
  operation: '',
  service: '',
  replicas: '',
  'prune-volumes': 'false',
  confirm: '',
  services: DEPLOY_DEFAULTS.services,
  'health-url': DEPLOY_DEFAULTS['health-url'],
  'wait-timeout': DEPLOY_DEFAULTS['wait-timeout'],
  'min-uptime': DEPLOY_DEFAULTS['min-uptime'],
  'lock-timeout': DEPLOY_DEFAULTS['lock-timeout'],
  'backup-command': MIGRATION_DEFAULTS['backup-command'],
  'restore-command': ROLLBACK_DEFAULTS['restore-command'],
  'postgres-container': 'thinktank-postgres',
  'migrate-service': MIGRATION_DEFAULTS['migrate-service'],
  'alembic-command': MIGRATION_DEFAULTS['alembic-command'],
} as const;

/** The operation and what it works on. */
export type Operation =
  | { readonly kind: 'restart'; readonly service: string }
  | { readonly kind: 'restart-stack' }
  | { readonly kind: 'recover-database' }
  | { readonly kind: 'reclaim-disk'; readonly pruneVolumes: boolean }
  | { readonly kind: 'scale'; readonly service: string; readonly replicas: number };

export interface OpsSettings {
  readonly connection: ConnectionSettings;
  readonly operation: Operation;
  /** The application services: stopped by recover-database, restarted first by restart-stack, gated at the end. */
  readonly services: readonly string[];
  readonly waitTimeoutSeconds: number;
  readonly minUptimeSeconds: number;
  readonly healthUrl: string;
  readonly lockTimeoutSeconds: number;
  readonly backupCommand: string;
  readonly restoreCommand: string;
  /**
   * The container `pg_isready` runs in (runbook §6, database corruption); undefined (empty input): not
   * asked, and the emergency backup is always attempted.
   */
  readonly postgresContainer: string | undefined;
  /**
   * For recover-database: where `alembic current` runs after the restore (a service's container; undefined:
   * on the host, in app-dir) and the command, to compare the restored revision with the checkout's migrations.
   */
  readonly migrateService: string | undefined;
  readonly alembicCommand: string;
}

/** `scale`'s count: 1 to MAX_REPLICAS; 0 is refused with the reason. */
export function replicaCount(value: string): number {
  if (value === '0')
    throw new v.InputProblem(
      '0 would remove every container of the service (compose removes what it scales away, it does not ' +
        'stop it), which the health gate then reports as down; scale to 1 at least',
      '2',
    );
  if (!/^[0-9]{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_REPLICAS)
    throw new v.InputProblem(`${v.shown(value)} is not a whole number from 1 to ${MAX_REPLICAS}`, '2');
  return Number(value);
}

export const opsSchema = z
  .object({
    ...connectionShape,
    services: rolloutShape.services,
    'wait-timeout': rolloutShape['wait-timeout'],
    'min-uptime': rolloutShape['min-uptime'],
    'health-url': rolloutShape['health-url'],
    'lock-timeout': rolloutShape['lock-timeout'],
    'backup-command': migrationShape['backup-command'],
    'restore-command': field(v.commandPrefix),
    operation: field((raw) => {
      if (raw === '') throw new v.InputProblem(`operation is required: ${OPERATIONS.join(', ')}`, 'restart');
      return v.oneOf(OPERATIONS)(raw);
    }),
    service: optionalField(v.serviceName),
    replicas: optionalField(replicaCount),
    'prune-volumes': field(v.boolean),
    confirm: z.string(),
    'postgres-container': field(containerName),
    'migrate-service': migrationShape['migrate-service'],
    'alembic-command': migrationShape['alembic-command'],
  })
  .transform((raw, context): OpsSettings => {
    const connection = toConnectionSettings(raw, context);
    if (connection.orchestrator === 'swarm')
      context.addIssue({
        code: 'custom',
        path: ['orchestrator'],
        message:
          'swarm: emergency operations work on compose servers; on a swarm use docker service commands on a manager',
      });
    refuseFleet(connection, context, 'emergency operations on a fleet are not supported');
    const problem = (input: string, message: string) =>
      context.addIssue({ code: 'custom', path: [input], message });
    const name = raw.operation;
    const needsService = name === 'restart' || name === 'scale';
    if (needsService && raw.service === undefined)
      problem('service', `operation ${name} needs the service to ${name}. Example: gateway`);
    if (!needsService && raw.service !== undefined)
      problem('service', `is only for restart and scale, not for ${name}; leave it empty`);
    if (name === 'scale' && raw.replicas === undefined)
      problem(
        'replicas',
        `operation scale needs the number of containers to run (1 to ${MAX_REPLICAS}). Example: 2`,
      );
    if (name !== 'scale' && raw.replicas !== undefined)
      problem('replicas', `is only for scale, not for ${name}; leave it empty`);
    if (name !== 'reclaim-disk' && raw['prune-volumes'])
      problem('prune-volumes', `is only for reclaim-disk, not for ${name}`);
    const confirmed = raw.confirm === connection.environment;
    if (name === 'recover-database' && !confirmed)
      problem(
        'confirm',
        `recover-database stops the application and replaces the database with a backup: set confirm to the environment name (${connection.environment}) to go on; nothing was done`,
      );
    if (name === 'reclaim-disk' && raw['prune-volumes'] && !confirmed)
      problem(
        'confirm',
        `prune-volumes deletes Docker volumes and their data: set confirm to the environment name (${connection.environment}) to go on; nothing was done`,
      );
    const service = raw.service ?? '';
    const operation: Operation =
      name === 'restart'
        ? { kind: name, service }
        : name === 'scale'
          ? { kind: name, service, replicas: raw.replicas ?? 1 }
          : name === 'reclaim-disk'
            ? { kind: name, pruneVolumes: raw['prune-volumes'] }
            : { kind: name };
    return {
      connection,
      operation,
      services: raw.services,
      waitTimeoutSeconds: raw['wait-timeout'],
      minUptimeSeconds: raw['min-uptime'],
      healthUrl: raw['health-url'],
      lockTimeoutSeconds: raw['lock-timeout'],
      backupCommand: raw['backup-command'],
      restoreCommand: raw['restore-command'],
      postgresContainer: raw['postgres-container'],
      migrateService: raw['migrate-service'],
      alembicCommand: raw['alembic-command'],
    };
  });

export function readOpsInputs(): OpsSettings {
  return Object.freeze(readInputs(opsSchema, OPS_DEFAULTS, CONNECTION_SECRETS));
}
