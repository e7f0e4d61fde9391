// One runner for the whole repo: infrastructure tests under test/, the tool's under app/test/.
// @swc/jest transpiles without type-checking (fast); `npm test` runs `tsc --noEmit` first for types.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/app/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/cdktf.out/'],
  // Synthesizing the azurerm bindings is CPU-heavy: 2 workers match the 2-core machines.
  maxWorkers: 2,
  testTimeout: 120000,
};
