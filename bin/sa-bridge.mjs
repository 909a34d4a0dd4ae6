#!/usr/bin/env node
// The `sa-bridge` command (package.json "bin"). In a checkout with dev dependencies it runs the
// TypeScript sources through tsx; where only production dependencies are installed (the image,
// a pipeline's npm ci --omit=dev) it runs the compiled dist/ that `npm run build` makes.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsx;
try {
  tsx = require.resolve('tsx/esm/api');
} catch {
  tsx = undefined;
}
let main;
if (tsx) {
  const { register } = await import('tsx/esm/api');
  register();
  main = await import('../src/cli/main.ts');
} else {
  const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    console.error('sa-bridge: not built: run npm run build (or install the dev dependencies)');
    process.exit(2);
  }
  main = await import(compiled.href);
}
process.exitCode = await main.runCli(process.argv);
