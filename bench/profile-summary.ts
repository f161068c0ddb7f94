/**
 * Where each target's CPU goes: reads the V8 CPU profiles a BENCH_CPU_PROF run leaves in
 * bench/results/profiles/<instance>/ and sums the main thread's self time by area
 * (profile-areas.ts), as a share of its busy time and in µs per order (self time ÷ the
 * orders that process placed over its whole life, profiles/orders.json). Start-up is its
 * own line, outside the per-order figures. It sets areas side by side where a gateway target
 * and apollo-http were both profiled, and an instance and its BENCH_BASELINE build's. The
 * runner calls it at the end of a profiled run (report section and profiles/summary.json);
 * it also runs alone:
 *
 *   node dist/bench/profile-summary.js <profile dir> [orders]
 *
 * <profile dir> is either the run's profiles/ folder (every instance, orders from its
 * orders.json) or one instance's folder (orders from the argument, else the parent's orders.json).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { areaOf, IDLE, START_UP, type ProfileFrame } from './profile-areas.js';
import { profileSummaryLines } from './profile-report.js';
import { APOLLO_HTTP, GATEWAY_TARGETS } from './targets.js';

/** The parts of V8's .cpuprofile format used here: the call tree and the samples, with µs between them. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: ProfileFrame & { lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

export interface AreaCost {
  area: string;
  selfUs: number;
  /** Of the busy main thread (idle left out, start-up in). */
  share: number;
  /** undefined for start-up, and when the order count is unknown. */
  usPerOrder: number | undefined;
}

export interface FunctionCost extends AreaCost {
  functionName: string;
  /** file:line, the path shortened to what follows node_modules/, dist/ or the build folder. */
  location: string;
}

export interface TargetProfile {
  target: string;
  /** Main-thread profiles summed (normally one). */
  files: string[];
  orders: number | undefined;
  /** Busy main thread: every sample but idle, start-up included. */
  busyUs: number;
  startUpUs: number;
  /** Busy time after start-up ÷ orders. */
  usPerOrder: number | undefined;
  /** Sorted by self time, start-up left out. */
  areas: AreaCost[];
  topFunctions: FunctionCost[];
  /** Profiles of other threads (workers), not in the figures: their busy time. */
  otherThreadsBusyUs: number;
  /**
   * The process's CPU time (all threads, /proc) over its whole life, less the profile's
   * start-up, ÷ orders: what the main thread's µs/order is checked against. V8 samples wall
   * time, so a main thread waiting for a core shows as busy and can exceed it.
   */
  processCpuUsPerOrder: number | undefined;
}

export interface ProfileComparison {
  target: string;
  reference: string;
  rows: Array<{ area: string; targetUsPerOrder: number; referenceUsPerOrder: number; differenceUs: number }>;
}

export interface ProfileSummary {
  targets: TargetProfile[];
  comparisons: ProfileComparison[];
  /** Instances that placed orders but left no profile (killed before they could write it). */
  missing: string[];
}

const TOP_FUNCTIONS = 25;

/** file:line from a frame's URL: a package's path from its name on, the gateway's and bench's from src/ or bench/ on. */
function shortLocation(url: string, lineNumber: number): string {
  if (url === '') return '(native)';
  const inPackage = url.lastIndexOf('node_modules/');
  const path =
    inPackage >= 0
      ? url.slice(inPackage + 'node_modules/'.length)
      : url.replace(/^.*\/(?:dist|\.dist-[0-9a-f]+)\/(?=(?:src|bench)\/)/, '').replace(/^file:\/\//, '');
  return `${path}:${lineNumber + 1}`;
}

/** Sums self time per area and per function over the main-thread profiles of one target. */
export function summarizeProfiles(
  target: string,
  profiles: readonly CpuProfile[],
  orders: number | undefined,
  files: string[] = [],
): TargetProfile {
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, { functionName: string; location: string; area: string; selfUs: number }>();
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    const areas = new Map<number, string>();
    const areaOfNode = (id: number): string => {
      const known = areas.get(id);
      if (known !== undefined) return known;
      const parent = parentOf.get(id);
      const area = areaOf(nodes.get(id)!.callFrame, parent === undefined ? undefined : areaOfNode(parent));
      areas.set(id, area);
      return area;
    };
    profile.samples.forEach((id, index) => {
      const us = profile.timeDeltas[index] ?? 0;
      const area = areaOfNode(id);
      byArea.set(area, (byArea.get(area) ?? 0) + us);
      if (area === IDLE || area === START_UP) return;
      const frame = nodes.get(id)!.callFrame;
      const location = shortLocation(frame.url, frame.lineNumber);
      const key = `${frame.functionName}\0${location}\0${area}`;
      const entry = byFunction.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, area, selfUs: 0 };
      entry.selfUs += us;
      byFunction.set(key, entry);
    });
  }
  const busyUs = [...byArea].reduce((sum, [area, us]) => (area === IDLE ? sum : sum + us), 0);
  const startUpUs = byArea.get(START_UP) ?? 0;
  const perOrder = (us: number): number | undefined => (orders ? us / orders : undefined);
  const cost = (selfUs: number): Pick<AreaCost, 'selfUs' | 'share' | 'usPerOrder'> => ({
    selfUs,
    share: busyUs > 0 ? selfUs / busyUs : 0,
    usPerOrder: perOrder(selfUs),
  });
  const bySelf = (a: { selfUs: number }, b: { selfUs: number }): number => b.selfUs - a.selfUs;
  return {
    target,
    files,
    orders,
    busyUs,
    startUpUs,
    usPerOrder: perOrder(busyUs - startUpUs),
    areas: [...byArea]
      .filter(([area]) => area !== IDLE && area !== START_UP)
      .map(([area, selfUs]) => ({ area, ...cost(selfUs) }))
      .sort(bySelf),
    topFunctions: [...byFunction.values()]
      .map((entry) => ({ ...entry, ...cost(entry.selfUs) }))
      .sort(bySelf)
      .slice(0, TOP_FUNCTIONS),
    otherThreadsBusyUs: 0,
    processCpuUsPerOrder: undefined,
  };
}

/** `target`'s µs per order beside `reference`'s, area by area, largest difference first. */
function compareTwo(target: TargetProfile, reference: TargetProfile): ProfileComparison {
  const names = new Set([...target.areas, ...reference.areas].map((area) => area.area));
  const usOf = (profile: TargetProfile, area: string): number => profile.areas.find((entry) => entry.area === area)?.usPerOrder ?? 0;
  const rows = [...names].map((area) => {
    const [targetUsPerOrder, referenceUsPerOrder] = [usOf(target, area), usOf(reference, area)];
    return { area, targetUsPerOrder, referenceUsPerOrder, differenceUs: targetUsPerOrder - referenceUsPerOrder };
  });
  return { target: target.target, reference: reference.target, rows: rows.sort((a, b) => b.differenceUs - a.differenceUs) };
}

/**
 * The pairs worth setting side by side: each gateway target of the fast scenario (and its
 * BENCH_BASELINE build, `gateway@<sha>`) against apollo-http, and each instance against its
 * baseline's (`gateway` against `gateway@<sha>`, `gateway-slow` against `gateway@<sha>-slow`):
 * the "after" against the "before" of a change, area by area.
 */
export function compareProfiles(targets: readonly TargetProfile[]): ProfileComparison[] {
  const counted = targets.filter((target) => target.orders);
  const named = (name: string): TargetProfile | undefined => counted.find((target) => target.target === name);
  const gatewayNames = GATEWAY_TARGETS.map((target) => target.name);
  const comparisons: ProfileComparison[] = [];
  const reference = named(APOLLO_HTTP);
  if (reference) {
    for (const target of counted) {
      const base = /^(.*?)(?:@[0-9a-f]+)?$/.exec(target.target)![1]!;
      if (gatewayNames.includes(base)) comparisons.push(compareTwo(target, reference));
    }
  }
  for (const before of counted) {
    const baseline = /^(.+)@[0-9a-f]+(-slow)?$/.exec(before.target);
    const after = baseline && named(`${baseline[1]!}${baseline[2] ?? ''}`);
    if (after) comparisons.push(compareTwo(after, before));
  }
  return comparisons;
}

/** V8 names each file CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is the main thread. */
const isMainThread = (file: string): boolean => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file);

function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

/** One instance's folder of profiles; `cpuSeconds`: its process's CPU time over its life, when known. */
export function summarizeInstanceDir(dir: string, orders: number | undefined, cpuSeconds?: number): TargetProfile {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort();
  const main = files.filter(isMainThread);
  const summary = summarizeProfiles(
    basename(dir),
    main.map((file) => readProfile(join(dir, file))),
    orders,
    main,
  );
  const others = files.filter((file) => !isMainThread(file));
  if (cpuSeconds !== undefined && orders) summary.processCpuUsPerOrder = (cpuSeconds * 1e6 - summary.startUpUs) / orders;
  summary.otherThreadsBusyUs =
    others.length === 0
      ? 0
      : summarizeProfiles(
          '',
          others.map((file) => readProfile(join(dir, file))),
          undefined,
        ).busyUs;
  return summary;
}

/** Every instance folder under a run's profiles/ folder, with the order counts and CPU times the runner wrote beside them. */
export function summarizeRunDir(
  dir: string,
  orders: Readonly<Record<string, number>>,
  cpuSeconds: Readonly<Record<string, number>> = {},
): ProfileSummary {
  const instances = readdirSync(dir)
    .filter((entry) => statSync(join(dir, entry)).isDirectory())
    .sort();
  const targets = instances
    .map((instance) => summarizeInstanceDir(join(dir, instance), orders[instance], cpuSeconds[instance]))
    .filter((target) => target.files.length > 0);
  const missing = Object.keys(orders).filter((instance) => !targets.some((target) => target.target === instance));
  return { targets, comparisons: compareProfiles(targets), missing };
}

/** orders.json or process-cpu.json (instance → number); empty when the file is not there. */
export function readInstanceNumbers(path: string): Record<string, number> {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>) : {};
}

function main(args: string[]): void {
  const [dirArg, ordersArg] = args;
  if (dirArg === undefined) throw new Error('usage: node dist/bench/profile-summary.js <profile dir> [orders]');
  const dir = resolve(dirArg);
  const single = readdirSync(dir).some((file) => file.endsWith('.cpuprofile'));
  let summary: ProfileSummary;
  if (single) {
    const orders = ordersArg === undefined ? readInstanceNumbers(join(dirname(dir), 'orders.json'))[basename(dir)] : Number(ordersArg);
    if (orders !== undefined && !(orders > 0)) throw new Error(`orders must be a positive number, got "${ordersArg}"`);
    const target = summarizeInstanceDir(dir, orders, readInstanceNumbers(join(dirname(dir), 'process-cpu.json'))[basename(dir)]);
    summary = { targets: [target], comparisons: [], missing: [] };
  } else {
    if (ordersArg !== undefined) throw new Error('[orders] is for one instance folder; a run folder takes its counts from orders.json');
    summary = summarizeRunDir(dir, readInstanceNumbers(join(dir, 'orders.json')), readInstanceNumbers(join(dir, 'process-cpu.json')));
  }
  process.stdout.write(`${profileSummaryLines(summary).join('\n')}\n`);
}

// Run as a script (dist/ is a symlink to the build folder this module was loaded from), not imported.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
