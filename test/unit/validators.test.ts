import * as v from '../../packages/shared/src/inputs/validators';

describe('host entries', () => {
  it.each([
    ['deploy.example.com', { host: 'deploy.example.com', port: undefined }],
    ['deploy.example.com:2222', { host: 'deploy.example.com', port: 2222 }],
    ['10.0.0.5', { host: '10.0.0.5', port: undefined }],
    ['[2001:db8::10]:22', { host: '2001:db8::10', port: 22 }],
    ['[::1]', { host: '::1', port: undefined }],
    ['::1', { host: '::1', port: undefined }],
  ])('accepts %s', (value, expected) => {
    expect(v.hostAddress(value)).toEqual(expected);
  });

  it.each([
    'bad;host',
    'host:0',
    'host:65536',
    'host:22:33',
    '-oProxyCommand=x',
    'a b',
    '[nothex]:22',
    '$(id)',
    'host:',
    'exa_mple.com',
  ])('refuses %j', (value) => {
    expect(() => v.hostAddress(value)).toThrow(v.InputProblem);
  });

  it('splits lists on commas and newlines', () => {
    expect(v.hostList('a.example.com, b.example.com:2\n[::1]:3').map((h) => h.host)).toEqual([
      'a.example.com',
      'b.example.com',
      '::1',
    ]);
    expect(() => v.hostList(' , ')).toThrow(/no host/);
  });
});

describe('image tags (Docker reference grammar)', () => {
  it.each(['v1', 'v1.2.3', '_x', 'A'.repeat(128), 'latest', '1.0-rc_1'])('accepts %j', (tag) => {
    expect(v.imageTag(tag)).toBe(tag);
  });
  it.each([
    'v1;id',
    '$(touch /tmp/p)',
    '`id`',
    'v1|sh',
    'v1&&x',
    'v1>f',
    'a b',
    "'",
    '"',
    'v1\n',
    'v\r1',
    'v\u00001',
    'v\u20281',
    'v\t1',
    '-rf',
    '--help',
    '.x',
    'A'.repeat(129),
    '',
    'v１.2',
    'vо1',
  ])('refuses %j', (tag) => {
    expect(() => v.imageTag(tag)).toThrow(/not a Docker image tag/);
  });
});

describe('git refs', () => {
  it.each(['main', 'v1.4.2', 'feature/x-1', '3f2c9a1', 'a'.repeat(40), 'release/2026.11'])(
    'accepts %j',
    (ref) => {
      expect(v.gitRef(ref)).toBe(ref);
    },
  );
  it.each([
    'zzz";echo${IFS}"hello";#',
    '--upload-pack=touch /tmp/x',
    '-b',
    'main..evil',
    'a@{1}',
    '@',
    'x.lock',
    'foo/',
    '/foo',
    'a//b',
    'a\\b',
    '~1',
    '^',
    ':',
    '?',
    '*',
    '[',
    'HEAD~1',
    'a/.hidden',
    'end.',
    'main\n',
    '',
  ])('refuses %j', (ref) => {
    expect(() => v.gitRef(ref)).toThrow(v.InputProblem);
  });
});

describe('other values', () => {
  it('ports, durations, counts, decimals', () => {
    expect(v.port('22')).toBe(22);
    expect(() => v.port('22x')).toThrow(/TCP port/);
    expect(v.seconds(1, 600)('30')).toBe(30);
    expect(() => v.seconds(1, 600)('0')).toThrow(/from 1 to 600/);
    expect(() => v.seconds(1, 600)('1.5')).toThrow();
    expect(() => v.seconds(1, 600)('-1')).toThrow();
    expect(v.count(0, 10)('0')).toBe(0);
    expect(v.decimal(0, 1, '0.05')('0.05')).toBe(0.05);
    expect(() => v.decimal(0, 1, '0.05')('1e3')).toThrow();
  });

  it('booleans are YAML 1.2 core words only', () => {
    expect(v.boolean('true')).toBe(true);
    expect(v.boolean('FALSE')).toBe(false);
    expect(() => v.boolean('yes')).toThrow(/true or false/);
  });

  it.each(['production', 'staging-2', 'eu.prod_1'])('accepts environment %j', (name) => {
    expect(v.environmentName(name)).toBe(name);
  });
  it.each(['../etc', 'prod;id', 'prod ', '-x', '', 'a..b', 'prod\n'])('refuses environment %j', (name) => {
    expect(() => v.environmentName(name)).toThrow(/environment name/);
  });

  it('paths', () => {
    expect(v.absolutePath('/opt/thinktank')).toBe('/opt/thinktank');
    for (const bad of [
      'opt/x',
      '/opt/../etc',
      '/opt/x;id',
      '/opt//x',
      '/opt/-x',
      '/opt/x/',
      '/opt/$(id)',
      '/opt/a b',
    ]) {
      expect(() => v.absolutePath(bad)).toThrow(v.InputProblem);
    }
    expect(v.relativePath('docker/docker-compose-prod.yaml')).toBe('docker/docker-compose-prod.yaml');
    for (const bad of ['/etc/passwd', '../x.yaml', '-f', 'a/../../b', 'x y.yaml']) {
      expect(() => v.relativePath(bad)).toThrow(v.InputProblem);
    }
  });

  it('services', () => {
    expect(v.serviceList('gateway,langgraph\nworker, nginx')).toEqual([
      'gateway',
      'langgraph',
      'worker',
      'nginx',
    ]);
    expect(() => v.serviceList('gateway;rm -rf /')).toThrow(/service name/);
    expect(() => v.serviceList('-d')).toThrow(/service name/);
  });

  it('usernames', () => {
    expect(v.username('deploy')).toBe('deploy');
    for (const bad of ['-oProxy', 'a b', 'root;id', '', 'x'.repeat(33)])
      expect(() => v.username(bad)).toThrow(v.InputProblem);
  });

  it('urls: http(s), no credentials, no characters a URL never holds', () => {
    expect(v.httpUrl('http://localhost/health')).toBe('http://localhost/health');
    expect(v.httpUrl('https://app.example.com:8443/metrics?x=1')).toBeTruthy();
    for (const bad of [
      'file:///etc/passwd',
      'http://u:p@host/',
      'http://host/ x',
      'http://host/`id`',
      'http://host/"',
      'localhost/health',
      'http://host/\n',
    ]) {
      expect(() => v.httpUrl(bad)).toThrow(v.InputProblem);
    }
  });

  it('git repositories the server clones: no credentials, no transport helpers, no options', () => {
    for (const good of [
      'git@github.com:org/thinktank-ai.git',
      'https://github.com/org/thinktank-ai.git',
      'ssh://git@github.com:22/org/thinktank-ai.git',
      '/srv/git/thinktank.git',
    ])
      expect(v.gitRepository(good)).toBe(good);
    for (const bad of [
      'ext::sh -c touch% /tmp/pwned',
      'ext::sh',
      '--upload-pack=touch /tmp/x',
      '-oProxyCommand=x',
      'https://user:token@github.com/org/repo.git',
      'https://x-access-token@github.com/org/repo.git',
      'file:///srv/git/repo.git',
      'http://github.com/org/repo.git',
      'fd::17',
      '/srv/../etc/repo',
      'relative/path',
      'git@github.com:org/repo.git; rm -rf /',
      'git@host:org/$(id).git',
      '',
    ])
      expect(() => v.gitRepository(bad)).toThrow(v.InputProblem);
    expect(() => v.gitRepository('https://user:ghp_sekret123@github.com/org/repo.git')).toThrow(
      /"https:\/\/\*\*\*@github.com\/org\/repo.git": credentials/,
    );
  });

  it('compose command', () => {
    expect(v.composeCommandWords('auto')).toBe('auto');
    expect(v.composeCommandWords('docker compose')).toEqual(['docker', 'compose']);
    expect(v.composeCommandWords('/usr/bin/docker-compose')).toEqual(['/usr/bin/docker-compose']);
    for (const bad of ['docker;id', '-x', 'docker $(id)', ''])
      expect(() => v.composeCommandWords(bad)).toThrow(v.InputProblem);
  });

  it('jump host', () => {
    expect(v.userHost('ops@bastion.example.com:2200')).toEqual({
      username: 'ops',
      host: 'bastion.example.com',
      port: 2200,
    });
    expect(v.userHost('bastion')).toEqual({ username: undefined, host: 'bastion', port: undefined });
    expect(() => v.userHost('a;b@host')).toThrow(v.InputProblem);
  });

  it('fingerprints', () => {
    const fp = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
    expect(v.fingerprintList(`${fp}\n${fp}=`)).toEqual([fp, fp]);
    expect(() => v.fingerprintList('MD5:aa:bb')).toThrow(/SHA256/);
  });

  it('a regex reused many times gives the same answer (no g flag state)', () => {
    for (let i = 0; i < 4; i++) expect(() => v.imageTag('v1;x')).toThrow();
  });

  it('shows values escaped and shortened', () => {
    expect(v.shown('a\nb')).toBe('"a\\nb"');
    expect(v.shown('x'.repeat(100))).toHaveLength(83);
  });
});

describe('strategy', () => {
  it.each([
    ['recreate', { default: 'recreate', services: {} }],
    ['start-first', { default: 'start-first', services: {} }],
    [
      'gateway:start-first,worker:recreate',
      { default: 'recreate', services: { gateway: 'start-first', worker: 'recreate' } },
    ],
    ['start-first\nnginx:recreate', { default: 'start-first', services: { nginx: 'recreate' } }],
  ])('reads %j', (value, expected) => {
    expect(v.strategySetting(value)).toEqual(expected);
  });

  it.each([
    ['blue-green', /not a strategy/],
    ['gateway:rolling', /not a strategy/],
    ['recreate,start-first', /more than one default/],
    ['gateway:recreate,gateway:start-first', /gateway is given twice/],
    ['gate way:recreate', /./],
    [' , ', /no strategy/],
  ])('refuses %j', (value, problem) => {
    expect(() => v.strategySetting(value)).toThrow(problem);
  });
});
