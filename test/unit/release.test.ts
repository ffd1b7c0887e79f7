/**
 * scripts/release.mjs: the release checks, the notes, where the major tag goes; then the CLI on this
 * repository, `publish` against real git repositories with a stand-in for gh, and the workflow's shape.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ROOT } from '../harness/runner';

const SCRIPT = join(ROOT, 'scripts/release.mjs');

// The script is an ES module, which jest (CommonJS here, on Node 20) cannot load: each call runs in a
// Node process that imports it, with the arguments and the result (or the error's message) as JSON.
const BRIDGE = `
import * as release from ${JSON.stringify(pathToFileURL(SCRIPT).href)};
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { name, args } = JSON.parse(input);
try {
  process.stdout.write(JSON.stringify({ value: release[name](...args) ?? null }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error.message }));
}
`;

function call<T>(name: string, ...args: unknown[]): T {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', BRIDGE], {
    input: JSON.stringify({ name, args }),
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`node failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout) as { value?: T; error?: string };
  if (result.error !== undefined) throw new Error(result.error);
  return result.value as T;
}

type Plan = { majorTag: string; move: boolean; latest: boolean; reason: string };

describe('parseTag', () => {
  it.each([
    ['v1.2.3', { version: '1.2.3', major: 1, minor: 2, patch: 3, prerelease: [] }],
    ['v0.1.0', { version: '0.1.0', major: 0, minor: 1, patch: 0, prerelease: [] }],
    ['v10.20.30', { version: '10.20.30', major: 10, minor: 20, patch: 30, prerelease: [] }],
    ['v1.2.3-rc.1', { version: '1.2.3-rc.1', major: 1, minor: 2, patch: 3, prerelease: ['rc', '1'] }],
    ['v2.0.0-beta', { version: '2.0.0-beta', major: 2, minor: 0, patch: 0, prerelease: ['beta'] }],
  ])('%s is a release tag', (tag, expected) => {
    expect(call('parseTag', tag)).toEqual({ tag, ...expected });
  });

  it.each([
    'v1', // the major tag itself
    'v1.2',
    '1.2.3', // no v
    'v01.2.3', // a leading zero
    'v1.2.3-', // an empty suffix
    'v1.2.3-rc..1',
    'v1.2.3-rc.01',
    'v1.2.3+build.5', // build metadata is not taken
    'v1.2.3.4',
    'release-1.2.3',
    'V1.2.3',
  ])('%s is not', (tag) => {
    expect(call('parseTag', tag)).toBeNull();
  });
});

describe('compareVersions', () => {
  it.each([
    ['v1.0.0', 'v1.0.0', 0],
    ['v1.0.1', 'v1.0.0', 1],
    ['v1.0.0', 'v1.1.0', -1],
    ['v1.10.0', 'v1.9.0', 1], // numbers, not text
    ['v2.0.0', 'v1.99.99', 1],
    ['v1.0.0-rc.1', 'v1.0.0', -1], // a prerelease comes before its release
    ['v1.0.0', 'v1.0.0-rc.1', 1],
    ['v1.0.0-rc.2', 'v1.0.0-rc.10', -1], // numeric identifiers numerically
    ['v1.0.0-alpha', 'v1.0.0-alpha.1', -1], // a longer list after its prefix
    ['v1.0.0-alpha.1', 'v1.0.0-alpha.beta', -1], // a number before a word
    ['v1.0.0-beta', 'v1.0.0-alpha', 1],
    ['v1.0.1-rc.1', 'v1.0.0', 1],
  ])('%s against %s is %d', (a, b, expected) => {
    expect(call('compareVersions', a, b)).toBe(expected);
  });

  it('refuses what is not a version', () => {
    expect(() => call('compareVersions', 'v1', 'v1.0.0')).toThrow('v1 is not a release tag');
  });
});

const CHANGELOG = `# Changelog

Intro text, with [a link](https://keepachangelog.com/).

## [Unreleased]

### Added

- Something not released yet.

## [1.1.0] - 2026-12-05

### Added

- A new input \`x\`.

### Fixed

- A bug.

## [1.0.10] - 2026-12-01

- Ten.

## [1.0.1-rc.1] - 2026-11-30

- A candidate.

## [1.0.0] - 2026-11-28

First release.

- Everything.

[Unreleased]: https://github.com/owner/repo/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/owner/repo/compare/v1.0.0...v1.1.0
[1.0.0]: https://github.com/owner/repo/releases/tag/v1.0.0
`;

describe('changelogSection', () => {
  it.each([
    [
      '1.1.0',
      '### Added\n\n- A new input `x`.\n\n### Fixed\n\n- A bug.', // ### subsections belong to it; it stops at the next ##
    ],
    ['1.0.10', '- Ten.'],
    ['1.0.1-rc.1', '- A candidate.'],
    ['1.0.0', 'First release.\n\n- Everything.'], // the link definitions at the bottom are not part of it
    ['Unreleased', '### Added\n\n- Something not released yet.'],
  ])('[%s]', (version, expected) => {
    expect(call('changelogSection', CHANGELOG, version)).toBe(expected);
  });

  it.each([
    ['1.0.1', 'no section, though 1.0.10 and 1.0.1-rc.1 start the same'],
    ['1.0', 'a prefix of 1.0.0'],
    ['1.2.0', 'absent'],
  ])('%s has none (%s)', (version) => {
    expect(call('changelogSection', CHANGELOG, version)).toBeNull();
  });

  it('takes CRLF line ends and a heading without a date', () => {
    expect(
      call('changelogSection', '## [2.0.0]\r\n\r\n- Two.\r\n\r\n## [1.0.0]\r\n- One.\r\n', '2.0.0'),
    ).toBe('- Two.');
  });

  it('a section is not a line that only mentions the version', () => {
    expect(call('changelogSection', 'See ## [1.0.0] below.\n### [1.0.0]\n- no\n', '1.0.0')).toBeNull();
  });
});

describe('checkRelease', () => {
  const good = { tag: 'v1.1.0', packageVersion: '1.1.0', changelog: CHANGELOG };

  it('gives the notes when the tag, package.json and CHANGELOG.md agree', () => {
    expect(call('checkRelease', good)).toEqual({
      tag: 'v1.1.0',
      version: '1.1.0',
      prerelease: false,
      notes: '### Added\n\n- A new input `x`.\n\n### Fixed\n\n- A bug.',
    });
    expect(
      call('checkRelease', { tag: 'v1.0.1-rc.1', packageVersion: '1.0.1-rc.1', changelog: CHANGELOG }),
    ).toMatchObject({ prerelease: true, notes: '- A candidate.' });
  });

  it.each([
    [
      'a tag that is not package.json version',
      { ...good, packageVersion: '1.0.10' },
      ["the tag v1.1.0 is not package.json's version 1.0.10"],
    ],
    [
      'no section for the version',
      { ...good, tag: 'v1.2.0', packageVersion: '1.2.0' },
      ['CHANGELOG.md has no section "## [1.2.0] - YYYY-MM-DD"'],
    ],
    [
      'an empty section',
      { ...good, changelog: '## [1.1.0] - 2026-12-05\n\n## [1.0.0]\n- x\n' },
      ["CHANGELOG.md's section [1.1.0] is empty"],
    ],
    [
      'both problems at once',
      { ...good, tag: 'v1.2.0' },
      ["the tag v1.2.0 is not package.json's version 1.1.0", 'CHANGELOG.md has no section'],
    ],
    ['a tag that is not a version', { ...good, tag: 'v1.1' }, ['v1.1 is not a release tag']],
  ])('refuses %s', (_what, repository, messages) => {
    let message = '';
    try {
      call('checkRelease', repository);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const expected of messages) expect(message).toContain(expected);
    expect(message).not.toBe('');
  });
});

describe('majorTagPlan', () => {
  it.each<[string, string, string[], Partial<Plan>]>([
    ['the first release', 'v1.0.0', ['v1.0.0'], { majorTag: 'v1', move: true, latest: true }],
    ['a newer patch', 'v1.0.1', ['v1', 'v1.0.0', 'v1.0.1'], { move: true, latest: true }],
    ['a newer minor', 'v1.1.0', ['v1', 'v1.0.0', 'v1.0.1', 'v1.1.0'], { move: true, latest: true }],
    [
      'an older patch after a newer minor: v1 never moves back',
      'v1.0.2',
      ['v1', 'v1.0.0', 'v1.1.0', 'v1.0.2'],
      { move: false, latest: false, reason: 'v1.1.0 is newer than v1.0.2: v1 stays (it never moves back)' },
    ],
    ['a prerelease moves nothing', 'v1.1.0-rc.1', ['v1', 'v1.0.0', 'v1.1.0-rc.1'], { move: false }],
    [
      'a prerelease of the next major moves nothing',
      'v2.0.0-rc.1',
      ['v1', 'v1.0.0', 'v2.0.0-rc.1'],
      { majorTag: 'v2', move: false, latest: false, reason: 'v2.0.0-rc.1 is a prerelease: v2 stays' },
    ],
    [
      'a newer prerelease does not hold v1 back',
      'v1.1.0',
      ['v1.0.0', 'v1.2.0-rc.1', 'v1.1.0'],
      { move: true, latest: true },
    ],
    ['the release after its prereleases', 'v1.1.0', ['v1.0.0', 'v1.1.0-rc.1', 'v1.1.0-rc.2'], { move: true }],
    ['a new major moves its own tag', 'v2.0.0', ['v1', 'v1.5.0', 'v2.0.0'], { majorTag: 'v2', move: true }],
    [
      'a v1 fix after v2: v1 moves, but the release is not Latest',
      'v1.5.1',
      ['v1', 'v2', 'v1.5.0', 'v2.0.0', 'v1.5.1'],
      { majorTag: 'v1', move: true, latest: false, reason: 'v1 moves to v1.5.1' },
    ],
    ['tags that are not versions are ignored', 'v1.0.1', ['v1', 'latest', 'v9', 'v1.0.0'], { move: true }],
    ['a re-run of the newest release', 'v1.1.0', ['v1.0.0', 'v1.1.0'], { move: true, latest: true }],
  ])('%s', (_what, tag, existing, expected) => {
    expect(call<Plan>('majorTagPlan', tag, existing)).toMatchObject(expected);
  });

  it('refuses a tag that is not a version', () => {
    expect(() => call('majorTagPlan', 'v1', [])).toThrow('v1 is not a release tag');
  });
});

function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawnSync(process.execPath, [SCRIPT, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, GITHUB_ACTIONS: '', ...options.env },
    encoding: 'utf8',
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('the CLI on this repository', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;

  it("can release package.json's version: CHANGELOG.md has its section", () => {
    expect(cli(['check', `v${version}`])).toMatchObject({ status: 0, stderr: '' });
    const notes = cli(['notes', `v${version}`]);
    expect(notes.status).toBe(0);
    expect(notes.stdout.trim().length).toBeGreaterThan(0);
    expect(notes.stdout).not.toMatch(/^## |^\[[^\]]+\]: /m);
  });

  it('refuses another version, with what to fix, as an annotation in Actions', () => {
    const other = cli(['check', 'v99.0.0']);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`the tag v99.0.0 is not package.json's version ${version}`);
    expect(other.stderr).toContain('CHANGELOG.md has no section "## [99.0.0] - YYYY-MM-DD"');
    const annotated = cli(['check', 'v99.0.0'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(annotated.stdout).toMatch(/^::error::v99\.0\.0 cannot be released:%0A- the tag/);
  });

  it('major-tag-plan prints the plan for the tags given', () => {
    const plan = cli(['major-tag-plan', 'v1.0.2', 'v1.0.0', 'v1.1.0']);
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ majorTag: 'v1', move: false, latest: false });
  });

  it('says how to use it', () => {
    expect(cli([]).stderr).toContain('usage: node scripts/release.mjs');
    expect(cli(['notes']).status).toBe(1);
  });
});

describe('publish, with real git repositories and a stand-in for gh', () => {
  let dir: string;
  let work: string;
  let origin: string;
  let ghLog: string;
  const gitEnv = {
    GIT_AUTHOR_NAME: 'Release Test',
    GIT_AUTHOR_EMAIL: 'release@example.com',
    GIT_COMMITTER_NAME: 'Release Test',
    GIT_COMMITTER_EMAIL: 'release@example.com',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, env: { ...process.env, ...gitEnv }, encoding: 'utf8' }).trim();

  /** A commit that releases `version` (package.json and its CHANGELOG.md section), tagged v<version>. */
  function commitRelease(version: string, annotated = false) {
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'x', version }));
    writeFileSync(
      join(work, 'CHANGELOG.md'),
      `# Changelog\n\n## [${version}] - 2026-12-01\n\n- Notes of ${version}.\n`,
    );
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', `Release ${version}`);
    if (annotated) git(work, 'tag', '-a', '-m', `v${version}`, `v${version}`);
    else git(work, 'tag', `v${version}`);
    git(work, 'push', '-q', 'origin', 'HEAD', `v${version}`);
    return git(work, 'rev-parse', 'HEAD');
  }

  function publish(tag: string) {
    rmSync(ghLog, { force: true });
    const result = cli(['publish', tag], {
      cwd: work,
      env: { ...gitEnv, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, GH_LOG: ghLog, RUNNER_TEMP: dir },
    });
    const calls = existsSync(ghLog) ? readFileSync(ghLog, 'utf8').trim().split('\n') : [];
    return { ...result, calls };
  }

  const originV1 = () =>
    spawnSync('git', ['rev-parse', '--verify', '-q', 'refs/tags/v1'], {
      cwd: origin,
      encoding: 'utf8',
    }).stdout.trim();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'release-test-'));
    origin = join(dir, 'origin.git');
    work = join(dir, 'work');
    ghLog = join(dir, 'gh.log');
    git(dir, 'init', '-q', '--bare', origin);
    git(dir, 'init', '-q', work);
    git(work, 'remote', 'add', 'origin', origin);
    // gh: logs each call; `release view` finds no release; `release create` keeps the notes it was given.
    mkdirSync(join(dir, 'bin'));
    writeFileSync(
      join(dir, 'bin/gh'),
      [
        '#!/bin/sh',
        'echo "$*" >> "$GH_LOG"',
        '[ "$1 $2" = "release view" ] && exit 1',
        'while [ $# -gt 0 ]; do [ "$1" = --notes-file ] && cat "$2" > "$GH_LOG.notes"; shift; done',
        'exit 0',
      ].join('\n'),
    );
    chmodSync(join(dir, 'bin/gh'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('v1.0.0: creates the release with its notes and makes v1', () => {
    const commit = commitRelease('1.0.0');
    const run = publish('v1.0.0');
    expect(run.status).toBe(0);
    expect(run.calls).toHaveLength(2);
    expect(run.calls[0]).toBe('release view v1.0.0 --json tagName');
    expect(run.calls[1]).toMatch(
      /^release create v1\.0\.0 --verify-tag --title v1\.0\.0 --notes-file \S+\/notes\.md --latest=true$/,
    );
    expect(readFileSync(`${ghLog}.notes`, 'utf8')).toBe('- Notes of 1.0.0.\n');
    expect(originV1()).toBe(commit);
  });

  it('v1.1.0-rc.1: a prerelease, v1 stays', () => {
    const before = originV1();
    commitRelease('1.1.0-rc.1');
    const run = publish('v1.1.0-rc.1');
    expect(run.status).toBe(0);
    expect(run.calls[1]).toMatch(/^release create v1\.1\.0-rc\.1 --verify-tag .* --prerelease$/);
    expect(run.stdout).toContain('v1.1.0-rc.1 is a prerelease: v1 stays');
    expect(originV1()).toBe(before);
  });

  it('v1.1.0, an annotated tag: v1 moves to its commit', () => {
    const commit = commitRelease('1.1.0', true);
    const run = publish('v1.1.0');
    expect(run.status).toBe(0);
    expect(originV1()).toBe(commit);
    expect(git(origin, 'cat-file', '-t', 'refs/tags/v1')).toBe('commit');
  });

  it('v1.0.1 after v1.1.0: released, not Latest, and v1 does not move back', () => {
    const newest = originV1();
    git(work, 'checkout', '-q', '-b', 'v1.0.x', 'v1.0.0');
    commitRelease('1.0.1');
    const run = publish('v1.0.1');
    expect(run.status).toBe(0);
    expect(run.calls[1]).toMatch(/ --latest=false$/);
    expect(run.stdout).toContain('v1.1.0 is newer than v1.0.1: v1 stays');
    expect(originV1()).toBe(newest);
  });

  it('a tag package.json does not have: fails before gh or git are asked anything', () => {
    const before = originV1();
    git(work, 'tag', 'v1.2.0');
    const run = publish('v1.2.0');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("the tag v1.2.0 is not package.json's version 1.0.1");
    expect(run.calls).toEqual([]);
    expect(originV1()).toBe(before);
  });
});

describe('release.yml', () => {
  type Step = { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> };
  type Job = {
    needs?: string;
    permissions: unknown;
    concurrency?: { group: string; 'cancel-in-progress': boolean };
    outputs?: Record<string, string>;
    steps: Step[];
  };
  const workflow = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
    on: { push: { tags: string[] } };
    permissions: unknown;
    jobs: { verify: Job; publish: Job };
  };
  const { verify, publish: publishing } = workflow.jobs;
  const runs = (job: Job) => job.steps.map((step) => step.run ?? step.uses ?? '');

  it('runs for version tags only; only the publishing job can write, one run per tag', () => {
    expect(workflow.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+*']);
    expect(workflow.permissions).toEqual({});
    expect(verify.permissions).toEqual({ contents: 'read' });
    expect(publishing.permissions).toEqual({ contents: 'write' });
    expect(publishing.needs).toBe('verify');
    expect(publishing.concurrency).toEqual({
      group: 'release-${{ github.ref_name }}',
      'cancel-in-progress': false,
    });
  });

  it('checks the tag and the bundles in a job of their own; the writing job installs nothing', () => {
    const checks = runs(verify);
    const at = (text: string) => checks.findIndex((run) => run.includes(text));
    expect(at('release.mjs check "$TAG"')).toBeGreaterThan(0);
    expect(at('npm ci')).toBeGreaterThan(at('release.mjs check'));
    expect(at('npm run check-dist')).toBeGreaterThan(at('npm ci'));
    expect(verify.outputs?.sha).toBe('${{ steps.verified.outputs.sha }}');
    const publishes = runs(publishing);
    expect(publishes.join('\n')).not.toMatch(/npm (ci|install|run)/);
    expect(publishing.steps[0].with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
    // It publishes the commit that was verified, or nothing.
    const last = publishing.steps.at(-1);
    expect(last?.env?.VERIFIED).toBe('${{ needs.verify.outputs.sha }}');
    expect(last?.run).toMatch(
      /git rev-parse "refs\/tags\/\$TAG\^\{commit\}"\)" != "\$VERIFIED"[\s\S]*exit 1[\s\S]*release\.mjs publish "\$TAG"/,
    );
  });

  it('passes the tag through env, never into the script', () => {
    for (const step of [...verify.steps, ...publishing.steps].filter((step) => step.run !== undefined)) {
      expect(step.run).not.toContain('${{');
      if (step.run?.includes('$TAG')) expect(step.env?.TAG).toBe('${{ github.ref_name }}');
    }
  });
});
