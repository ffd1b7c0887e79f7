// Writes each action README's inputs and outputs tables from its action.yml, between the markers
// <!-- inputs:start --> ... <!-- inputs:end -->. With --check, fails when a README has drifted.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

export function tables(actionYml) {
  const action = parse(actionYml);
  const inputs = Object.entries(action.inputs ?? {}).map(
    ([name, input]) =>
      `| \`${name}\` | ${input.required ? 'required' : input.default === '' ? '' : `\`${cell(input.default)}\``} | ${cell(input.description)} |`,
  );
  const outputs = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`,
  );
  return [
    '<!-- inputs:start (generated from action.yml by scripts/readme-tables.mjs; do not edit) -->',
    '## Inputs',
    '',
    '| input | default | meaning |',
    '|---|---|---|',
    ...inputs,
    '',
    '## Outputs',
    '',
    '| output | meaning |',
    '|---|---|',
    ...outputs,
    '<!-- inputs:end -->',
  ].join('\n');
}

let drifted = [];
for (const dir of readdirSync(root).filter(
  (name) => name.startsWith('action-') && existsSync(join(root, name, 'action.yml')),
)) {
  const readmePath = join(root, dir, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const generated = tables(readFileSync(join(root, dir, 'action.yml'), 'utf8'));
  const pattern = /<!-- inputs:start[\s\S]*?<!-- inputs:end -->/;
  if (!pattern.test(readme)) {
    drifted.push(`${dir}/README.md has no <!-- inputs:start --> ... <!-- inputs:end --> block`);
    continue;
  }
  const updated = readme.replace(pattern, generated);
  if (updated !== readme) {
    if (check) drifted.push(`${dir}/README.md`);
    else writeFileSync(readmePath, updated);
  }
}
if (drifted.length > 0) {
  console.error(
    `README tables differ from action.yml; run node scripts/readme-tables.mjs:\n  ${drifted.join('\n  ')}`,
  );
  process.exit(1);
}
