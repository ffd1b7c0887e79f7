/**
 * GitHub Deployments for the environment: created when a deploy starts, then statuses in_progress,
 * success or failure, with environment_url and log_url. API errors (401, 403, 404, 422, rate limits)
 * are warnings: they never fail a deploy.
 */
import * as core from '@actions/core';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive' | 'error';

export interface DeploymentTarget {
  readonly token: string;
  readonly apiUrl: string;
  readonly repository: string;
  readonly environment: string;
  readonly productionEnvironment: boolean;
  readonly environmentUrl: string | undefined;
  readonly logUrl: string | undefined;
}

/** Where the run is, from the runner's environment; undefined when no token or repository. */
export function deploymentTarget(
  token: string | undefined,
  environment: string,
  environmentUrl?: string,
): DeploymentTarget | undefined {
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  if (token === undefined || token === '' || repository === '') return undefined;
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runId = process.env.GITHUB_RUN_ID;
  return {
    token,
    apiUrl: (process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, ''),
    repository,
    environment,
    productionEnvironment: /^prod/i.test(environment),
    environmentUrl,
    logUrl: runId ? `${server}/${repository}/actions/runs/${runId}` : undefined,
  };
}

async function call(
  target: DeploymentTarget,
  path: string,
  body: object,
): Promise<{ id?: number } | undefined> {
  try {
    const response = await fetch(`${target.apiUrl}/repos/${target.repository}${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${target.token}`,
        'content-type': 'application/json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'thinktank-deploy-actions',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) {
      const limited = response.headers.get('x-ratelimit-remaining') === '0';
      core.warning(
        `GitHub deployment API: POST ${path} answered ${response.status}${limited ? ' (rate limit)' : ''}; the deploy goes on`,
      );
      return undefined;
    }
    return (await response.json()) as { id?: number };
  } catch (error) {
    core.warning(`GitHub deployment API unreachable (${(error as Error).message}); the deploy goes on`);
    return undefined;
  }
}

export class GitHubDeployment {
  private constructor(
    private readonly target: DeploymentTarget,
    readonly id: number,
  ) {}

  /** Creates the deployment and sets it in_progress; undefined (with a warning) when the API says no. */
  static async start(
    target: DeploymentTarget | undefined,
    ref: string,
    description: string,
  ): Promise<GitHubDeployment | undefined> {
    if (target === undefined) return undefined;
    const created = await call(target, '/deployments', {
      ref,
      environment: target.environment,
      auto_merge: false,
      required_contexts: [],
      production_environment: target.productionEnvironment,
      description: description.slice(0, 140),
    });
    if (created?.id === undefined) return undefined;
    const deployment = new GitHubDeployment(target, created.id);
    await deployment.status('in_progress', description);
    return deployment;
  }

  async status(state: DeploymentState, description: string): Promise<void> {
    await call(this.target, `/deployments/${this.id}/statuses`, {
      state,
      description: description.slice(0, 140),
      ...(this.target.environmentUrl ? { environment_url: this.target.environmentUrl } : {}),
      ...(this.target.logUrl ? { log_url: this.target.logUrl } : {}),
      auto_inactive: true,
    });
  }
}
