/**
 * GitHub Deployments against a local HTTP server that checks every request against GitHub's published
 * REST description (@octokit/openapi): the path and method exist, the body validates against the
 * operation's request schema. Errors from the API are warnings that never fail a deploy.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { GitHubDeployment, deploymentTarget } from '../../packages/shared/src/github/deployments';

jest.setTimeout(60_000);

type Operation = {
  requestBody?: { content: { 'application/json': { schema: object } } };
  responses: Record<
    string,
    { content?: { 'application/json'?: { examples?: Record<string, { value: unknown }> } } }
  >;
};
const spec = JSON.parse(
  readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.deref.json'), 'utf8'),
) as {
  paths: Record<string, Record<string, Operation>>;
};
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

function findOperation(method: string, path: string): { template: string; operation: Operation } | undefined {
  for (const [template, operations] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(path) && operations[method.toLowerCase()])
      return { template, operation: operations[method.toLowerCase()] };
  }
  return undefined;
}

interface Seen {
  method: string;
  path: string;
  template: string;
  body: Record<string, unknown>;
  problems: string[];
}

let server: Server;
let seen: Seen[] = [];
let answerWith: { status: number; headers?: Record<string, string> } | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0];
      const found = findOperation(request.method ?? '', path);
      const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      const problems: string[] = [];
      if (!found) problems.push(`no such operation: ${request.method} ${path}`);
      else {
        const schema = found.operation.requestBody?.content['application/json'].schema;
        if (schema && !ajv.validate(schema, body))
          problems.push(...(ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
        if (request.headers.authorization !== 'Bearer test-token') problems.push('no bearer token');
        if (!/^application\/vnd\.github\+json/.test(request.headers.accept ?? ''))
          problems.push('accept header');
      }
      seen.push({ method: request.method ?? '', path, template: found?.template ?? '', body, problems });
      if (answerWith) {
        response.writeHead(answerWith.status, { 'content-type': 'application/json', ...answerWith.headers });
        response.end(JSON.stringify({ message: 'error', documentation_url: 'https://docs.github.com' }));
        return;
      }
      const example = Object.values(
        found?.operation.responses['201']?.content?.['application/json']?.examples ?? {},
      )[0]?.value;
      response.writeHead(problems.length === 0 ? 201 : 422, { 'content-type': 'application/json' });
      response.end(JSON.stringify(example ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => server.close());

function target() {
  const address = server.address() as { port: number };
  process.env.GITHUB_API_URL = `http://127.0.0.1:${address.port}`;
  process.env.GITHUB_REPOSITORY = 'thinktank/app';
  process.env.GITHUB_RUN_ID = '42';
  process.env.GITHUB_SERVER_URL = 'https://github.com';
  return deploymentTarget('test-token', 'production', 'https://app.example.com');
}

function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; out: string }> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  return work().then(
    (result) => {
      process.stdout.write = write;
      return { result, out };
    },
    (error: unknown) => {
      process.stdout.write = write;
      throw error;
    },
  );
}

describe('GitHub Deployments', () => {
  beforeEach(() => {
    seen = [];
    answerWith = undefined;
  });

  it('creates the deployment and moves its status, every request valid by the REST description', async () => {
    const deployment = await GitHubDeployment.start(target(), 'a'.repeat(40), 'deploy main');
    expect(deployment).toBeDefined();
    await deployment?.status('success', 'deployed');
    expect(seen.map((s) => [s.method, s.template, s.problems])).toEqual([
      ['POST', '/repos/{owner}/{repo}/deployments', []],
      ['POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', []],
      ['POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', []],
    ]);
    expect(seen[0].body).toMatchObject({
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      production_environment: true,
    });
    expect(seen[1].body).toMatchObject({
      state: 'in_progress',
      environment_url: 'https://app.example.com',
      log_url: 'https://github.com/thinktank/app/actions/runs/42',
    });
    expect(seen[2].body).toMatchObject({ state: 'success' });
  });

  it.each<[number, Record<string, string>]>([
    [401, {}],
    [403, {}],
    [404, {}],
    [422, {}],
    [403, { 'x-ratelimit-remaining': '0' }],
  ])('an API answer of %s is a warning, never a failure', async (status, headers) => {
    answerWith = { status, headers };
    const { result, out } = await captureStdout(() => GitHubDeployment.start(target(), 'main', 'deploy'));
    expect(result).toBeUndefined();
    expect(out).toMatch(new RegExp(`::warning::GitHub deployment API: POST /deployments answered ${status}`));
    if (headers['x-ratelimit-remaining']) expect(out).toContain('(rate limit)');
  });

  it('an unreachable API is a warning too', async () => {
    const unreachable = { ...target()!, apiUrl: 'http://127.0.0.1:1' };
    const { result, out } = await captureStdout(() => GitHubDeployment.start(unreachable, 'main', 'deploy'));
    expect(result).toBeUndefined();
    expect(out).toMatch(/::warning::GitHub deployment API unreachable/);
  });

  it('the checking server refuses what GitHub would (the check can fail)', async () => {
    const base = target()!.apiUrl;
    const post = (path: string, body: object) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer test-token',
          accept: 'application/vnd.github+json',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    expect((await post('/repos/thinktank/app/deployments/1/statuses', { state: 'bogus' })).status).toBe(422);
    expect((await post('/repos/thinktank/app/deployments', { environment: 'production' })).status).toBe(422);
    expect((await post('/repos/thinktank/app/deployment', { ref: 'main' })).status).toBe(422);
    expect(seen.map((s) => s.problems.length > 0)).toEqual([true, true, true]);
  });

  it('does nothing without a token', () => {
    expect(deploymentTarget('', 'production')).toBeUndefined();
  });
});
