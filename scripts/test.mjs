// `npm test`: every test suite, in order of speed.
//  0. ESLint and Prettier's format check (npm run lint).
//  1. EUnit: the agent's pure parts (agent/test).
//  2. node:test: TypeScript unit tests and integration tests against real
//     erl and elixir nodes (test/**/*.test.ts, compiled to out/).
// It installs Erlang and Elixir when missing and it can (root with apt-get),
// otherwise it stops with the command to run. It ends with one line,
// "N passed, N failed", summing all suites.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, ELIXIR, ERLANG, ensureCommands, ensureHostnameResolves } from './prerequisites.mjs';
import { buildAgent, buildTypeScript, bundle } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureCommands([ERLANG, ELIXIR, CHROMIUM]);
ensureHostnameResolves();
buildAgent();
await buildTypeScript();
await bundle();

const totals = { passed: 0, failed: 0 };

function run(label, cmd, args) {
  console.log(`\n=== ${label}`);
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result;
}

// 0. Lint and format: ESLint (typescript-eslint) and Prettier's check, one result each.
for (const [label, script, args] of [
  ['ESLint', 'eslint/bin/eslint.js', ['.']],
  ['Prettier (format check)', 'prettier/bin/prettier.cjs', ['--check', '.']],
]) {
  const result = run(label, process.execPath, [join(root, 'node_modules', script), ...args]);
  if (result.status === 0) totals.passed += 1;
  else totals.failed += 1;
}

// 1. EUnit
const testEbin = join(root, 'agent', 'test-ebin');
rmSync(testEbin, { recursive: true, force: true });
mkdirSync(testEbin, { recursive: true });
const eunitSources = readdirSync(join(root, 'agent', 'test')).filter((f) => f.endsWith('_tests.erl'));
// -I agent/src: the tests include the agent's header (its error codes).
spawnSync('erlc', ['-I', 'agent/src', '-o', testEbin, ...eunitSources.map((f) => join('agent', 'test', f))], {
  cwd: root,
  stdio: 'inherit',
});
const modules = eunitSources.map((f) => f.replace(/\.erl$/, '')).join(',');
const eunit = run('EUnit (agent)', 'erl', [
  '-noshell',
  '-pa',
  'agent/ebin',
  '-pa',
  'agent/test-ebin',
  '-eval',
  `case eunit:test([${modules}], []) of ok -> halt(0); _ -> halt(1) end.`,
]);
const allPassed = /All (\d+) tests passed/.exec(eunit.stdout);
const someFailed = /Failed: (\d+)\.\s+Skipped: \d+\.\s+Passed: (\d+)/.exec(eunit.stdout);
if (allPassed) totals.passed += Number(allPassed[1]);
else if (someFailed) {
  totals.failed += Number(someFailed[1]);
  totals.passed += Number(someFailed[2]);
} else totals.failed += 1; // EUnit did not even run: count it as a failure.

// 2. node:test over the compiled TypeScript tests.
const testFiles = [];
(function collect(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) collect(path);
    else if (entry.endsWith('.test.js')) testFiles.push(relative(root, path));
  }
})(join(root, 'out', 'test'));
testFiles.sort();
const nodeTests = run('node:test (unit and integration)', process.execPath, ['--test', ...testFiles]);
const pass = /^# pass (\d+)/m.exec(nodeTests.stdout);
const fail = /^# fail (\d+)/m.exec(nodeTests.stdout);
totals.passed += pass ? Number(pass[1]) : 0;
totals.failed += fail ? Number(fail[1]) : 0;
if (!pass || (nodeTests.status !== 0 && (!fail || fail[1] === '0'))) totals.failed += 1;

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
