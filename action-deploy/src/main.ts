import * as core from '@actions/core';
import {
  deploySummary,
  deploymentTarget,
  fleetSummary,
  fleetError,
  fleetFailures,
  forEachHost,
  GitHubDeployment,
  holderFromEnvironment,
  isFleet,
  rethrowSingle,
  runDeploy,
  reportDiagnostics,
  withDeployLock,
  type DeployOutcome,
  type DeploySettings,
  type RunContext,
} from '@thinktank/shared';

const passed = (outcome: DeployOutcome) => outcome.result === 'success' || outcome.result === 'unchanged';

/** The report without log lines and diagnostics: the summary, the fenced log and the artifact have them. */
function reported(outcome: DeployOutcome) {
  const withoutLogs = (waits: DeployOutcome['services']) => waits.map(({ logs: _logs, ...wait }) => wait);
  return {
    ...outcome,
    plan: outcome.plan.map((step) => step.title),
    services: withoutLogs(outcome.services),
    restored: withoutLogs(outcome.restored),
    diagnostics: undefined,
  };
}

export async function main(settings: DeploySettings, context: RunContext): Promise<void> {
  if (settings.connection.orchestrator === 'swarm')
    return (await import('./swarm')).swarmMain(settings, context);
  const { signal } = context;
  const { connection } = settings;
  const started = Date.now();
  const holder = holderFromEnvironment(connection.environment, 'deploy');
  const triggering = process.env.GITHUB_TRIGGERING_ACTOR;
  const fleet = isFleet(connection);
  core.info(
    `deploy of ${settings.ref} to ${connection.environment}` +
      (fleet ? ` (${connection.targets.length} hosts, ${connection.maxParallel} at a time)` : '') +
      ` requested by ${holder.actor}` +
      (triggering && triggering !== holder.actor ? ` (triggered by ${triggering})` : ''),
  );
  // One GitHub deployment for the run, started once the first host's lock is held.
  let deployment: Promise<GitHubDeployment | undefined> | undefined;
  const startDeployment = () =>
    (deployment ??= connection.dryRun
      ? Promise.resolve(undefined)
      : GitHubDeployment.start(
          deploymentTarget(connection.githubToken, connection.environment),
          settings.ref,
          `deploy ${settings.ref}`,
        ));
  // A shared database is migrated by the first host only, before any host restarts: the first host
  // then goes alone even without a canary.
  const migratesOnce = fleet && settings.migrateScope === 'fleet';
  const runs = await forEachHost(
    connection,
    { signal, passed, firstAlone: migratesOnce && settings.migrate !== 'false' },
    (session, index) =>
      withDeployLock(
        session,
        connection,
        settings.lockTimeoutSeconds,
        holder,
        async () => {
          await startDeployment();
          const own = migratesOnce && index > 0 ? { ...settings, migrate: 'false' as const } : settings;
          if (own !== settings)
            core.info(
              `migrate-scope fleet: the first host ${connection.dryRun ? 'would migrate' : 'migrated'} the shared database`,
            );
          const outcome = await runDeploy(own, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
          });
          return outcome;
        },
        { signal },
      ),
  );
  const githubDeployment = await deployment;
  const outcomes = runs.flatMap((run) => (run.value === undefined ? [] : [run.value]));
  // Written once all hosts are done (hosts side by side would race on the summary file): the fleet's
  // table, each host's section, then every host's diagnostics in one folder (a file per host).
  if (fleet) await core.summary.addRaw(fleetSummary('Deploy', connection.environment, runs)).write();
  for (const run of runs)
    if (run.value !== undefined)
      await core.summary.addRaw(deploySummary(run.value, connection.environment, run.host)).write();
  await reportDiagnostics(
    outcomes.flatMap((outcome) => outcome.diagnostics),
    'deploy',
  );
  const ok = runs.every((run) => run.result === 'success');
  const first = runs[0].value;
  if (first !== undefined) {
    // The first host's commits and tag; each host's own are in the report.
    core.setOutput('previous-ref', first.previousRef);
    core.setOutput('deployed-ref', first.deployedRef);
    core.setOutput('attempted-ref', first.attemptedRef);
    core.setOutput(
      'image-tag',
      first.deployedRef === first.attemptedRef ? first.imageTag : first.previousImageTag,
    );
    core.setOutput('migrated', String(outcomes.some((outcome) => outcome.migrated)));
    core.setOutput('rolled-back', String(outcomes.some((outcome) => outcome.rolledBack)));
    core.setOutput(
      'duration-seconds',
      String(fleet ? Math.round((Date.now() - started) / 1000) : first.durationSeconds),
    );
  }
  if (fleet) {
    core.setOutput(
      'report',
      JSON.stringify({
        ...(first === undefined ? {} : reported(first)),
        hosts: runs.map(({ cause: _cause, value, ...run }) => ({
          ...run,
          ...(value === undefined ? {} : { outcome: reported(value) }),
        })),
      }),
    );
  } else if (first !== undefined) core.setOutput('report', JSON.stringify(reported(first)));
  await githubDeployment?.status(
    ok ? 'success' : 'failure',
    fleet
      ? `${runs.filter((run) => run.result === 'success').length} of ${runs.length} hosts deployed`
      : `${first?.result}: ${first?.deployedRef.slice(0, 12)}`,
  );
  rethrowSingle(runs);
  if (!ok) {
    if (!fleet && first !== undefined) {
      throw new Error(
        first.rolledBack
          ? `deploy of ${first.attemptedRef.slice(0, 12)} failed and was rolled back to ${first.deployedRef.slice(0, 12)}: ${first.failure}`
          : `deploy of ${first.attemptedRef.slice(0, 12)} failed: ${first.failure}`,
      );
    }
    throw fleetError(
      `deploy to the fleet failed: ${fleetFailures(runs, (outcome) => outcome.failure)}`,
      runs,
    );
  }
}
