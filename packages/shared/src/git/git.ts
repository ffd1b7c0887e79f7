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

/**
 * $1 app dir: prints `checkout` when it is the top of a git work tree with a commit checked out,
 * `absent` when it does not exist, else `not-a-checkout` and the names of up to 20 entries in it (a
 * repository a first deployment created but could not fetch into is not a checkout yet).
 */
export const CHECKOUT_STATE_SCRIPT = `
[ -e "$1" ] || { echo absent; exit 0; }
top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null) && [ "$top" = "$(cd "$1" && pwd -P)" ] &&
  git -C "$1" rev-parse -q --verify 'HEAD^{commit}' >/dev/null && { echo checkout; exit 0; }
echo not-a-checkout
ls -A "$1" 2>/dev/null | head -n 20`;

/**
 * $1 app dir, $2 remote name, $3 repository: a repository in app-dir (created when missing) with the
 * remote set to the repository (again, on a retry), never a clone into it: files already there (the
 * state dir, a .env put there first) stay untracked, and a checkout refuses to overwrite any of them.
 * The server fetches with its own credentials.
 */
export const INIT_CHECKOUT_SCRIPT = `
set -e
mkdir -p "$1"
cd "$1"
git init -q
if git remote get-url -- "$2" >/dev/null 2>&1; then git remote set-url -- "$2" "$3"; else git remote add -- "$2" "$3"; fi`;
