import * as core from '@actions/core';
import {
  holderFromEnvironment,
  migrationSummary,
  runMigrate,
  Sessions,
  stage,
  withDeployLock,
  type MigrateSettings,
  type RunContext,
} from '@thinktank/shared';

export async function main(settings: MigrateSettings, { signal }: RunContext): Promise<void> {
  const { connection, request } = settings;
  const holder = holderFromEnvironment(connection.environment, 'migrate');
  const sessions = new Sessions(connection, { signal });
  try {
    const [session] = await stage('Connect', () => sessions.connectAll());
    await withDeployLock(
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
    );
  } finally {
    sessions.closeAll();
  }
}
