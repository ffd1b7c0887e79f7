/**
 * Runbook §9's diagnostics: the collection script's output parsed (no container text can pose as a
 * part), secrets masked, the size bounded, and the summary and log forms inert.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  diagnosticsMarkdown,
  MASK_FUNCTION,
  diagnosticsText,
  DIAGNOSTICS_LIMIT,
  parseDiagnostics,
  redact,
  type Diagnostics,
} from '../../packages/shared/src/diagnostics/diagnostics';

const OUTPUT = [
  '@@tt:service gateway',
  '@@tt:container tt_gateway_1',
  '|{"Status":"running","Health":{"Status":"unhealthy"}}',
  '@@tt:logs',
  '|2026-11-28T12:00:00Z starting',
  '|@@tt:events',
  '|::error::forged',
  '@@tt:service worker',
  '@@tt:events',
  '|1764331200 die tt_gateway_1 1',
  '@@tt:end',
].join('\n');

describe('diagnostics', () => {
  it('parses services, containers, logs and events; a log line cannot pose as a part', () => {
    const parsed = parseDiagnostics(OUTPUT);
    expect(parsed.services).toEqual([
      {
        service: 'gateway',
        containers: [
          {
            name: 'tt_gateway_1',
            state: '{"Status":"running","Health":{"Status":"unhealthy"}}',
            logs: '2026-11-28T12:00:00Z starting\n@@tt:events\n::error::forged',
          },
        ],
      },
      { service: 'worker', containers: [] },
    ]);
    expect(parsed.events).toBe('1764331200 die tt_gateway_1 1');
    expect(parsed.problems).toEqual([]);
    expect(parseDiagnostics(OUTPUT.replace('@@tt:end', '')).problems).toEqual([
      'the collection did not finish (its output ends early)',
    ]);
  });

  it.each([
    ['DB_PASSWORD=hunter2-long', 'DB_PASSWORD=***'],
    ['jwt_secret_key: "abc.def"', 'jwt_secret_key: "***"'],
    [
      'connecting to postgresql://thinktank:s3cret@postgres:5432/db',
      'postgresql://thinktank:***@postgres:5432/db',
    ],
    ['redis://:p4ss/w0rd@redis:6379/0', 'redis://:***@redis:6379/0'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y', 'Authorization: Bearer ***'],
    ['api_key=AKIA1234 and ENCRYPTION_KEY=0123abcd', 'api_key=*** and ENCRYPTION_KEY=***'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----', '***private key***'],
    ['status=healthy version=v2 path=/health', 'status=healthy version=v2 path=/health'],
  ])('masks %j', (text, masked) => {
    expect(redact(text, [])).toContain(masked);
  });

  it('masks every value the action masked, longest first', () => {
    expect(redact('key line AAAABBBBCCCC and AAAABBBB', ['AAAABBBB', 'AAAABBBBCCCC'])).toBe(
      'key line *** and ***',
    );
  });

  const diagnostics = (logs: string): Diagnostics => ({
    host: 'deploy@h:22',
    reason: 'deploy of abc: gateway did not pass its gate',
    services: [{ service: 'gateway', containers: [{ name: 'g1', state: '{}', logs }] }],
    events: '',
    probe: { url: 'http://localhost/health', answer: 'HTTP 502\n<html>bad gateway</html>' },
    problems: [],
  });

  it('is bounded, and escaped in the summary (no tag, no fence, no link)', () => {
    const huge = diagnosticsText(diagnostics('x'.repeat(DIAGNOSTICS_LIMIT * 2)));
    expect(huge.length).toBeLessThan(DIAGNOSTICS_LIMIT + 100);
    expect(huge).toMatch(/cut at \d+ characters/);
    const markdown = diagnosticsMarkdown(diagnostics('</pre><script>x</script> [a](http://e) ``` |'));
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toMatch(/<\/pre>[\s\S]*<\/pre>/);
    expect(markdown).toContain('&lt;/pre&gt;&lt;script&gt;');
    expect(markdown).toContain('&#91;a&#93;');
    expect(markdown).toContain('HTTP 502');
  });

  it("masks the env files' values on the server (the real shell function, under sh and busybox sh)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-mask-'));
    writeFileSync(
      join(dir, '.env'),
      'DB_PASSWORD=hunter2pw\nexport JWT_SECRET_KEY="quoted value!"\nSHORT=ab\nENC=\'sq/val@1\'\n# a comment=not-a-value\n',
    );
    const input = 'db hunter2pw, jwt quoted value!, enc sq/val@1, short ab, comment not-a-value\n';
    for (const shell of ['sh', 'busybox'])
      expect(
        execFileSync(
          shell,
          [
            ...(shell === 'busybox' ? ['sh'] : []),
            '-c',
            `${MASK_FUNCTION}\nmask "$1" "$2"`,
            'sh',
            join(dir, '.env'),
            join(dir, 'missing'),
          ],
          { input, encoding: 'utf8' },
        ),
      ).toBe('db ***, jwt ***, enc ***, short ab, comment not-a-value\n');
  });
});
