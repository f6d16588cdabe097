#!/usr/bin/env node
// `npx beam-observer-mcp` in a clone of BEAM Observer (package.json's `bin`):
// BEAM Observer's MCP server on stdio, dist/mcp.js. A fresh clone has no dist/
// yet: with its dependencies installed (`npm ci`), this builds dist/mcp.js
// first (esbuild, about a second); without them it says what to run.
// Standard output is the MCP channel: every word here goes to standard error.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');
const server = join(root, 'dist', 'mcp.js');

async function ensureBuilt() {
  if (existsSync(server)) return;
  if (!existsSync(join(root, 'node_modules', 'esbuild'))) {
    process.stderr.write(
      `beam-observer-mcp: ${server} is not built and the project's dependencies are not installed.\n` +
        `Run, in ${root}:\n  npm ci && npm run build\n`,
    );
    process.exit(1);
  }
  process.stderr.write('beam-observer-mcp: building dist/mcp.js (first run in this clone)\n');
  const { bundleMcp } = await import(pathToFileURL(join(root, 'scripts', 'build.mjs')).href);
  await bundleMcp();
}

ensureBuilt().then(
  () => require(server),
  (error) => {
    process.stderr.write(`beam-observer-mcp: building dist/mcp.js failed: ${error.message}\nRun, in ${root}: npm run build\n`);
    process.exit(1);
  },
);
