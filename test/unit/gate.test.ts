/** The health gate's judgement of one look at a service's containers, over many states. */
import type { ContainerState } from '../../packages/shared/src/compose/compose';
import { judgeGate } from '../../packages/shared/src/compose/rollout';

const gate = { timeoutSeconds: 60, minUptimeSeconds: 5 };
const c = (change: Partial<ContainerState> = {}): ContainerState => ({
  id: 'abc123456789000',
  service: 'worker',
  status: 'running',
  health: 'none',
  restartCount: 0,
  image: 'sha256:1',
  imageRef: 'w:1',
  startedAt: '2026-11-28T10:00:00Z',
  exitCode: 0,
  ...change,
});
const seen = (...containers: ContainerState[]) => new Map(containers.map((x) => [x.id, x]));

describe('judgeGate', () => {
  it.each<[string, ContainerState, ContainerState, number, string | undefined]>([
    ['healthy passes at once', c({ health: 'healthy' }), c({ health: 'healthy' }), 100, 'ok: healthy'],
    ['starting keeps waiting', c({ health: 'starting' }), c({ health: 'starting' }), 100, undefined],
    [
      'unhealthy fails',
      c({ health: 'starting' }),
      c({ health: 'unhealthy' }),
      100,
      'fail: container abc123456789 is unhealthy',
    ],
    ['no healthcheck: waits for min-uptime', c(), c(), 4900, undefined],
    [
      'no healthcheck: passes after min-uptime',
      c(),
      c(),
      5100,
      'ok: running (no healthcheck), up 5.1s without a restart',
    ],
    [
      'exited fails, with its code',
      c(),
      c({ status: 'exited', exitCode: 3 }),
      1000,
      'fail: container abc123456789 exited (code 3)',
    ],
    [
      'restarting (a crash loop) fails',
      c(),
      c({ status: 'restarting', restartCount: 1 }),
      1000,
      'fail: container abc123456789 restarted while it was waited for (restart count 1, restarting)',
    ],
    [
      'a restart seen only by its count fails',
      c(),
      c({ restartCount: 1 }),
      6000,
      'fail: container abc123456789 restarted while it was waited for (restart count 1, running)',
    ],
    [
      'a restart seen only by its start time fails',
      c(),
      c({ startedAt: '2026-11-28T10:00:02Z' }),
      6000,
      'fail: container abc123456789 restarted while it was waited for (restart count 0, running)',
    ],
    [
      'healthy after a restart still fails',
      c({ health: 'healthy' }),
      c({ health: 'healthy', restartCount: 1 }),
      100,
      'fail: container abc123456789 restarted while it was waited for (restart count 1, running)',
    ],
    ['created, not running yet: waits', c({ status: 'created' }), c({ status: 'created' }), 100, undefined],
  ])('%s', (_name, first, now, upForMs, expected) => {
    const verdict = judgeGate(1, seen(first), [now], upForMs, gate);
    expect(verdict === undefined ? undefined : `${verdict.ok ? 'ok' : 'fail'}: ${verdict.state}`).toBe(
      expected,
    );
  });

  it('waits for every container of a scaled service', () => {
    const a = c({ health: 'healthy' });
    expect(judgeGate(2, seen(a), [a], 100, gate)).toBeUndefined();
    const b = c({ id: 'def', health: 'healthy' });
    expect(judgeGate(2, seen(a, b), [a, b], 100, gate)).toEqual({ ok: true, state: 'healthy' });
  });
});
