// Releases (.github/workflows/release.yml and docs/releasing.md): pure functions, tested in
// test/unit/release.test.ts, and a small CLI over them, run from the repository's root:
//
//   node scripts/release.mjs check v1.2.3                     the tag is package.json's version, CHANGELOG.md has its section
//   node scripts/release.mjs notes v1.2.3                     prints that section: the release notes
//   node scripts/release.mjs major-tag-plan v1.2.3 [tags...]  what happens to v1 (default: the local tags v*)
//   node scripts/release.mjs publish v1.2.3                   the workflow's step: check, gh release create, move v1
//
// gh and git get argument lists (execFileSync), never shell text.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NUMBER = '0|[1-9]\\d*';
const IDENTIFIER = `${NUMBER}|\\d*[A-Za-z-][0-9A-Za-z-]*`;
// Semantic versioning 2.0.0 with a `v` in front; build metadata (`+…`) is not taken.
const RELEASE_TAG = new RegExp(
  `^v(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})(?:-((?:${IDENTIFIER})(?:\\.(?:${IDENTIFIER}))*))?$`,
);
// `[1.0.0]: https://…`: Keep a Changelog's link definitions, at the bottom of the file.
const LINK_DEFINITION = /^\[[^\]]+\]:\s*\S/;

/**
 * `v1.2.3` or `v1.2.3-rc.1` in parts; null for anything else (`v1`, `1.2.3`, `v1.2`, `v01.2.3`).
 * @param {string} tag
 */
export function parseTag(tag) {
  const match = RELEASE_TAG.exec(tag);
  if (!match) return null;
  const [, major, minor, patch, prerelease] = match;
  return {
    tag,
    version: tag.slice(1),
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    prerelease: prerelease === undefined ? [] : prerelease.split('.'),
  };
}

function parseOrThrow(tag) {
  const parsed = parseTag(tag);
  if (!parsed)
    throw new Error(
      `${tag} is not a release tag: expected vMAJOR.MINOR.PATCH, optionally with a prerelease suffix (v1.2.3, v1.2.3-rc.1)`,
    );
  return parsed;
}

/**
 * Semantic versioning precedence of two release tags: -1, 0 or 1. A prerelease comes before its release
 * (v1.0.0-rc.1 < v1.0.0); its identifiers compare numerically when both are numbers, a number before a
 * word, words in ASCII order, and a longer list after its own prefix.
 * @param {string} a
 * @param {string} b
 */
export function compareVersions(a, b) {
  const [left, right] = [parseOrThrow(a), parseOrThrow(b)];
  for (const part of ['major', 'minor', 'patch'])
    if (left[part] !== right[part]) return left[part] < right[part] ? -1 : 1;
  if (left.prerelease.length === 0 || right.prerelease.length === 0)
    return Math.sign(right.prerelease.length - left.prerelease.length);
  for (let i = 0; i < Math.min(left.prerelease.length, right.prerelease.length); i++) {
    const [x, y] = [left.prerelease[i], right.prerelease[i]];
    if (x === y) continue;
    const [xNumber, yNumber] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (xNumber && yNumber) return Number(x) < Number(y) ? -1 : 1;
    if (xNumber !== yNumber) return xNumber ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(left.prerelease.length - right.prerelease.length);
}

/**
 * The body of CHANGELOG.md's `## [version]` section (Keep a Changelog), without its heading: up to the
 * next `#` or `##` heading or the link definitions at the bottom; `###` subsections are part of it.
 * null when there is no such section.
 * @param {string} changelog
 * @param {string} version without the v: `1.2.3`
 */
export function changelogSection(changelog, version) {
  const lines = changelog.split(/\r?\n/);
  const heading = `## [${version}]`;
  const start = lines.findIndex(
    (line) => line.startsWith(heading) && /^(\s|$)/.test(line.slice(heading.length)),
  );
  if (start === -1) return null;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^##? /.test(line) || LINK_DEFINITION.test(line));
  return (end === -1 ? rest : rest.slice(0, end))
    .join('\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
}

/**
 * Whether `tag` can be released from this package.json and CHANGELOG.md; throws with every problem.
 * @param {{ tag: string, packageVersion: string, changelog: string }} repository
 * @returns {{ tag: string, version: string, prerelease: boolean, notes: string }}
 */
export function checkRelease({ tag, packageVersion, changelog }) {
  const parsed = parseOrThrow(tag);
  const problems = [];
  if (parsed.version !== packageVersion)
    problems.push(
      `the tag ${tag} is not package.json's version ${packageVersion}: tag v${packageVersion}, or set package.json's version to ${parsed.version} (npm version ${parsed.version} --no-git-tag-version), run npm run bundle and commit before tagging`,
    );
  const notes = changelogSection(changelog, parsed.version);
  if (notes === null)
    problems.push(
      `CHANGELOG.md has no section "## [${parsed.version}] - YYYY-MM-DD": move the Unreleased entries under it`,
    );
  else if (notes === '') problems.push(`CHANGELOG.md's section [${parsed.version}] is empty`);
  if (problems.length > 0) throw new Error(`${tag} cannot be released:\n- ${problems.join('\n- ')}`);
  return { tag, version: parsed.version, prerelease: parsed.prerelease.length > 0, notes };
}

/**
 * What releasing `tag` does to the major tag (v1) and to GitHub's "Latest" mark, decided from the release
 * tags that exist (others, such as v1 itself, are ignored). A prerelease moves nothing. The major tag
 * moves to `tag` unless a newer release of the same major exists (it never goes back); the release is
 * marked Latest unless a newer release of any major exists.
 * @param {string} tag
 * @param {string[]} existingTags
 * @returns {{ majorTag: string, move: boolean, latest: boolean, reason: string }}
 */
export function majorTagPlan(tag, existingTags) {
  const parsed = parseOrThrow(tag);
  const majorTag = `v${parsed.major}`;
  if (parsed.prerelease.length > 0)
    return { majorTag, move: false, latest: false, reason: `${tag} is a prerelease: ${majorTag} stays` };
  const newer = existingTags
    .map(parseTag)
    .filter((other) => other !== null && other.prerelease.length === 0)
    .filter((other) => compareVersions(other.tag, tag) > 0)
    .sort((x, y) => compareVersions(y.tag, x.tag));
  const newest = newer[0];
  const newestSameMajor = newer.find((other) => other.major === parsed.major);
  const latest = newest === undefined;
  if (newestSameMajor)
    return {
      majorTag,
      move: false,
      latest,
      reason: `${newestSameMajor.tag} is newer than ${tag}: ${majorTag} stays (it never moves back)`,
    };
  return { majorTag, move: true, latest, reason: `${majorTag} moves to ${tag}` };
}

function readRepository(tag) {
  if (!existsSync('package.json') || !existsSync('CHANGELOG.md'))
    throw new Error('run this from the repository root: package.json and CHANGELOG.md are read from there');
  return {
    tag,
    packageVersion: JSON.parse(readFileSync('package.json', 'utf8')).version,
    changelog: readFileSync('CHANGELOG.md', 'utf8'),
  };
}

function localReleaseTags() {
  return execFileSync('git', ['tag', '--list', 'v*'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: 'inherit' });
}

/** The workflow's step: check, create the GitHub release (once: a re-run skips it), move the major tag. */
function publish(tag) {
  const release = checkRelease(readRepository(tag));
  const plan = majorTagPlan(tag, localReleaseTags());
  const exists =
    spawnSync('gh', ['release', 'view', tag, '--json', 'tagName'], { stdio: 'ignore' }).status === 0;
  if (exists) console.log(`${tag}: the GitHub release exists already (a re-run); it is left as it is`);
  else {
    const dir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'release-notes-'));
    const notesFile = join(dir, 'notes.md');
    writeFileSync(notesFile, `${release.notes}\n`);
    try {
      run('gh', [
        'release',
        'create',
        tag,
        '--verify-tag',
        '--title',
        tag,
        '--notes-file',
        notesFile,
        ...(release.prerelease ? ['--prerelease'] : [`--latest=${plan.latest}`]),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(plan.reason);
  if (!plan.move) return;
  try {
    run('git', ['tag', '--force', plan.majorTag, `${tag}^{commit}`]);
    run('git', ['push', '--force', 'origin', `refs/tags/${plan.majorTag}`]);
  } catch (error) {
    // GitHub refuses a GITHUB_TOKEN push of a ref whose commit's .github/workflows differ from every
    // branch's (it would need the `workflows` permission): a tag made on main's head never meets that.
    throw new Error(
      `${tag} is released, but ${plan.majorTag} was not moved (${error.message.split('\n')[0]}). ` +
        `When the push was refused for .github/workflows, main moved on since the tagged commit: ` +
        `move it by hand, git tag -f ${plan.majorTag} ${tag}^{commit} && git push -f origin refs/tags/${plan.majorTag}`,
      { cause: error },
    );
  }
}

function main([command, tag, ...rest]) {
  if (command === 'check' && tag) {
    const release = checkRelease(readRepository(tag));
    console.log(`${tag}: package.json and CHANGELOG.md agree${release.prerelease ? ' (a prerelease)' : ''}`);
  } else if (command === 'notes' && tag) console.log(checkRelease(readRepository(tag)).notes);
  else if (command === 'major-tag-plan' && tag)
    console.log(JSON.stringify(majorTagPlan(tag, rest.length > 0 ? rest : localReleaseTags())));
  else if (command === 'publish' && tag) publish(tag);
  else
    throw new Error(
      'usage: node scripts/release.mjs check|notes|publish vX.Y.Z, or major-tag-plan vX.Y.Z [existing tags...]',
    );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // In Actions, an annotation (its newlines encoded, or only the first line would show).
    if (process.env.GITHUB_ACTIONS === 'true')
      console.log(`::error::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`);
    else console.error(message);
    process.exitCode = 1;
  }
}
