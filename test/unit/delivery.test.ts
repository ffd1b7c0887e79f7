/**
 * The release history and delivery figures (health/delivery.ts) from journal entries, table by table:
 * pairing `started` with its result, interrupted runs, the window, the four figures and their medians,
 * the refs the lead time may send to the server (and the command, run here on a real git repository),
 * reading through a session that fails, and the summary's tables with hostile journal strings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  commitTimesCommand,
  deliveryFigures,
  figureWindow,
  formatDuration,
  formatPercent,
  formatUtcMinute,
  leadTimeRefs,
  median,
  pairRuns,
  parseCommitTimes,
  parseTime,
  readDeliveryHistory,
  type DeliveryHistory,
  type JournalRun,
} from '../../packages/shared/src/health/delivery';
import { parseReleases, type JournalResult, type Release } from '../../packages/shared/src/ledger/ledger';
import { healthSummary, historySection, inertText } from '../../packages/shared/src/summary/health';
import { CancelledError } from '../../packages/shared/src/errors';
import { RemoteCommandError, type RemoteSession } from '../../packages/shared/src/ssh/session';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** "Now" in every table: the window then ends here (no entry is later). */
const NOW = Date.parse('2026-11-29T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const SHA = {
  a: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  b: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  c: 'cccccccccccccccccccccccccccccccccccccccc',
};

/** A journal entry `minutesAgo` before NOW. */
function entry(result: JournalResult, minutesAgo: number, extra: Partial<Release> = {}): Release {
  return {
    time: iso(NOW - minutesAgo * MINUTE),
    environment: 'production',
    ref: SHA.a,
    image_tag: 'git-aaaaaaaaaaaa',
    previous_ref: '',
    migration: '',
    actor: 'alice',
    run_url: '',
    result,
    action: 'deploy',
    ...extra,
  };
}

/** A run of id `id`: `started` `minutesAgo`, its result `took` minutes later (none: interrupted). */
function run(
  id: string,
  minutesAgo: number,
  result: JournalResult | undefined,
  took = 5,
  extra: Partial<Release> = {},
): Release[] {
  const started = entry('started', minutesAgo, { run_id: id, ...extra });
  return result === undefined
    ? [started]
    : [started, entry(result, minutesAgo - took, { run_id: id, ...extra })];
}

/** A run as one comparable line: id action result duration newest. */
const line = (run: JournalRun) =>
  `${run.runId ?? '-'} ${run.action} ${run.result} ${run.durationSeconds ?? '—'}${run.newest ? ' newest' : ''}`;

describe('pairRuns', () => {
  it.each<[string, Release[], string[]]>([
    ['an empty journal', [], []],
    [
      'started then success: the duration between them',
      run('1', 60, 'success', 5),
      ['1 deploy success 300 newest'],
    ],
    [
      'a started with no result, the newest entry',
      run('1', 60, undefined),
      ['1 deploy interrupted — newest'],
    ],
    [
      'an interrupted run before a finished one is interrupted, not the newest',
      [...run('1', 90, undefined), ...run('2', 60, 'failed', 2)],
      ['1 deploy interrupted —', '2 deploy failed 120 newest'],
    ],
    [
      'paired by run_id, not by position (entries of two runs interleaved)',
      [
        entry('started', 100, { run_id: 'x' }),
        entry('started', 95, { run_id: 'y', action: 'migrate' }),
        entry('success', 90, { run_id: 'x' }),
        entry('failed', 80, { run_id: 'y', action: 'migrate' }),
      ],
      ['x deploy success 600', 'y migrate failed 900 newest'],
    ],
    [
      "a rollback's own deploy: three starteds and two results are one run, first start to last result",
      [
        entry('started', 30, { run_id: 'r', action: 'rollback' }),
        entry('started', 28, { run_id: 'r', action: 'rollback' }),
        entry('started', 27, { run_id: 'r', action: 'rollback' }),
        entry('success', 22, { run_id: 'r', action: 'rollback' }),
        entry('success', 21, { run_id: 'r', action: 'rollback' }),
      ],
      ['r rollback success 540 newest'],
    ],
    [
      'a re-run (same GITHUB_RUN_ID): a started after a result is a new run',
      [...run('7', 60, 'failed', 1), ...run('7', 30, 'success', 2)],
      ['7 deploy failed 60', '7 deploy success 120 newest'],
    ],
    [
      'an unchanged deploy journals no started: no duration',
      [entry('unchanged', 5, { run_id: '3' })],
      ['3 deploy unchanged — newest'],
    ],
    [
      'entries without run_id: a result is a run with no duration; a started cannot be paired and is not shown',
      [entry('started', 20), entry('success', 15), entry('rolled-back', 10)],
      ['- deploy success —', '- deploy rolled-back — newest'],
    ],
    [
      'an entry older than the action field is a deploy',
      [entry('success', 10, { action: undefined, run_id: '1' })],
      ['1 deploy success — newest'],
    ],
    [
      'the newest entry a started of a run with several: still that run',
      [
        entry('started', 10, { run_id: 'r', action: 'rollback' }),
        entry('started', 5, { run_id: 'r', action: 'rollback' }),
      ],
      ['r rollback interrupted — newest'],
    ],
    [
      'a result journalled before its start (clock stepped back): no duration',
      [entry('started', 10, { run_id: '1' }), entry('success', 20, { run_id: '1' })],
      ['1 deploy success — newest'],
    ],
  ])('%s', (_name, entries, expected) => {
    expect(pairRuns(entries).map(line)).toEqual(expected);
  });

  it('takes the time of the first started, and the ops operation and actor', () => {
    const [ops] = pairRuns([
      ...run('9', 50, 'success', 3, { action: 'ops', operation: 'restart gateway', actor: 'bob' }),
    ]);
    expect(ops).toMatchObject({
      action: 'ops',
      operation: 'restart gateway',
      actor: 'bob',
      time: iso(NOW - 50 * MINUTE),
      startedAt: NOW - 50 * MINUTE,
      finishedAt: NOW - 47 * MINUTE,
    });
  });

  it('reads runs from journal text as written, torn lines skipped', () => {
    const text = [...run('1', 10, 'success')].map((release) => JSON.stringify(release)).join('\n');
    expect(pairRuns(parseReleases(`${text}\n{"time": "torn`)).map(line)).toEqual([
      '1 deploy success 300 newest',
    ]);
  });
});

describe('parseTime', () => {
  it.each<[string, number | undefined]>([
    ['2026-11-28T10:03:00.000Z', Date.parse('2026-11-28T10:03:00Z')],
    ['2026-11-28T10:03Z', Date.parse('2026-11-28T10:03:00Z')],
    ['2026-11-28T11:03:00+01:00', Date.parse('2026-11-28T10:03:00Z')],
    // A time without its zone is read in the runner's zone by Date.parse: refused, not guessed.
    ['2026-11-28T10:03:00', undefined],
    ['2026-11-28', undefined],
    ['yesterday', undefined],
    ['2026-13-45T99:99Z', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(parseTime(text)).toBe(expected);
  });
});

describe('figureWindow: the last 4 weeks, or since the oldest entry when later, at least 1 week', () => {
  it.each<[string, Release[], number, number]>([
    ['an empty journal: 1 week to now', [], NOW - 7 * DAY, NOW],
    ['a journal 3 days old: still 1 week', [entry('success', 3 * 24 * 60)], NOW - 7 * DAY, NOW],
    ['a journal 10 days old: 10 days', [entry('success', 10 * 24 * 60)], NOW - 10 * DAY, NOW],
    ['a journal 60 days old: the last 4 weeks', [entry('success', 60 * 24 * 60)], NOW - 28 * DAY, NOW],
    [
      "an entry after now (the server's clock ahead): the window ends there",
      [entry('success', 10 * 24 * 60), entry('success', -60)],
      NOW - 10 * DAY,
      NOW + 60 * MINUTE,
    ],
    [
      'an entry dated a year ahead (a wrong clock, a hand edit): left out of the window',
      [entry('success', 10 * 24 * 60), entry('success', -365 * 24 * 60)],
      NOW - 10 * DAY,
      NOW,
    ],
  ])('%s', (_name, entries, from, to) => {
    expect(figureWindow(pairRuns(entries), NOW)).toEqual({ from, to });
  });
});

/** Commit times (epoch seconds) `minutesAgo` before NOW. */
const committed = (minutesAgo: number) => (NOW - minutesAgo * MINUTE) / 1000;
const H = 60;

describe('deliveryFigures', () => {
  const figuresOf = (entries: Release[], commits: ReadonlyMap<string, number> | string = new Map()) =>
    deliveryFigures(pairRuns(entries), NOW, commits);

  it.each<[string, Release[], ReadonlyMap<string, number> | string, object]>([
    [
      'an empty journal: nothing to count, over 1 week',
      [],
      new Map(),
      {
        weeks: 1,
        successfulDeploys: 0,
        deploysPerWeek: 0,
        leadTime: { medianSeconds: undefined, counted: 0, notACommit: 0, notOnServer: 0, unread: undefined },
        changeFailure: { failed: 0, finished: 0, rate: undefined, notCounted: {} },
        restore: { medianSeconds: undefined, restored: 0, openSince: undefined },
      },
    ],
    [
      'one deploy: its lead time from the commit to its success',
      run('1', 2 * H, 'success', 5),
      new Map([[SHA.a, committed(3 * H)]]),
      {
        weeks: 1,
        successfulDeploys: 1,
        deploysPerWeek: 1,
        leadTime: { medianSeconds: 65 * 60, counted: 1 },
        changeFailure: { failed: 0, finished: 1, rate: 0 },
        restore: { medianSeconds: undefined, restored: 0, openSince: undefined },
      },
    ],
    [
      'the change failure rate: failed and rolled back over finished deploys; the rest not counted',
      [
        ...run('1', 100 * H, 'success'),
        ...run('2', 90 * H, 'failed'),
        ...run('3', 80 * H, 'rolled-back'),
        ...run('4', 70 * H, 'success'),
        ...run('5', 60 * H, 'success'),
        entry('unchanged', 50 * H, { run_id: '6' }),
        ...run('7', 40 * H, 'cancelled'),
        ...run('8', 30 * H, undefined),
        // Not deploys: not in the rate.
        ...run('9', 20 * H, 'failed', 5, { action: 'migrate' }),
        ...run('10', 10 * H, 'failed', 5, { action: 'ops', operation: 'restart gateway' }),
        ...run('11', 5 * H, 'success', 5, { action: 'rollback' }),
      ],
      new Map(),
      {
        successfulDeploys: 3,
        changeFailure: {
          failed: 2,
          finished: 5,
          rate: 0.4,
          notCounted: { unchanged: 1, cancelled: 1, interrupted: 1 },
        },
      },
    ],
    [
      'the median lead time of an odd count',
      [
        ...run('1', 30 * H, 'success', 0, { ref: SHA.a }),
        ...run('2', 20 * H, 'success', 0, { ref: SHA.b }),
        ...run('3', 10 * H, 'success', 0, { ref: SHA.c }),
      ],
      new Map([
        [SHA.a, committed(31 * H)],
        [SHA.b, committed(23 * H)],
        [SHA.c, committed(12 * H)],
      ]),
      { leadTime: { medianSeconds: 2 * 3600, counted: 3 } },
    ],
    [
      'the median lead time of an even count: the mean of the middle two; a commit deployed twice counts twice',
      [
        ...run('1', 30 * H, 'success', 0, { ref: SHA.a }),
        ...run('2', 20 * H, 'success', 0, { ref: SHA.b }),
        ...run('3', 10 * H, 'success', 0, { ref: SHA.c }),
        ...run('4', 2 * H, 'success', 0, { ref: SHA.a }),
      ],
      new Map([
        [SHA.a, committed(31 * H)],
        [SHA.b, committed(23 * H)],
        [SHA.c, committed(12 * H)],
      ]),
      // Leads: 1h, 3h, 2h, 29h.
      { leadTime: { medianSeconds: 2.5 * 3600, counted: 4 } },
    ],
    [
      'lead time skips a ref that is not a commit id and a commit the server does not have, and counts them',
      [
        ...run('1', 30 * H, 'success', 0, { ref: 'v1.2.3' }),
        ...run('2', 20 * H, 'success', 0, { ref: SHA.c }),
        ...run('3', 10 * H, 'success', 0, { ref: SHA.a }),
        // Failed deploys have no lead time.
        ...run('4', 5 * H, 'failed', 0, { ref: SHA.b }),
      ],
      new Map([
        [SHA.a, committed(11 * H)],
        [SHA.b, committed(6 * H)],
      ]),
      { successfulDeploys: 3, leadTime: { medianSeconds: 3600, counted: 1, notACommit: 1, notOnServer: 1 } },
    ],
    [
      'commit times that could not be read: no lead time, and why',
      [...run('1', 30 * H, 'success', 0, { ref: 'main' }), ...run('2', 20 * H, 'success', 0)],
      'reading commit times on h exited with code 128',
      {
        successfulDeploys: 2,
        leadTime: {
          medianSeconds: undefined,
          counted: 0,
          notACommit: 1,
          notOnServer: 0,
          unread: 'reading commit times on h exited with code 128',
        },
      },
    ],
    [
      'time to restore: from the first failure of a streak to the next successful deploy or rollback',
      [
        ...run('1', 600, 'failed'), // 595: a streak begins
        ...run('2', 500, 'rolled-back'),
        ...run('3', 400, 'failed'),
        ...run('4', 350, 'success', 5, { action: 'migrate' }), // restores nothing
        ...run('5', 340, 'success', 5, { action: 'ops', operation: 'restart gateway' }), // nor this
        entry('unchanged', 330, { run_id: '6' }), // nor this
        ...run('7', 300, 'success'), // 295: restored after 300 minutes
        ...run('8', 200, 'failed'), // 195
        ...run('9', 185, 'success', 5, { action: 'rollback' }), // 180: restored after 15 minutes
        ...run('10', 100, 'failed'), // 95: not restored yet
        ...run('11', 90, 'failed', 5, { action: 'ops', operation: 'recover-database' }), // not a deploy
      ],
      new Map(),
      {
        successfulDeploys: 1,
        changeFailure: { failed: 5, finished: 6 },
        restore: { medianSeconds: ((300 + 15) / 2) * 60, restored: 2, openSince: NOW - 95 * MINUTE },
      },
    ],
    [
      'the window: what is older than 4 weeks is not counted, and a rate is over 4 weeks',
      [
        ...run('1', 60 * 24 * H, 'success'),
        ...run('2', 40 * 24 * H, 'failed'),
        ...run('3', 39 * 24 * H, 'success'),
        ...run('4', 2 * 24 * H, 'success'),
      ],
      new Map([[SHA.a, committed(61 * 24 * H)]]),
      {
        window: { from: NOW - 28 * DAY, to: NOW },
        weeks: 4,
        successfulDeploys: 1,
        deploysPerWeek: 0.25,
        changeFailure: { failed: 0, finished: 1, rate: 0 },
        restore: { medianSeconds: undefined, restored: 0, openSince: undefined },
      },
    ],
    [
      'deploys per week over a journal 2 weeks old; unchanged is not a deploy made',
      [
        ...run('1', 14 * 24 * H, 'success'),
        ...run('2', 10 * 24 * H, 'success'),
        entry('unchanged', 9 * 24 * H, { run_id: '3' }),
        ...run('4', 5 * 24 * H, 'success'),
        ...run('5', 1 * 24 * H, 'success'),
      ],
      new Map(),
      { weeks: 2, successfulDeploys: 4, deploysPerWeek: 2 },
    ],
  ])('%s', (_name, entries, commits, expected) => {
    expect(figuresOf(entries, commits)).toMatchObject(expected);
  });

  it('an interrupted deploy is not a success: not in deploys per week nor in the lead time', () => {
    const figures = figuresOf(run('1', 60, undefined), new Map([[SHA.a, committed(120)]]));
    expect(figures.successfulDeploys).toBe(0);
    expect(figures.leadTime.counted).toBe(0);
    expect(figures.changeFailure.notCounted).toEqual({ interrupted: 1 });
  });
});

describe('median', () => {
  it.each<[number[], number | undefined]>([
    [[], undefined],
    [[5], 5],
    [[3, 1, 2], 2],
    [[10, 1, 3, 2], 2.5],
    [[-60, 120], 30],
  ])('%j', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('the refs the lead time sends to the server', () => {
  it('only commit ids of successful deploys in the window, each once', () => {
    const entries = [
      ...run('0', 40 * 24 * H, 'success', 0, { ref: SHA.c }), // before the window
      ...run('1', 50, 'success', 0, { ref: SHA.a }),
      ...run('2', 40, 'success', 0, { ref: SHA.a }),
      ...run('3', 30, 'success', 0, { ref: 'v1.2.3' }),
      ...run('4', 20, 'failed', 0, { ref: SHA.b }),
      ...run('5', 15, 'success', 0, { ref: SHA.b, action: 'migrate' }),
      ...run('6', 10, 'success', 0, { ref: 'ABCDEF1234' }),
      ...run('7', 5, 'success', 0, { ref: `${SHA.b.slice(0, 7)}; touch /tmp/pwned` }),
      ...run('8', 4, 'success', 0, { ref: 'abcdef1' }),
    ];
    expect(leadTimeRefs(pairRuns(entries), NOW)).toEqual([SHA.a, 'abcdef1']);
  });

  it.each([
    ['HEAD'],
    ['main'],
    ['abcdef'], // 6: too short
    ['ABCDEF1'],
    [`${SHA.a}a`], // 41
    ['abcdef1; rm -rf /'],
    ['$(touch /tmp/pwned)'],
    ['-abcdef1'],
    ['abcdef1\n'],
    [' abcdef1'],
    [''],
  ])('refuses %j before anything is sent', (ref) => {
    expect(() => commitTimesCommand('/opt/thinktank', [SHA.a, ref])).toThrow(/not a commit id/);
  });

  it('refuses an empty list', () => {
    expect(() => commitTimesCommand('/opt/thinktank', [])).toThrow(/no commit/);
  });

  it('reads the commit times of a real repository in one command; missing commits are left out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-delivery-'));
    try {
      const git = (env: Record<string, string>, ...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, ...env },
        }).trim();
      git({}, 'init', '-q');
      git({ GIT_COMMITTER_DATE: '2026-11-01T10:00:00Z' }, 'commit', '-q', '--allow-empty', '-m', 'one');
      const one = git({}, 'rev-parse', 'HEAD');
      git({ GIT_COMMITTER_DATE: '2026-11-02T11:30:00Z' }, 'commit', '-q', '--allow-empty', '-m', 'two');
      const two = git({}, 'rev-parse', 'HEAD');
      const missing = 'deadbeef'.repeat(5);
      const refs = [one, two.slice(0, 7), missing, 'abcdef1'];
      const command = commitTimesCommand(dir, refs);
      // The text sent over SSH, run here by sh as sshd's login shell would.
      const output = execFileSync('sh', ['-c', command], { encoding: 'utf8' });
      expect(parseCommitTimes(output, refs)).toEqual(
        new Map([
          [one, Date.parse('2026-11-01T10:00:00Z') / 1000],
          [two.slice(0, 7), Date.parse('2026-11-02T11:30:00Z') / 1000],
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, string[], [string, number][]]>([
    ['a full id', [SHA.a], [[SHA.a, 100]]],
    ['a short id by its prefix', ['bbbbbbb'], [['bbbbbbb', 200]]],
    ['an id the output does not name', [SHA.c], []],
    [
      'junk lines ignored',
      [SHA.a, SHA.b],
      [
        [SHA.a, 100],
        [SHA.b, 200],
      ],
    ],
  ])('parseCommitTimes: %s', (_name, refs, expected) => {
    const text = `warning: something\n${SHA.a} 100\n\n  ${SHA.b} 200  \n${SHA.c} not-a-time\n${SHA.c.slice(0, 20)} 300\n`;
    expect(parseCommitTimes(text, refs)).toEqual(new Map(expected));
  });
});

/** A session whose `run` answers from `answer` (by what is asked), recording every command. */
function fakeSession(answer: (what: string, command: string) => string) {
  const commands: string[] = [];
  const session = {
    label: 'h',
    run: (command: string, what: string) => {
      commands.push(command);
      return Promise.resolve().then(() => answer(what, command));
    },
  } as unknown as RemoteSession;
  return { session, commands };
}

const failedResult = (stderr: string) => ({
  outcome: { kind: 'exited' as const, code: 1 },
  stdout: '',
  stdoutTruncated: false,
  stdoutBytes: 0,
  stderrBytes: stderr.length,
  stderrTail: [stderr],
  durationMs: 1,
});

describe('readDeliveryHistory', () => {
  const connection = { appDir: '/opt/thinktank', stateDir: '/opt/thinktank/.deploy' };
  const journal = (entries: Release[]) => entries.map((release) => JSON.stringify(release)).join('\n');
  const twelve = Array.from({ length: 12 }, (_, index) =>
    run(String(index + 1), (12 - index) * H, 'success', 5, {
      ref: index === 11 ? 'not-a-sha; $(touch /tmp/pwned)' : SHA.a,
    }),
  ).flat();

  it('the newest 10 runs, newest first; one command for the commit times with the valid refs only', async () => {
    const { session, commands } = fakeSession((what) =>
      what === 'reading the release ledger' ? journal(twelve) : `${SHA.a} ${committed(13 * H)}\n`,
    );
    const history = await readDeliveryHistory(session, connection, () => NOW);
    expect(history.error).toBeUndefined();
    expect(history.journal).toBe('/opt/thinktank/.deploy/releases.jsonl');
    expect(history.runs.map((run) => run.runId)).toEqual([
      '12',
      '11',
      '10',
      '9',
      '8',
      '7',
      '6',
      '5',
      '4',
      '3',
    ]);
    expect(commands).toHaveLength(2);
    expect(commands[0]).toContain("'500'");
    expect(commands[1]).toContain(`'${SHA.a}'`);
    expect(commands[1]).not.toContain('pwned');
    expect(history.figures?.leadTime).toMatchObject({ counted: 11, notACommit: 1 });
  });

  it('sends no git command when no deploy needs a commit time', async () => {
    const { session, commands } = fakeSession(() => journal(run('1', 60, 'failed')));
    const history = await readDeliveryHistory(session, connection, () => NOW);
    expect(commands).toHaveLength(1);
    expect(history.figures?.changeFailure.rate).toBe(1);
  });

  it('a journal that cannot be read is said, never thrown', async () => {
    const { session, commands } = fakeSession((what) => {
      throw new RemoteCommandError(
        'h',
        what,
        failedResult('tail: cannot open releases.jsonl: Permission denied'),
      );
    });
    const history = await readDeliveryHistory(session, connection, () => NOW);
    expect(commands).toHaveLength(1);
    expect(history).toEqual({
      host: 'h',
      journal: '/opt/thinktank/.deploy/releases.jsonl',
      error: expect.stringMatching(
        /^reading the release ledger on h exited with code 1\n.*Permission denied/,
      ),
      runs: [],
    });
  });

  it('commit times that cannot be read leave the history and the other figures', async () => {
    const { session } = fakeSession((what) => {
      if (what === 'reading the release ledger') return journal(run('1', 60, 'success'));
      throw new RemoteCommandError('h', what, failedResult('fatal: not a git repository'));
    });
    const history = await readDeliveryHistory(session, connection, () => NOW);
    expect(history.runs).toHaveLength(1);
    expect(history.figures?.successfulDeploys).toBe(1);
    expect(history.figures?.leadTime.unread).toMatch(/not a git repository/);
  });

  it('a cancel is not swallowed', async () => {
    const { session } = fakeSession((what) => {
      if (what === 'reading the release ledger') return journal(run('1', 60, 'success'));
      throw new CancelledError('SIGTERM');
    });
    await expect(readDeliveryHistory(session, connection, () => NOW)).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('formatting', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [42.4, '42s'],
    [59.6, '1m 00s'],
    [65, '1m 05s'],
    [3599, '59m 59s'],
    [3600, '1h 00m'],
    [2 * 3600 + 3 * 60 + 59, '2h 03m'],
    [86400 * 4 + 6 * 3600, '4d 06h'],
    [-125, '-2m 05s'],
  ])('formatDuration(%d) = %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });

  it.each<[number, string]>([
    [0, '0%'],
    [0.25, '25%'],
    [1 / 3, '33.3%'],
    [1, '100%'],
  ])('formatPercent(%d) = %s', (rate, expected) => {
    expect(formatPercent(rate)).toBe(expected);
  });

  it('formatUtcMinute: UTC, to the minute', () => {
    expect(formatUtcMinute(Date.parse('2026-11-28T11:03:59.900+01:00'))).toBe('2026-11-28T10:03Z');
  });
});

const HOSTILE = 'mallory|`rm -rf`<script>alert(1)</script>\r\n| x | y |\rlast\u0000[link](http://evil)';

/** The table rows (lines starting with `|`) of a section. */
const tableRows = (text: string) => text.split('\n').filter((row) => row.startsWith('|'));

describe('the summary: release history and delivery figures', () => {
  const history = (entries: Release[], commits: ReadonlyMap<string, number> = new Map()): DeliveryHistory => {
    const runs = pairRuns(entries);
    return {
      host: 'deploy.example.com',
      journal: '/opt/thinktank/.deploy/releases.jsonl',
      runs: runs.slice(-10).reverse(),
      figures: deliveryFigures(runs, NOW, commits),
    };
  };

  it('a row per run: when (UTC, to the minute), action, what, who, result, duration', () => {
    const text = historySection(
      history(
        [
          ...run('1', 3 * H, 'success', 4, { migration: '0001 -> 0002' }),
          ...run('2', 2 * H, 'failed', 1, { ref: SHA.b }),
          ...run('3', 90, 'success', 2, { action: 'ops', operation: 'restart gateway', actor: 'bob' }),
          entry('success', 70, { action: 'rollback' }),
          ...run('4', 60, undefined),
          ...run('5', 30, undefined, 0, { action: 'migrate' }),
        ],
        new Map([[SHA.a, committed(4 * H)]]),
      ),
    );
    expect(tableRows(text).slice(0, 8)).toEqual([
      '| when (UTC) | action | what | who | result | duration |',
      '| --- | --- | --- | --- | --- | --- |',
      '| 2026-11-29T11:30Z | migrate | aaaaaaaaaaaa | alice | ⚠️ no result (interrupted, or still running) | — |',
      '| 2026-11-29T11:00Z | deploy | aaaaaaaaaaaa | alice | ⚠️ interrupted | — |',
      '| 2026-11-29T10:50Z | rollback | aaaaaaaaaaaa | alice | ✅ success | — |',
      '| 2026-11-29T10:30Z | ops | restart gateway | bob | ✅ success | 2m 00s |',
      '| 2026-11-29T10:00Z | deploy | bbbbbbbbbbbb | alice | ❌ failed | 1m 00s |',
      '| 2026-11-29T09:00Z | deploy | aaaaaaaaaaaa, migration 0001 -&gt; 0002 | alice | ✅ success | 4m 00s |',
    ]);
    expect(text).toMatch(
      /The last 6 runs in \/opt\/thinktank\/\.deploy\/releases\.jsonl on deploy\.example\.com/,
    );
    expect(text).toMatch(/2026-11-22T12:00Z to 2026-11-29T12:00Z \(1\.0 weeks/);
    expect(text).toContain('| deploys per week | 1.0 (1 successful deploy in 1.0 weeks) |');
    expect(text).toContain('| lead time (median) | 1h 04m (1 deploy) |');
    expect(text).toContain(
      '| change failure rate | 50% (1 of 2 finished deploys; not counted: 1 interrupted) |',
    );
    expect(text).toContain('| time to restore (median) | 49m 00s (1 failure) |');
  });

  it('says what a figure lacks: skipped deploys, no deploy, unread commit times', () => {
    const skipped = historySection(
      history([
        ...run('1', 3 * H, 'success', 0, { ref: 'v1.2.3' }),
        ...run('2', 2 * H, 'success', 0, { ref: SHA.c }),
      ]),
    );
    expect(skipped).toContain(
      '| lead time (median) | no deploy to measure (1 skipped: commit not on the server; 1 skipped: ref is not a commit id) |',
    );
    expect(skipped).toContain('| time to restore (median) | no failed deploy |');
    const empty = historySection(history([]));
    expect(empty).toContain(
      'No run in the journal (/opt/thinktank/.deploy/releases.jsonl on deploy.example.com).',
    );
    expect(empty).toContain('| change failure rate | no finished deploy |');
    expect(empty).toContain('| deploys per week | 0.0 (0 successful deploys in 1.0 weeks) |');
    const runs = pairRuns(run('1', 60, 'success'));
    const unread = historySection({
      host: 'h',
      journal: '/j',
      runs,
      figures: deliveryFigures(runs, NOW, 'git: exited with code 128'),
    });
    expect(unread).toContain(
      '| lead time (median) | unknown: the commit times could not be read (git: exited with code 128) |',
    );
  });

  it('a journal that could not be read: said, escaped', () => {
    const text = historySection({ host: 'h', journal: '/j', error: `tail: ${HOSTILE}`, runs: [] });
    expect(text).toMatch(
      /^### Release history\n\nThe journal \(\/j on h\) could not be read: tail: mallory&#124;/,
    );
    expect(text).not.toMatch(/<script|\r|`|\u0000|\[link\]/);
    expect(text.split('\n')).toHaveLength(3);
  });

  it.each<[string, Partial<Release>]>([
    ['actor', { actor: HOSTILE }],
    ['ref', { ref: HOSTILE }],
    ['operation', { action: 'ops', operation: HOSTILE }],
    ['migration', { migration: HOSTILE }],
    ['action', { action: HOSTILE }],
    ['time', { time: HOSTILE }],
  ])('a hostile %s neither breaks the table nor injects markup', (_field, hostile) => {
    const entries = [...run('1', 60, 'success', 5, hostile), ...run('2', 30, 'failed', 5)];
    const text = historySection(history(entries));
    const rows = tableRows(text.slice(0, text.indexOf('### Delivery figures')));
    // Every row has its six cells: seven pipes, none from the journal.
    for (const row of rows) expect(row.split('|')).toHaveLength(rows[0].split('|').length);
    expect(rows[0].split('|')).toHaveLength(8);
    expect(rows.filter((row) => row.includes('2026-11-29') || row.includes('mallory'))).toHaveLength(2);
    expect(text).not.toMatch(/<script|<\/script|\r|`rm|\u0000|\[link\]|\]\(/);
    // Nothing outside the tables came from the journal: the lines are the ones the section writes.
    expect(
      text.split('\n').filter((row) => row !== '' && !row.startsWith('|') && !row.startsWith('#')),
    ).toHaveLength(2);
  });

  it('inertText: escapes, keeps the line breaks as <br>, cuts long text', () => {
    expect(inertText('a|b`c`<i>\r\nd\re\nf\tg')).toBe('a&#124;b&#96;c&#96;&lt;i&gt;<br>d<br>e<br>f g');
    expect(inertText('x'.repeat(100), 10)).toBe(`${'x'.repeat(10)}…`);
    // Nothing GitHub would link, and no reordering by bidi controls.
    expect(inertText('see https://evil.example/x www.evil.example mallory@evil.example \u202eab')).toBe(
      'see https:\u200b//evil.example/x w\u200bww.evil.example mallory@\u200bevil.example ab',
    );
  });

  it('healthSummary adds the section when there is a history, and nothing without one', () => {
    const report = {
      healthy: true,
      attempts: 1,
      checks: [
        {
          host: 'h',
          check: 'server-url',
          value: 'HTTP 200',
          threshold: 'status healthy',
          verdict: 'pass' as const,
        },
      ],
      failing: [],
    };
    expect(healthSummary(report, 'production')).not.toMatch(/Release history/);
    const text = healthSummary({ ...report, history: history(run('1', 60, 'success')) }, 'production');
    expect(text).toMatch(/Rounds: 1\n\n### Release history\n/);
    expect(text).toMatch(/### Delivery figures\n/);
  });
});
