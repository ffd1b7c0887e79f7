/**
 * git on the server, in app-dir. Every user-given value goes after `--end-of-options`, so a ref can
 * never be read as an option (refs are validated too: they never start with `-`).
 */
import type { RemoteCommand } from '../shell';

const QUIET = ['-c', 'advice.detachedHead=false'];

export function gitCommand(appDir: string, args: readonly string[]): RemoteCommand {
  return { argv: ['git', ...QUIET, ...args], cwd: appDir };
}

export const headCommit = (appDir: string) => gitCommand(appDir, ['rev-parse', '--verify', 'HEAD^{commit}']);

export const fetchRemote = (appDir: string, remote: string) =>
  gitCommand(appDir, ['fetch', '--prune', '--tags', '--force', '--quiet', '--end-of-options', remote]);

/**
 * The candidates a ref may name, in order: a remote branch first (what was just fetched), then a
 * tag, then a commit id. `rev-parse --verify --end-of-options` needs git 2.30.
 */
export function refCandidates(ref: string, remote: string): string[] {
  const named = [`refs/remotes/${remote}/${ref}`, `refs/tags/${ref}`];
  // A full commit id means that commit, even where a branch bears the same name.
  const candidates = /^[0-9a-f]{40}$/.test(ref)
    ? [ref, ...named]
    : /^[0-9a-f]{7,39}$/.test(ref)
      ? [...named, ref]
      : named;
  return candidates.map((name) => `${name}^{commit}`);
}

export const resolveCommand = (appDir: string, candidate: string) =>
  gitCommand(appDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', candidate]);

export const checkoutCommand = (appDir: string, sha: string) =>
  gitCommand(appDir, ['checkout', '--quiet', '--detach', sha]);

export const changedFiles = (appDir: string, from: string, to: string, path: string) =>
  gitCommand(appDir, ['diff', '--name-only', `${from}..${to}`, '--', path]);

/** Keeps the state dir out of `git status` and `git clean` when it lies inside the checkout. */
export const EXCLUDE_SCRIPT = `cd "$1" && f="$(git rev-parse --git-path info/exclude)" && mkdir -p "$(dirname "$f")" && { grep -qxF -- "$2" "$f" 2>/dev/null || printf '%s\\n' "$2" >> "$f"; }`;
