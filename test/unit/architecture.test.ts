// The layering of docs/architecture.md, as dependency-cruiser rules (.dependency-cruiser.cjs),
// and the rule that only config.ts reads the environment.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/config.ts';

const require = createRequire(import.meta.url);

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !path.join(e.parentPath, e.name).includes(`${path.sep}generated${path.sep}`))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('architecture', () => {
  it('when the imports of src/ are cruised, then none breaks a layering rule', async () => {
    const config = require(path.join(repoRoot, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };
    const previous = process.cwd();
    process.chdir(repoRoot);
    try {
      const result = await cruise(['src'], { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } } as never);
      const output = result.output as { summary: { violations: IViolation[]; totalCruised: number } };
      expect(output.summary.totalCruised).toBeGreaterThan(50);
      const violations = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
      expect(violations).toEqual([]);
    } finally {
      process.chdir(previous);
    }
  }, 60_000);

  it('when src/ is read, then only config.ts (the server) and cli-environment.ts (the CLI) read process.env', async () => {
    const readers: string[] = [];
    for (const file of await sourceFiles(path.join(repoRoot, 'src'))) {
      if ((await readFile(file, 'utf8')).includes('process.env')) readers.push(path.relative(repoRoot, file));
    }
    expect(readers.sort()).toEqual(['src/cli/cli-environment.ts', 'src/config.ts']);
  });
});
