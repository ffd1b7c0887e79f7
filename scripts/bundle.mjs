// Builds every action's dist/index.js, and the terminal CLI's cli/dist/index.js, with @vercel/ncc
// (CommonJS: an ESM bundle of ssh2 crashes on __dirname). Each bundle ships the licences of the
// third-party code in it (dist/licenses.txt). With --check, builds into a scratch folder and fails
// when the committed dist/ differs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
// Folders named on the command line (`npm run bundle -- action-ops cli`) are built alone; none = all.
const named = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const actions = readdirSync(root).filter(
  (name) =>
    (name.startsWith('action-') || name === 'cli') &&
    existsSync(join(root, name, 'src/index.ts')) &&
    (named.length === 0 || named.includes(name)),
);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let stale = [];
for (const action of actions) {
  const out = check ? mkdtempSync(join(tmpdir(), `${action}-dist-`)) : join(root, action, 'dist');
  if (!check) rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      join(root, action, 'src/index.ts'),
      '-o',
      out,
      '-q',
      '--license',
      'licenses.txt',
      '--target',
      'es2022',
    ],
    { stdio: 'inherit', cwd: root },
  );
  // ssh2 ships a Windows helper for PuTTY's agent; no agent is used here, so it is not shipped.
  for (const path of files(out)) if (path.endsWith('.exe')) rmSync(path);
  // libpg-query (the SQL guard's parser) reads its WebAssembly from the bundle's own folder at run
  // time (`__dirname + "/libpg-query.wasm"`), which ncc does not see: ship it beside the chunk that loads it.
  const loadsParser = files(out).some(
    (path) => path.endsWith('.js') && readFileSync(path, 'utf8').includes('libpg-query.wasm'),
  );
  if (loadsParser)
    writeFileSync(
      join(out, 'libpg-query.wasm'),
      readFileSync(join(root, 'node_modules/libpg-query/wasm/libpg-query.wasm')),
    );
  const native = files(out).filter((path) => path.endsWith('.node'));
  if (native.length > 0) {
    console.error(`${action}: native addons in the bundle (install with scripts off): ${native.join(', ')}`);
    process.exit(1);
  }
  if (check) {
    const committed = join(root, action, 'dist');
    const built = files(out)
      .map((path) => relative(out, path))
      .sort();
    const have = existsSync(committed)
      ? files(committed)
          .map((path) => relative(committed, path))
          .sort()
      : [];
    if (JSON.stringify(built) !== JSON.stringify(have))
      stale.push(`${action}: files differ (${built.join(', ')} vs ${have.join(', ')})`);
    else
      for (const name of built)
        if (!readFileSync(join(out, name)).equals(readFileSync(join(committed, name))))
          stale.push(`${action}/dist/${name}`);
    rmSync(out, { recursive: true, force: true });
  }
  console.log(`${action}: ${check ? 'checked' : 'built'}`);
}
if (stale.length > 0) {
  console.error(`dist/ is stale; run npm run bundle and commit:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
