import * as core from '@actions/core';
import {
  checkHosts,
  healthSummary,
  inert,
  reportDiagnostics,
  type HealthSettings,
  type RunContext,
} from '@thinktank/shared';

export async function main(settings: HealthSettings, { signal }: RunContext): Promise<void> {
  if (settings.connection.dryRun) core.info('dry-run: action-health only reads; it runs as usual');
  core.startGroup(`Health of ${settings.connection.environment}`);
  let report;
  try {
    report = await checkHosts(settings, signal);
  } finally {
    core.endGroup();
  }
  core.setOutput('healthy', String(report.healthy));
  // The journal's history and figures are for people (the summary); `report` keeps its documented fields.
  const { diagnostics = [], history: _history, ...shown } = report;
  core.setOutput('report', JSON.stringify(shown));
  await core.summary.addRaw(healthSummary(report, settings.connection.environment)).write();
  for (const check of report.checks) {
    // Values come from the server (backup names, os-release): inert in the log.
    const line = inert(`${check.host}: ${check.check}: ${check.value}`);
    if (check.verdict === 'fail') core.error(line);
    else if (check.verdict === 'warn') core.warning(line);
    else core.info(`${check.verdict}: ${line}`);
  }
  await reportDiagnostics(diagnostics, 'health');
  if (!report.healthy) throw new Error(`unhealthy: ${report.failing.join('; ')}`);
}
