import * as core from '@actions/core';
import {
  deploymentTarget,
  GitHubDeployment,
  holderFromEnvironment,
  reportDiagnostics,
  rollbackSummary,
  runRollback,
  Sessions,
  stage,
  withDeployLock,
  type RollbackSettings,
  type RunContext,
} from '@thinktank/shared';

export async function main(settings: RollbackSettings, { signal }: RunContext): Promise<void> {
  const { connection } = settings.deploy;
  const holder = holderFromEnvironment(connection.environment, 'rollback');
  core.info(
    `${settings.mode} rollback of ${connection.environment} to ${settings.to.kind === 'previous' ? 'previous' : settings.to.value} requested by ${holder.actor}`,
  );
  const sessions = new Sessions(connection, { signal });
  try {
    const [session] = await stage('Connect', () => sessions.connectAll());
    await withDeployLock(
      session,
      connection,
      settings.deploy.lockTimeoutSeconds,
      holder,
      async () => {
        const outcome = await runRollback(settings, {
          session,
          signal,
          actor: holder.actor,
          runUrl: holder.run_url,
          runId: holder.run_id,
        });
        const deployment = connection.dryRun
          ? undefined
          : await GitHubDeployment.start(
              deploymentTarget(connection.githubToken, connection.environment),
              outcome.toRef,
              `rollback to ${outcome.toRef.slice(0, 12)}`,
            );
        core.setOutput('from-ref', outcome.fromRef);
        core.setOutput('to-ref', outcome.toRef);
        core.setOutput('restored-backup', outcome.restoredBackup ?? '');
        await core.summary.addRaw(rollbackSummary(outcome, connection.environment, session.label)).write();
        await reportDiagnostics(outcome.deploy?.diagnostics ?? [], 'rollback');
        await deployment?.status(
          outcome.failure || outcome.productionDown ? 'failure' : 'success',
          `${settings.mode} rollback to ${outcome.toRef.slice(0, 12)}`,
        );
        if (outcome.failure || outcome.productionDown)
          throw new Error(
            `${settings.mode} rollback to ${outcome.toRef.slice(0, 12)} failed: ${outcome.failure ?? outcome.productionDown}`,
          );
      },
      { signal },
    );
  } finally {
    sessions.closeAll();
  }
}
