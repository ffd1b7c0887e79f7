/**
 * A steady load through the stack's proxy while something happens: GET requests at a fixed rate,
 * each on its own connection (as independent clients), counted as served (2xx) or dropped (any other
 * status, a reset, a refused connection or no answer within the timeout).
 */
import { request } from 'node:http';

export interface LoadResult {
  readonly sent: number;
  readonly served: number;
  readonly dropped: number;
  /** The first few drops: when (ms after the start), which URL, and what happened. */
  readonly drops: readonly string[];
  readonly slowestMs: number;
}

export interface Load {
  /** Stops sending, waits for the answers still due, and counts. */
  stop(): Promise<LoadResult>;
}

const TIMEOUT_MS = 5000;
const DROPS_KEPT = 10;

/** Sends GETs to `urls` in turn, `perSecond` of them each second, until stop(). */
export function startLoad(urls: readonly string[], perSecond: number): Load {
  const started = Date.now();
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let served = 0;
  let dropped = 0;
  let slowestMs = 0;
  const drops: string[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const drop = (url: string, at: number, what: string) => {
    dropped++;
    if (drops.length < DROPS_KEPT) drops.push(`${at - started}ms ${url}: ${what}`);
  };
  const send = (url: string) => {
    const at = Date.now();
    const answered = new Promise<void>((resolve) => {
      const req = request(url, { agent: false, timeout: TIMEOUT_MS }, (response) => {
        response.resume();
        response.on('end', () => {
          slowestMs = Math.max(slowestMs, Date.now() - at);
          if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300)
            served++;
          else drop(url, at, `HTTP ${response.statusCode}`);
          resolve();
        });
        response.on('error', (error) => {
          drop(url, at, error.message);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS}ms`)));
      req.on('error', (error) => {
        drop(url, at, error.message);
        resolve();
      });
      req.end();
    });
    pending.add(answered);
    void answered.then(() => pending.delete(answered));
  };
  // Each request is due at started + n / perSecond, whatever the event loop's delays: a steady rate.
  const tick = () => {
    if (stopped) return;
    const due = Math.floor(((Date.now() - started) * perSecond) / 1000) + 1;
    while (sent < due) send(urls[sent++ % urls.length]);
    timer = setTimeout(tick, Math.max(1, started + (sent * 1000) / perSecond - Date.now()));
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...pending]);
      return { sent, served, dropped, drops, slowestMs };
    },
  };
}
