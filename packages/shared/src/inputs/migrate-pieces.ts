/** Migration inputs shared by action-migrate and action-deploy (contract: "action-migrate"). */
import { field, optionalField } from './read';
import * as v from './validators';
import type { MigrationSettings } from '../migrate/alembic';

export const MIGRATION_DEFAULTS = {
  'allow-destructive': 'false',
  backup: 'true',
  'migrate-service': 'gateway',
  'alembic-command': 'cd backend && uv run alembic',
  'backup-command': 'docker exec thinktank-backup /usr/local/bin/backup.sh',
} as const;

export const migrationShape = {
  'allow-destructive': field(v.boolean),
  backup: field(v.boolean),
  // An empty migrate-service means "on the host"; the runner gives '' for an input set to ''.
  'migrate-service': optionalField(v.serviceName),
  'alembic-command': field(v.commandPrefix),
  'backup-command': field(v.commandPrefix),
};

export function toMigrationSettings(raw: {
  'allow-destructive': boolean;
  backup: boolean;
  'migrate-service': string | undefined;
  'alembic-command': string;
  'backup-command': string;
}): MigrationSettings {
  return {
    allowDestructive: raw['allow-destructive'],
    backup: raw.backup,
    migrateService: raw['migrate-service'],
    alembicCommand: raw['alembic-command'],
    backupCommand: raw['backup-command'],
  };
}
