import {
  histogramQuantile,
  parseMetrics,
  serverErrorRate,
} from '../../packages/shared/src/health/prometheus';

const TEXT = `
# HELP http_request_duration_seconds Request latency
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",path="/a"} 50
http_request_duration_seconds_bucket{le="0.5",path="/a"} 80
http_request_duration_seconds_bucket{le="1",path="/a"} 90
http_request_duration_seconds_bucket{le="+Inf",path="/a"} 100
http_request_duration_seconds_bucket{le="0.1",path="/b"} 0
http_request_duration_seconds_bucket{le="0.5",path="/b"} 0
http_request_duration_seconds_bucket{le="1",path="/b"} 0
http_request_duration_seconds_bucket{le="+Inf",path="/b"} 0
http_request_duration_seconds_sum 40.5
http_request_duration_seconds_count 100
http_requests_total{method="GET",status="200"} 970 1700000000000
http_requests_total{method="GET",status="503"} 20
http_requests_total{method="POST",code="500",note="a \\"quoted\\", value"} 10
`;

describe('Prometheus text', () => {
  const samples = parseMetrics(TEXT);

  it('parses samples, labels with escapes, timestamps and +Inf', () => {
    expect(samples.find((s) => s.labels.note !== undefined)?.labels.note).toBe('a "quoted", value');
    expect(samples.filter((s) => s.labels.le === '+Inf')).toHaveLength(2);
  });

  it('computes p95 like histogram_quantile (linear inside the bucket)', () => {
    // rank 95 lies in (1, +Inf]: the estimate is the highest finite bound.
    expect(histogramQuantile(0.95, samples, 'http_request_duration_seconds')).toBe(1);
    // rank 50 is the end of the first bucket.
    expect(histogramQuantile(0.5, samples, 'http_request_duration_seconds')).toBeCloseTo(0.1);
    // rank 85: 0.5 + 0.5 * (85-80)/(90-80)
    expect(histogramQuantile(0.85, samples, 'http_request_duration_seconds')).toBeCloseTo(0.75);
  });

  it('returns undefined with no observations', () => {
    expect(histogramQuantile(0.95, parseMetrics('x_bucket{le="+Inf"} 0'), 'x')).toBeUndefined();
    expect(histogramQuantile(0.95, [], 'x')).toBeUndefined();
  });

  it('computes the 5xx share across status and code labels', () => {
    const rate = serverErrorRate(samples, 'http_requests_total');
    expect(rate?.total).toBe(1000);
    expect(rate?.rate).toBeCloseTo(0.03);
    expect(serverErrorRate([], 'http_requests_total')).toBeUndefined();
  });
});
