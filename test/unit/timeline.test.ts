/**
 * The stages' pictures: the Mermaid gantt block of the job summaries and the text bars of the
 * terminal, and how `stage()` records them (per run, never across the hosts of a fleet).
 */
import fc from 'fast-check';
import { recordStages, stage, type DeployOutcome } from '../../packages/shared/src/deploy/deploy';
import type { RollbackOutcome } from '../../packages/shared/src/rollback/rollback';
import { deploySummary } from '../../packages/shared/src/summary/deploy';
import { rollbackSummary } from '../../packages/shared/src/summary/rollback';
import { withHostLabel } from '../../packages/shared/src/ssh/host-log';
import {
  MAX_CHART_STAGES,
  formatSeconds,
  mermaidText,
  timelineGantt,
  timelineText,
  type StageTiming,
} from '../../packages/shared/src/summary/timeline';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const timing = (
  name: string,
  offsetMs: number,
  seconds: number,
  result: StageTiming['result'] = 'ok',
  host?: string,
): StageTiming => ({ name, startedAt: at(offsetMs), seconds, result, ...(host ? { host } : {}) });

const DEPLOY: StageTiming[] = [
  timing('Read the live state', 0, 1.2),
  timing('Check out 0123456789ab', 1200, 0.3),
  timing('Build images (git-0123456789ab)', 1500, 12.34),
  timing('Migrate the database', 13840, 3.1),
  timing('Restart gateway (image changed)', 16940, 20.5, 'failed'),
];

/** The task lines of a gantt block: what Mermaid draws as bars. */
const tasks = (gantt: string) => gantt.split('\n').filter((line) => / :(crit, )?\d+, \d+$/.test(line));

describe('timelineGantt', () => {
  it('is one mermaid gantt block: epoch ms in, minutes and seconds on the axis, a bar per stage', () => {
    expect(timelineGantt(DEPLOY, 'Deploy stages')).toBe(
      [
        '```mermaid',
        'gantt',
        '    title Deploy stages',
        '    dateFormat x',
        '    axisFormat %M:%S',
        `    Read the live state 1.2s :${T0}, ${T0 + 1200}`,
        `    Check out 0123456789ab 0.3s :${T0 + 1200}, ${T0 + 1500}`,
        `    Build images (git-0123456789ab) 12.3s :${T0 + 1500}, ${T0 + 13840}`,
        `    Migrate the database 3.1s :${T0 + 13840}, ${T0 + 16940}`,
        `    Restart gateway (image changed) 20.5s :crit, ${T0 + 16940}, ${T0 + 37440}`,
        '```',
      ].join('\n'),
    );
  });

  it('orders the bars by when each stage began, whatever order they were given in', () => {
    const shuffled = [DEPLOY[3], DEPLOY[0], DEPLOY[4], DEPLOY[2], DEPLOY[1]];
    expect(timelineGantt(shuffled, 'x')).toBe(timelineGantt(DEPLOY, 'x'));
    // A stage inside another (a rollback's deploy, say) comes after the one it began in.
    const nested = [timing('inner', 500, 1), timing('outer', 0, 3)];
    expect(tasks(timelineGantt(nested, 'x')).map((line) => line.trim().split(' ')[0])).toEqual([
      'outer',
      'inner',
    ]);
  });

  it.each<[StageTiming['result'], boolean]>([
    ['failed', true],
    ['ok', false],
  ])('a %s stage is crit: %s', (result, crit) => {
    const [line] = tasks(timelineGantt([timing('Start gateway', 0, 2, result)], 'x'));
    expect(line.includes(':crit, ')).toBe(crit);
  });

  it('no stages (a dry run, a refused run): no block at all', () => {
    expect(timelineGantt([], 'Deploy stages')).toBe('');
  });

  it('a bar is at least a millisecond long, and lengths read as seconds or minutes', () => {
    expect(tasks(timelineGantt([timing('quick', 0, 0)], 'x'))).toEqual([`    quick 0.0s :${T0}, ${T0 + 1}`]);
    expect([0.04, 12.345, 59.94, 59.96, 125, 3600].map(formatSeconds)).toEqual([
      '0.0s',
      '12.3s',
      '59.9s',
      '1m00s',
      '2m05s',
      '60m00s',
    ]);
  });

  it('gives each host a section when the stages ran on several, and none for one', () => {
    const fleet = [
      timing('Read the live state', 0, 1, 'ok', 'web-1:22'),
      timing('Read the live state', 100, 1.5, 'ok', 'web-2:22'),
      timing('Restart gateway', 1000, 4, 'failed', 'web-1:22'),
    ];
    const lines = timelineGantt(fleet, 'Deploy stages').split('\n');
    expect(lines.filter((line) => line.trim().startsWith('section'))).toEqual([
      '    section web-1 22',
      '    section web-2 22',
    ]);
    expect(lines.indexOf('    section web-2 22')).toBe(lines.length - 3);
    expect(timelineGantt([fleet[0]], 'x')).not.toMatch(/section/);
  });

  it(`sums up the stages beyond ${MAX_CHART_STAGES} in one bar`, () => {
    const many = Array.from({ length: MAX_CHART_STAGES + 5 }, (_, index) =>
      timing(`Remove image ${index}`, index * 1000, 0.5, index === MAX_CHART_STAGES + 2 ? 'failed' : 'ok'),
    );
    const bars = tasks(timelineGantt(many, 'x'));
    expect(bars).toHaveLength(MAX_CHART_STAGES + 1);
    expect(bars.at(-1)).toBe(
      `    5 more stages :crit, ${T0 + MAX_CHART_STAGES * 1000}, ${T0 + (MAX_CHART_STAGES + 4) * 1000 + 500}`,
    );
  });
});

describe('stage names from the server, in Mermaid', () => {
  it.each([
    // Separators and comments would end the name or the line; a fence would end the block.
    ['x:y\n```<script>alert(1)</script>', 'x y script alert(1) /script'],
    ['a;b#c%%{init: {"theme":"dark"}}%%', 'a b c {init { theme dark }}'],
    ['Restore s3:backups/2026-03-01.sql.gz', 'Restore s3 backups/2026-03-01.sql.gz'],
    ['Restart `id` <b>x</b> & co', 'Restart id b x /b + co'],
    [
      'tab\tand\r\nnew\u2028lines\u0085, \u001b[31mred\u001b[0m \u202eevil',
      'tab and new lines , [31mred [0m evil',
    ],
    // Words Mermaid reads as statements at the start of a line (in any case) never start a name.
    ['click gateway href "javascript:alert(1)"', '› click gateway href javascript alert(1)'],
    ['Section 2', '› Section 2'],
    ['weekend friday', '› weekend friday'],
    ['GANTT', '› GANTT'],
    ['2026-03-01 backup', '› 2026-03-01 backup'],
    ['title: x', '› title x'],
    ['', '(unnamed)'],
    [':::', '(unnamed)'],
    ['Restart gateway (image changed)', 'Restart gateway (image changed)'],
  ])('%j reads as %j', (name, expected) => {
    expect(mermaidText(name)).toBe(expected);
  });

  it('cuts a long name with an ellipsis', () => {
    const text = mermaidText(`Start ${'service-'.repeat(30)}`);
    expect([...text]).toHaveLength(80);
    expect(text.endsWith('…')).toBe(true);
  });

  it('whatever the name, host and title, the block stays one gantt whose bars are plain tasks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.boolean(), fc.option(fc.string())), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.string({ unit: 'binary' }),
        (given, title) => {
          const stages = given.map(([name, failed, host], index) =>
            timing(name, index * 700, index + 0.25, failed ? 'failed' : 'ok', host ?? undefined),
          );
          const lines = timelineGantt(stages, title).split('\n');
          expect(lines[0]).toBe('```mermaid');
          expect(lines.at(-1)).toBe('```');
          const inside = lines.slice(1, -1);
          expect(inside.some((line) => line.includes('`'))).toBe(false);
          expect(inside.slice(0, 4)).toEqual([
            'gantt',
            expect.stringMatching(/^ {4}title [^#;%`<>\n]+$/),
            '    dateFormat x',
            '    axisFormat %M:%S',
          ]);
          for (const line of inside.slice(4)) {
            if (line.startsWith('    section ')) {
              expect(line).toMatch(/^ {4}section [^#:;%`<>\n]+$/);
              continue;
            }
            // The name (Mermaid's taskTxt: up to the first `:`), then our data only.
            expect(line).toMatch(/^ {4}[^\s#:;%`<>"][^#:;%`<>"\n]* :(crit, )?\d+, \d+$/);
            expect(line.trim()).not.toMatch(
              /^(click|call|href|gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|excludes|todaymarker|weekday|title|accdescription|acctitle|accdescr|section|\d{4}-\d\d-\d\d)/i,
            );
          }
          expect(inside.filter((line) => / :(crit, )?\d+, \d+$/.test(line))).toHaveLength(stages.length);
        },
      ),
    );
  });
});

describe('timelineText', () => {
  const width = (line: string) => [...line].length;

  it('draws each stage where it took place, its length beside its name', () => {
    const text = timelineText(
      [timing('Read the live state', 0, 10), timing('Build images', 10_000, 30, 'failed')],
      60,
    );
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1)).toEqual([
      `  Read the live state  10.0s  ${'█'.repeat(6)}${'░'.repeat(17)}`,
      `  Build images         30.0s  ${'░'.repeat(6)}${'█'.repeat(17)} failed`,
      '  total                40.0s',
    ]);
  });

  it.each([40, 60, 80, 120])('stays within %i columns, a long name cut', (columns) => {
    const stages = [...DEPLOY, timing(`Restart ${'a-very-long-service-name-'.repeat(4)}`, 40_000, 125)];
    const lines = timelineText(stages, columns).trimEnd().split('\n');
    expect(lines).toHaveLength(stages.length + 1);
    for (const line of lines) expect(width(line)).toBeLessThanOrEqual(columns);
    expect(lines[5]).toMatch(/…/);
    // The bars are all as wide as each other: one column per slice of the run.
    const bars = lines.slice(0, -1).map((line) => line.match(/[█░]+/)?.[0] ?? '');
    expect(new Set(bars.map(width)).size).toBe(1);
    for (const bar of bars) expect(bar).toMatch(/█/);
  });

  it('the bars fill the run in order: where one stage ends, the next begins', () => {
    const lines = timelineText(DEPLOY, 100).trimEnd().split('\n').slice(0, -1);
    const spans = lines.map((line) => {
      const bar = line.match(/[█░]+/)?.[0] ?? '';
      return [bar.indexOf('█'), bar.lastIndexOf('█')];
    });
    for (let index = 1; index < spans.length; index++)
      expect(spans[index][0]).toBeGreaterThanOrEqual(spans[index - 1][0]);
    expect(spans[0][0]).toBe(0);
    expect(spans.at(-1)?.[1]).toBe(lines[0].match(/[█░]+/)![0].length - 1);
  });

  it('shows no escape sequences or line breaks from the server, and names hosts when several', () => {
    const text = timelineText(
      [
        timing('Restart \u001b[2J\u001b]0;owned\u0007gateway\nnext', 0, 1, 'ok', 'web-1'),
        timing('Restart gateway', 0, 2, 'ok', 'web-2'),
      ],
      80,
    );
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    expect(text).toContain('web-1: Restart [2J ]0;owned gateway next');
    expect(text).toContain('web-2: Restart gateway');
  });

  it('no stages: nothing', () => {
    expect(timelineText([])).toBe('');
  });
});

describe('stage() and recordStages', () => {
  let write: jest.SpyInstance;
  beforeEach(() => {
    write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => write.mockRestore());

  it('records each stage, ok or failed, and still throws what the stage threw', async () => {
    const { value, stages } = await recordStages(async () => {
      await stage('first', () => Promise.resolve(1));
      await expect(stage('second', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      // Work that says it failed in its value (an automatic rollback that could not restore).
      const restored = await stage(
        'third',
        () => Promise.resolve({ failure: 'gateway unhealthy' }),
        (value) => value.failure !== undefined,
      );
      expect(restored).toEqual({ failure: 'gateway unhealthy' });
      await stage(
        'fourth',
        () => Promise.resolve({ failure: undefined }),
        (value) => value.failure !== undefined,
      );
      return 'done';
    });
    expect(value).toBe('done');
    expect(stages.map((s) => [s.name, s.result])).toEqual([
      ['first', 'ok'],
      ['second', 'failed'],
      ['third', 'failed'],
      ['fourth', 'ok'],
    ]);
    expect(Number.isNaN(Date.parse(stages[0].startedAt))).toBe(false);
    expect(stages[0]).not.toHaveProperty('host');
  });

  it('works as before where nothing records', async () => {
    await expect(stage('alone', () => Promise.resolve('value'))).resolves.toBe('value');
  });

  it('a recorder inside another gives its stages to both (a rollback holds its deploy’s)', async () => {
    const outer = await recordStages(async () => {
      await stage('Read the live state', () => Promise.resolve());
      const inner = await recordStages(() => stage('Restart gateway', () => Promise.resolve()));
      return inner.stages.map((s) => s.name);
    });
    expect(outer.value).toEqual(['Restart gateway']);
    expect(outer.stages.map((s) => s.name)).toEqual(['Read the live state', 'Restart gateway']);
  });

  it('hosts side by side each record their own stages, labelled with the host', async () => {
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    const host = (label: string) =>
      withHostLabel(label, () =>
        recordStages(async () => {
          for (const step of ['Read the live state', 'Build images', 'Restart gateway'])
            await stage(`${step} on ${label}`, tick);
        }),
      );
    const runs = await Promise.all(['web-1', 'web-2', 'web-3'].map(host));
    for (const [index, run] of runs.entries()) {
      const label = `web-${index + 1}`;
      expect(run.stages.map((s) => s.name)).toEqual([
        `Read the live state on ${label}`,
        `Build images on ${label}`,
        `Restart gateway on ${label}`,
      ]);
      expect(new Set(run.stages.map((s) => s.host))).toEqual(new Set([label]));
    }
  });
});

describe('the job summaries', () => {
  const deploy: DeployOutcome = {
    result: 'success',
    dryRun: false,
    previousRef: '1'.repeat(40),
    deployedRef: '2'.repeat(40),
    attemptedRef: '2'.repeat(40),
    imageTag: 'git-222222222222',
    previousImageTag: 'git-111111111111',
    migrated: false,
    rolledBack: false,
    durationSeconds: 37.4,
    services: [{ service: 'gateway', ok: true, waitedMs: 20500, state: 'healthy' }],
    restored: [],
    migration: undefined,
    failure: undefined,
    plan: [],
    notes: [],
    down: [],
    diagnostics: [],
    checks: [],
    stages: DEPLOY,
  };
  const charts = (summary: string) => summary.match(/```mermaid\ngantt\n/g)?.length ?? 0;

  it('the deploy summary has its chart after the headline and table, before the details', () => {
    const summary = deploySummary(deploy, 'production', 'web-1:22');
    expect(charts(summary)).toBe(1);
    const chart = summary.indexOf('```mermaid');
    expect(chart).toBeGreaterThan(summary.indexOf('| running now |'));
    expect(chart).toBeLessThan(summary.indexOf('### Services'));
    expect(summary).toContain('    title Deploy stages\n');
  });

  it.each<[string, Partial<DeployOutcome>]>([
    ['a dry run', { dryRun: true, result: 'unchanged', stages: DEPLOY.slice(0, 1) }],
    ['a run refused before any stage', { result: 'failed', stages: [] }],
  ])('%s has no chart', (_, given) => {
    expect(charts(deploySummary({ ...deploy, ...given }, 'production', 'web-1:22'))).toBe(0);
  });

  it('the rollback summary has one chart of every stage; its restart section none of its own', () => {
    const rollback: RollbackOutcome = {
      mode: 'full',
      fromRef: '2'.repeat(40),
      toRef: '1'.repeat(40),
      toImageTag: 'git-111111111111',
      restoredBackup: '/backups/a.sql.gz',
      emergencyBackup: '/backups/b.sql.gz',
      schemaWarning: undefined,
      productionDown: undefined,
      deploy,
      failure: undefined,
      account: ['restored'],
      stages: [
        timing('Emergency backup', -30_000, 20),
        timing('Restore /backups/a.sql.gz', -10_000, 9),
        ...DEPLOY,
      ],
    };
    const summary = rollbackSummary(rollback, 'production', 'web-1:22');
    expect(charts(summary)).toBe(1);
    expect(tasks(summary)).toHaveLength(DEPLOY.length + 2);
    expect(summary.indexOf('```mermaid')).toBeLessThan(summary.indexOf('### Steps'));
  });
});
