import * as core from '@actions/core';
import {
  holderFromEnvironment,
  migrationSummary,
  runMigrate,
  onFirstHost,
  withDeployLock,
  type MigrateSettings,
  type RunContext,
} from '@thinktank/shared';

export async function main(settings: MigrateSettings, { signal }: RunContext): Promise<void> {
  const { connection, request } = settings;
  const holder = holderFromEnvironment(connection.environment, 'migrate');
  // A fleet shares its database: it is migrated once, from the first host.
  await onFirstHost(connection, signal, (session) =>
    withDeployLock(
      session,
      connection,
      settings.lockTimeoutSeconds,
      holder,
      async () => {
        const { outcome, failure } = await runMigrate(settings, { session, signal, holder });
        core.setOutput('revision-before', outcome.revisionBefore ?? '');
        core.setOutput('revision-after', outcome.revisionAfter ?? '');
        core.setOutput('destructive', String((outcome.destructive ?? []).length > 0));
        core.setOutput('sql', outcome.sql ?? '');
        core.setOutput('backup', outcome.backup ?? '');
        await core.summary
          .addRaw(migrationSummary(connection.environment, request, outcome, failure))
          .write();
        if (failure !== undefined) throw new Error(failure);
      },
      { signal },
    ),
  );
}
