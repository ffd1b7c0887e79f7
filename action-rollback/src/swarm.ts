import * as core from '@actions/core';
import {
  deploymentTarget,
  GitHubDeployment,
  holderFromEnvironment,
  inert,
  onFirstHost,
  runSwarmRollback,
  swarmSummary,
  withDeployLock,
  type RollbackSettings,
  type RunContext,
} from '@thinktank/shared';

/** orchestrator swarm: the ledger's release (commit and image tag) redeployed with `docker stack deploy`. */
export async function swarmMain(settings: RollbackSettings, { signal }: RunContext): Promise<void> {
  const { connection } = settings.deploy;
  const holder = holderFromEnvironment(connection.environment, 'rollback');
  core.info(
    `swarm rollback of stack ${connection.stackName} in ${connection.environment} to ` +
      `${settings.to.kind === 'previous' ? 'previous' : settings.to.value} requested by ${holder.actor}`,
  );
  const outcome = await onFirstHost(connection, signal, (session) =>
    withDeployLock(
      session,
      connection,
      settings.deploy.lockTimeoutSeconds,
      holder,
      async () => {
        const outcome = await runSwarmRollback(settings, {
          session,
          signal,
          actor: holder.actor,
          runUrl: holder.run_url,
          runId: holder.run_id,
        });
        await core.summary.addRaw(swarmSummary(outcome, connection.environment, session.label)).write();
        return outcome;
      },
      { signal },
    ),
  );
  core.setOutput('from-ref', outcome.previousRef);
  core.setOutput('to-ref', outcome.attemptedRef);
  core.setOutput('restored-backup', '');
  core.setOutput('report', JSON.stringify({ orchestrator: 'swarm', ...outcome }));
  if (!connection.dryRun) {
    const deployment = await GitHubDeployment.start(
      deploymentTarget(connection.githubToken, connection.environment),
      outcome.attemptedRef,
      `rollback to ${outcome.attemptedRef.slice(0, 12)}`,
    );
    await deployment?.status(
      outcome.failure === undefined ? 'success' : 'failure',
      `image rollback to ${outcome.attemptedRef.slice(0, 12)}`,
    );
  }
  if (outcome.failure !== undefined)
    throw new Error(
      inert(
        `swarm rollback to ${outcome.attemptedRef.slice(0, 12)} (${outcome.imageTag}) failed: ${outcome.failure}`,
      ),
    );
}
