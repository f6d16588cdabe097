// `npm run package`: the .vsix, with @vscode/vsce. It holds the bundled
// extension, the webview bundle, the compiled agent (and its sources with
// their header: the agent shows its own modules' source in stack frames), the README
// and CHANGELOG the Marketplace shows, and nothing else:
// .vscodeignore lists what goes in, and this script checks the result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAgent, bundle } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// `npm run package` builds a .vsix to ship, so its agent must be compiled by
// OTP 25 (`shipped`, see buildAgent); the demo and the end-to-end tests
// package for this machine's nodes only.
export async function packageExtension({ shipped = false } = {}) {
  buildAgent({ shipped });
  await bundle({ minify: true });
  const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const vsix = join(root, `${name}-${version}.vsix`);
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  // Everything is bundled by esbuild, so node_modules stays out.
  execFileSync(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  checkContents(vsce, vsix);
  return vsix;
}

/** Fail when the package holds anything but what the extension needs. */
function checkContents(vsce, vsix) {
  const listing = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const allowed =
    /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/(extension\.js|webview\.js|webview\.css|cluster\.js|cluster\.css|trace\.js|trace\.css|mcp\.js)(\.map)?|agent\/ebin\/beam_observer_\w+\.beam|agent\/src\/beam_observer_\w+\.[he]rl|media\/icon\.(png|svg)|syntaxes\/[\w.-]+\.json)$/;
  const unexpected = listing.filter((f) => !allowed.test(f));
  const required = [
    'CHANGELOG.md',
    'dist/extension.js',
    'dist/webview.js',
    'dist/cluster.js',
    // The MCP server (issue 18): `node <extension>/dist/mcp.js`, and what VS Code's MCP provider runs.
    'dist/mcp.js',
    'dist/trace.js',
    'agent/ebin/beam_observer_agent.beam',
    'agent/src/beam_observer_agent.erl',
    'agent/src/beam_observer_errors.hrl',
  ];
  const missing = required.filter((f) => !listing.includes(f));
  if (unexpected.length || missing.length) {
    throw new Error(`${vsix}: unexpected files ${JSON.stringify(unexpected)}, missing ${JSON.stringify(missing)}`);
  }
  console.log(`[package] ${vsix}: ${listing.length} files`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await packageExtension({ shipped: true });
}
