// Jest runs TypeScript through ts-jest in CommonJS (the bundles are CommonJS too). Type checking is
// its own step (npm run typecheck). Integration and e2e tests use real sshd, dockerd and PostgreSQL.
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    { tsconfig: { module: 'commonjs', moduleResolution: 'node', isolatedModules: true }, diagnostics: false },
  ],
};
const common = {
  testEnvironment: 'node',
  transform,
  moduleNameMapper: { '^@thinktank/shared$': '<rootDir>/packages/shared/src/index.ts' },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/swarm\\.test\\.ts$'],
    },
    // Joining and leaving a swarm drops the published ports of every container already running on the
    // engine (their docker-proxy processes end): the swarm tests run on their own, after the others.
    { ...common, displayName: 'swarm', testMatch: ['<rootDir>/test/e2e/swarm.test.ts'] },
  ],
};
