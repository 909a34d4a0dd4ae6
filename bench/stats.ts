export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function printTable(rows: ReadonlyArray<readonly [string, number, number, number]>): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${'measurement'.padEnd(width)}  ${'p50 ms'.padStart(9)}  ${'p95 ms'.padStart(9)}  ${'n'.padStart(6)}`);
  for (const [label, p50, p95, n] of rows) {
    console.log(`${label.padEnd(width)}  ${p50.toFixed(2).padStart(9)}  ${p95.toFixed(2).padStart(9)}  ${String(n).padStart(6)}`);
  }
}
