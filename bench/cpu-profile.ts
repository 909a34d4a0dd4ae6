// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by where the code
// comes from (a package under node_modules, node: internals, or our own src/), so that a
// benchmark run can print where the time goes next to its figures.
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfileLike {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples in (idle) and (garbage collector). */
  idleShare: number;
  gcShare: number;
  byFunction: ProfileEntry[];
  byOrigin: ProfileEntry[];
}

/** node_modules/<pkg> (scoped too), node:<module>, src/<folder>, or a V8 pseudo-frame. */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  const own = /\/(src\/[^/]+|bench|test)\//.exec(url);
  if (own) return own[1]!;
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}

export function summariseProfile(profile: CpuProfileLike, top = 15): ProfileSummary {
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = totalMs / totalHits;
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') idle += hits;
    if (functionName === '(garbage collector)') gc += hits;
    const origin = originOf(url, functionName);
    const name = `${functionName || '(anonymous)'} ${url ? `${origin}${url.includes('node_modules') ? '' : `/${url.split('/').pop()}`}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + hits);
  }
  const busy = totalHits - idle || 1;
  const entries = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([name]) => name !== '(idle)' && !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, selfMs: hits * msPerHit, share: hits / busy }));
  return { totalMs, idleShare: idle / totalHits, gcShare: gc / busy, byFunction: entries(byFunction), byOrigin: entries(byOrigin) };
}

export async function readProfile(file: string): Promise<CpuProfileLike> {
  return JSON.parse(await readFile(file, 'utf8')) as CpuProfileLike;
}

export function formatProfile(title: string, summary: ProfileSummary): string {
  const lines = [`profile: ${title} (busy ${(100 - summary.idleShare * 100).toFixed(0)} % of ${(summary.totalMs / 1000).toFixed(1)} s, GC ${(summary.gcShare * 100).toFixed(1)} % of busy)`];
  lines.push('  self time by origin:');
  for (const e of summary.byOrigin.slice(0, 10)) lines.push(`    ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.name}`);
  lines.push('  self time by function:');
  for (const e of summary.byFunction) lines.push(`    ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.name}`);
  return lines.join('\n');
}
