import * as core from '@actions/core';
import {
  deploymentTarget,
  GitHubDeployment,
  holderFromEnvironment,
  inert,
  onFirstHost,
  runSwarmDeploy,
  swarmSummary,
  withDeployLock,
  type DeploySettings,
  type RunContext,
} from '@thinktank/shared';

/** orchestrator swarm: `docker stack deploy` on the manager, waited for until Swarm converged. */
export async function swarmMain(settings: DeploySettings, { signal }: RunContext): Promise<void> {
  const { connection } = settings;
  const holder = holderFromEnvironment(connection.environment, 'deploy');
  core.info(
    `swarm deploy of ${settings.ref} (image tag ${settings.imageTag ?? ''}) to stack ${connection.stackName} ` +
      `in ${connection.environment} requested by ${holder.actor}`,
  );
  const outcome = await onFirstHost(connection, signal, (session) =>
    withDeployLock(
      session,
      connection,
      settings.lockTimeoutSeconds,
      holder,
      async () => {
        const deployment = connection.dryRun
          ? undefined
          : await GitHubDeployment.start(
              deploymentTarget(connection.githubToken, connection.environment),
              settings.ref,
              `deploy ${settings.ref}`,
            );
        let outcome;
        try {
          outcome = await runSwarmDeploy(settings, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
          });
        } catch (error) {
          // Not a deployment left "in progress" for ever.
          await deployment?.status('failure', 'deploy failed');
          throw error;
        }
        await deployment?.status(
          outcome.result === 'success' ? 'success' : 'failure',
          `${outcome.result}: ${outcome.deployedRef.slice(0, 12)}`,
        );
        await core.summary.addRaw(swarmSummary(outcome, connection.environment, session.label)).write();
        return outcome;
      },
      { signal },
    ),
  );
  core.setOutput('previous-ref', outcome.previousRef);
  core.setOutput('deployed-ref', outcome.deployedRef);
  core.setOutput('attempted-ref', outcome.attemptedRef);
  core.setOutput('image-tag', outcome.deployedImageTag);
  core.setOutput('migrated', String(outcome.migrated));
  core.setOutput('rolled-back', String(outcome.rolledBack));
  core.setOutput('duration-seconds', String(outcome.durationSeconds));
  core.setOutput('report', JSON.stringify({ orchestrator: 'swarm', ...outcome }));
  if (outcome.failure !== undefined) {
    const what = `swarm deploy of ${outcome.attemptedRef.slice(0, 12)} (${outcome.imageTag}) failed`;
    throw new Error(
      inert(
        outcome.rolledBack
          ? `${what} and was rolled back to ${outcome.deployedRef.slice(0, 12)} (${outcome.deployedImageTag}): ${outcome.failure}`
          : `${what}: ${outcome.failure}${outcome.notes.length > 0 ? ` (${outcome.notes.join('; ')})` : ''}`,
      ),
    );
  }
}
