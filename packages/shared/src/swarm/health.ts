/**
 * action-health with `orchestrator: swarm`: on the manager, every service of the stack with the
 * replicas it wants running its current image, and server-url probed on the server as the compose
 * path does; repeated as a set until it passes or `retries` more rounds have failed.
 */
import * as core from '@actions/core';
import { CancelledError, errorMessage } from '../errors';
import { judgeHealthAnswer, probeOnServer, type CheckResult, type HealthReport } from '../health/checks';
import type { HealthSettings } from '../inputs/health';
import { inert } from '../ssh/output';
import type { RemoteSession } from '../ssh/session';
import { sleep } from '../sleep';
import { readStackState, requireManager } from './deploy';
import { replicaRows } from './state';

/** One round on the manager: a row per service (desired vs running), then server-url. */
export async function swarmHealthRound(
  session: RemoteSession,
  settings: HealthSettings,
): Promise<CheckResult[]> {
  const host = session.label;
  const stack = settings.connection.stackName;
  const rows: CheckResult[] = [];
  if (settings.checkServices) {
    try {
      await requireManager(session);
      const services = replicaRows(await readStackState(session, stack));
      if (services.length === 0)
        rows.push({
          host,
          check: `stack ${stack}`,
          value: 'no services (is the stack deployed?)',
          threshold: 'deployed',
          verdict: 'fail',
        });
      for (const service of services)
        rows.push({
          host,
          check: `service ${service.service}`,
          value: service.value,
          threshold: 'every desired replica running',
          verdict: service.ok ? 'pass' : 'fail',
        });
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      rows.push({
        host,
        check: `stack ${stack}`,
        value: errorMessage(error),
        threshold: 'readable',
        verdict: 'fail',
      });
    }
  } else
    rows.push({
      host,
      check: 'services',
      value: 'not checked (check-services: false)',
      threshold: '',
      verdict: 'skip',
    });
  const health = judgeHealthAnswer(await probeOnServer(session, settings.serverUrl), settings.expectStatus);
  rows.push({
    host,
    check: `server-url ${settings.serverUrl}`,
    value: health.value,
    threshold: `status ${settings.expectStatus}`,
    verdict: health.ok ? 'pass' : 'fail',
  });
  return rows;
}

/** Rounds of swarmHealthRound until every row passes or the retries are spent. */
export async function swarmHealth(
  session: RemoteSession,
  settings: HealthSettings,
  signal: AbortSignal,
): Promise<HealthReport> {
  const rounds = settings.retries + 1;
  for (let round = 1; ; round++) {
    const checks = await swarmHealthRound(session, settings);
    const failing = checks
      .filter((check) => check.verdict === 'fail')
      .map((check) => `${check.host}: ${check.check} (${check.value})`);
    if (failing.length === 0 || round >= rounds)
      return { healthy: failing.length === 0, attempts: round, checks, failing, diagnostics: [] };
    core.info(
      inert(
        `round ${round} of ${rounds} failed: ${failing.join('; ')}; next round in ${settings.intervalSeconds}s`,
      ),
    );
    await sleep(settings.intervalSeconds * 1000, signal);
  }
}
