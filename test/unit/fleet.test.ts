import { LockTimeoutError } from '../../packages/shared/src/errors';
import { batchesOf, fleetError, fleetFailures, type HostRun } from '../../packages/shared/src/ssh/fleet';
import { labelLine, labelling, withHostLabel } from '../../packages/shared/src/ssh/host-log';
import { fleetSummary } from '../../packages/shared/src/summary/fleet';

describe('fleet batches', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];
  it.each([
    ['canary, then 2 at a time', 2, true, [['a'], ['b', 'c'], ['d', 'e'], ['f']]],
    [
      'no canary, 2 at a time',
      2,
      false,
      [
        ['a', 'b'],
        ['c', 'd'],
        ['e', 'f'],
      ],
    ],
    ['canary, then all the rest at once', 50, true, [['a'], ['b', 'c', 'd', 'e', 'f']]],
    ['one at a time', 1, false, [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]],
  ] as const)('%s', (_, maxParallel, firstAlone, expected) => {
    expect(batchesOf(hosts, maxParallel, firstAlone)).toEqual(expected);
  });

  it('a single host is one batch, canary or not', () => {
    expect(batchesOf(['a'], 3, true)).toEqual([['a']]);
  });
});

describe('host-labelled log lines', () => {
  it.each([
    ['plain line', 'hello', 'web1 | hello'],
    ['annotation keeps working, labelled', '::error::it broke', '::error::web1 | it broke'],
    ['annotation with properties', '::warning title=x::slow', '::warning title=x::web1 | slow'],
    ['a group becomes a plain line', '::group::Roll out gateway', 'web1 | ▸ Roll out gateway'],
    ['endgroup disappears', '::endgroup::', ''],
    ['a mask stays a mask', '::add-mask::s3cret', '::add-mask::s3cret'],
  ])('%s', (_, line, expected) => {
    expect(labelLine('web1', line)).toBe(expected);
  });

  it('labels what is written inside each host, side by side, and nothing outside', async () => {
    let written = '';
    const write = labelling((text) => {
      written += String(text);
      return true;
    });
    await Promise.all([
      withHostLabel('web1', async () => {
        write('one\n');
        await new Promise((resolve) => setTimeout(resolve, 5));
        write('::group::Roll out\n::endgroup::\ntwo\n');
      }),
      withHostLabel('web2', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        write('three\n::error::bad\n');
      }),
    ]);
    write('outside\n');
    expect(written).toBe(
      'web1 | one\nweb2 | three\n::error::web2 | bad\nweb1 | ▸ Roll out\nweb1 | two\noutside\n',
    );
  });
});

describe('fleet reports', () => {
  const runs: HostRun<{ result: string; failure?: string; previousRef: string; deployedRef: string }>[] = [
    {
      host: 'web1',
      result: 'success',
      seconds: 12.3,
      value: { result: 'success', previousRef: 'a'.repeat(40), deployedRef: 'b'.repeat(40) },
    },
    {
      host: 'web2',
      result: 'failed',
      seconds: 40,
      value: {
        result: 'rolled-back',
        failure: 'gateway unhealthy',
        previousRef: 'a'.repeat(40),
        deployedRef: 'a'.repeat(40),
      },
    },
    { host: 'web3:2222', result: 'not started', seconds: 0, error: 'not started: web2 failed' },
    { host: '<b>web4</b>', result: 'unreachable', seconds: 8, error: 'connection refused' },
  ];

  it('names every host that did not pass, with why', () => {
    expect(fleetFailures(runs, (value) => value.failure)).toBe(
      'web2 (failed: gateway unhealthy); web3:2222 (not started); <b>web4</b> (unreachable: connection refused)',
    );
  });

  it('has a row per host with its result, time and commits, escaped', () => {
    const summary = fleetSummary('Deploy', 'production', runs);
    expect(summary).toContain('1 of 4 hosts passed');
    expect(summary).toContain('| web1 | ✅ success | 12.3s | aaaaaaaaaaaa | bbbbbbbbbbbb |');
    expect(summary).toContain('| web2 | ❌ failed: rolled-back | 40.0s | aaaaaaaaaaaa | aaaaaaaaaaaa |');
    expect(summary).not.toContain('<b>');
  });
});

describe('fleetError', () => {
  const run = (result: HostRun<never>['result'], cause?: unknown): HostRun<never> => ({
    host: 'h',
    result,
    seconds: 1,
    cause,
  });
  it.each([
    [
      'every failed host found the lock busy',
      [run('failed', new LockTimeoutError('busy')), run('not started')],
      true,
    ],
    [
      'one failed for another reason',
      [run('failed', new LockTimeoutError('busy')), run('failed', new Error('x'))],
      false,
    ],
    [
      'one was unreachable',
      [run('failed', new LockTimeoutError('busy')), run('unreachable', new Error('x'))],
      false,
    ],
    ['none failed (cancelled)', [run('cancelled'), run('not started')], false],
  ])('%s: a LockTimeoutError is %s', (_why, runs, lockBusy) => {
    const error = fleetError('deploy to the fleet failed', runs);
    expect(error instanceof LockTimeoutError).toBe(lockBusy);
    expect(error.message).toBe('deploy to the fleet failed');
  });
});
