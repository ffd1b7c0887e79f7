/** The Prometheus text exposition format, as far as the health thresholds need it. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    if (pattern.lastIndex >= text.length) break;
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Samples of every line that is not a comment; malformed lines are skipped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/.exec(line);
    if (!match) continue;
    const value = parseValue(match[3]);
    if (Number.isNaN(value)) continue;
    samples.push({ name: match[1], labels: match[2] === undefined ? {} : parseLabels(match[2]), value });
  }
  return samples;
}

/**
 * The q-quantile of a histogram summed over all its label sets, interpolated linearly inside the
 * bucket as Prometheus's histogram_quantile does. Undefined when it has no observations.
 */
export function histogramQuantile(q: number, samples: readonly Sample[], name: string): number | undefined {
  const byBound = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket` || sample.labels.le === undefined) continue;
    const bound = parseValue(sample.labels.le);
    byBound.set(bound, (byBound.get(bound) ?? 0) + sample.value);
  }
  const buckets = [...byBound.entries()].sort((a, b) => a[0] - b[0]);
  if (buckets.length === 0 || buckets[buckets.length - 1][0] !== Infinity) return undefined;
  const total = buckets[buckets.length - 1][1];
  if (total <= 0) return undefined;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, cumulative] of buckets) {
    if (cumulative >= rank) {
      // In the +Inf bucket the best estimate is the highest finite bound.
      if (bound === Infinity) return previousBound;
      if (cumulative === previousCount) return bound;
      return (
        previousBound + (bound - previousBound) * ((rank - previousCount) / (cumulative - previousCount))
      );
    }
    previousBound = bound;
    previousCount = cumulative;
  }
  return previousBound;
}

const STATUS_LABELS = ['status', 'code', 'status_code'];

/** The share of requests answered 5xx, from a counter labelled by status; undefined with none. */
export function serverErrorRate(
  samples: readonly Sample[],
  name: string,
): { rate: number; total: number } | undefined {
  let total = 0;
  let errors = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const status = STATUS_LABELS.map((label) => sample.labels[label]).find((value) => value !== undefined);
    total += sample.value;
    if (status !== undefined && /^5/.test(status)) errors += sample.value;
  }
  if (total <= 0) return undefined;
  return { rate: errors / total, total };
}
