/** The defaults an action's code applies, compared with those its action.yml gives the runner. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './runner';

export function actionYmlDefaults(action: string): Record<string, string> {
  const yml = parse(readFileSync(join(ROOT, action, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(Object.entries(yml.inputs).map(([name, input]) => [name, input.default ?? '']));
}

/** The code's defaults, with github-token as the runner sees it (`${{ github.token }}`). */
export function codeDefaults(defaults: Readonly<Record<string, string>>): Record<string, string> {
  return { ...defaults, 'github-token': '${{ github.token }}' };
}
