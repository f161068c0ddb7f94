import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { areaOf, START_UP } from '../../bench/profile-areas.js';
import { compareProfiles, summarizeProfiles, summarizeRunDir, type CpuProfile } from '../../bench/profile-summary.js';

const BUILD = 'file:///repo/.dist-0123abcd/src';

/** A node of the synthetic call tree: [id, functionName, url, children]. */
type Node = [number, string, string, number[]];

function profile(tree: Node[], samples: Array<[id: number, us: number]>): CpuProfile {
  return {
    nodes: tree.map(([id, functionName, url, children]) => ({ id, callFrame: { functionName, url, lineNumber: 9 }, children })),
    samples: samples.map(([id]) => id),
    timeDeltas: samples.map(([, us]) => us),
  };
}

/**
 * A gateway's main thread: idle, GC, the journal's JS and a native it calls, a socket
 * write, a log line written through node:fs, and start-up (a package's top-level code run
 * while its module loads).
 */
const GATEWAY_TREE: Node[] = [
  [1, '(root)', '', [2, 3, 4, 6, 8, 11, 14]],
  [2, '(idle)', '', []],
  [3, '(garbage collector)', '', []],
  [4, '#claimNow', `${BUILD}/journal/sqlite-order-journal.js`, [5]],
  [5, 'run', '', []],
  [6, 'writeGeneric', 'node:internal/stream_base_commons', [7]],
  [7, 'writev', '', []],
  [8, 'write', 'file:///repo/node_modules/sonic-boom/index.js', [9]],
  [9, 'writeSync', 'node:fs', [10]],
  [10, 'writeString', '', []],
  [11, 'runMain', 'node:internal/modules/run_main', [12]],
  [12, '(anonymous)', 'file:///repo/node_modules/pino/pino.js', [13]],
  [13, 'compileSourceTextModule', 'node:internal/modules/esm/utils', []],
  [14, 'processGraphQLRequest', 'file:///repo/node_modules/@apollo/server/dist/esm/requestPipeline.js', []],
];

const gatewayProfile = profile(GATEWAY_TREE, [
  [2, 5000], // idle: never busy
  [3, 400],
  [4, 1000],
  [5, 600],
  [7, 250],
  [9, 100],
  [10, 200],
  [12, 700], // start-up, by its caller
  [13, 300],
  [14, 400],
]);

describe('bench CPU profile summary', () => {
  const orders = 10;
  const summary = summarizeProfiles('gateway', [gatewayProfile], orders);
  const area = (name: string) => summary.areas.find((entry) => entry.area === name);

  it('leaves idle out of the busy time and splits start-up off', () => {
    expect(summary.busyUs).toBe(400 + 1000 + 600 + 250 + 100 + 200 + 700 + 300 + 400);
    expect(summary.startUpUs).toBe(1000);
    expect(summary.areas.map((entry) => entry.area)).not.toContain('(idle)');
    expect(summary.areas.map((entry) => entry.area)).not.toContain(START_UP);
    // µs per order covers the busy time after start-up only.
    expect(summary.usPerOrder).toBe((3950 - 1000) / orders);
  });

  it('sums self time by area: natives and file writes go to their caller, socket writes apart', () => {
    expect(area('journal')?.selfUs).toBe(1600);
    expect(area('logging')?.selfUs).toBe(300);
    expect(area('socket writes')?.selfUs).toBe(250);
    expect(area('garbage collector')?.selfUs).toBe(400);
    expect(area('@apollo/server')?.selfUs).toBe(400);
    expect(summary.areas.map((entry) => entry.area)).toEqual([
      'journal',
      'garbage collector',
      '@apollo/server',
      'logging',
      'socket writes',
    ]);
  });

  it('gives each area its share of the busy main thread and its µs per order', () => {
    expect(area('journal')?.share).toBeCloseTo(1600 / 3950, 10);
    expect(area('journal')?.usPerOrder).toBe(160);
    expect(area('logging')?.usPerOrder).toBe(30);
    const unknownOrders = summarizeProfiles('gateway', [gatewayProfile], undefined);
    expect(unknownOrders.areas[0]?.usPerOrder).toBeUndefined();
    expect(unknownOrders.usPerOrder).toBeUndefined();
  });

  it('lists top functions without idle or start-up', () => {
    expect(summary.topFunctions[0]).toMatchObject({
      functionName: '#claimNow',
      location: 'src/journal/sqlite-order-journal.js:10',
      area: 'journal',
      usPerOrder: 100,
    });
    expect(summary.topFunctions.find((entry) => entry.functionName === '@apollo/server')).toBeUndefined();
    expect(summary.topFunctions.find((entry) => entry.functionName === 'processGraphQLRequest')?.location).toBe(
      '@apollo/server/dist/esm/requestPipeline.js:10',
    );
    const names = summary.topFunctions.map((entry) => entry.functionName);
    expect(names).not.toContain('(idle)');
    expect(names).not.toContain('compileSourceTextModule');
    expect(names).not.toContain('(anonymous)');
  });

  it('sets a gateway target against apollo-http area by area', () => {
    const apolloHttp = summarizeProfiles(
      'apollo-http',
      [
        profile(
          [
            [1, '(root)', '', [2, 3]],
            [2, '(garbage collector)', '', []],
            [3, 'processGraphQLRequest', 'file:///repo/node_modules/@apollo/server/dist/esm/requestPipeline.js', []],
          ],
          [
            [2, 100],
            [3, 300],
          ],
        ),
      ],
      5,
    );
    const [comparison] = compareProfiles([summary, apolloHttp, summarizeProfiles('floor', [gatewayProfile], 1)]);
    expect(comparison?.target).toBe('gateway');
    expect(comparison?.reference).toBe('apollo-http');
    expect(comparison?.rows[0]).toEqual({ area: 'journal', targetUsPerOrder: 160, referenceUsPerOrder: 0, differenceUs: 160 });
    expect(comparison?.rows.find((row) => row.area === '@apollo/server')).toEqual({
      area: '@apollo/server',
      targetUsPerOrder: 40,
      referenceUsPerOrder: 60,
      differenceUs: -20,
    });
    expect(compareProfiles([summary])).toEqual([]);
  });

  it("sets a BENCH_BASELINE build against apollo-http in the fast scenario only, and each instance against its baseline's", () => {
    const named = (target: string) => ({ ...summary, target });
    const pairs = compareProfiles(
      ['apollo-http', 'gateway', 'gateway@0a1b2c3', 'gateway-slow', 'gateway@0a1b2c3-slow', 'peer-slow'].map(named),
    ).map((comparison) => `${comparison.target} ÷ ${comparison.reference}`);
    expect(pairs).toEqual([
      'gateway ÷ apollo-http',
      'gateway@0a1b2c3 ÷ apollo-http',
      'gateway ÷ gateway@0a1b2c3',
      'gateway-slow ÷ gateway@0a1b2c3-slow',
    ]);
  });

  it('names areas by folder, package and Node module', () => {
    const of = (url: string, functionName = 'f', caller?: string) => areaOf({ functionName, url }, caller);
    expect(of(`${BUILD}/graphql/schema.js`)).toBe('graphql');
    expect(of('file:///repo/dist/src/http/request-body.js')).toBe('http');
    expect(of(`${BUILD}/logger.js`)).toBe('logging');
    expect(of('file:///repo/node_modules/graphql/execution/execute.js')).toBe('graphql-js');
    expect(of('file:///repo/node_modules/better-sqlite3/lib/methods/transaction.js')).toBe('journal');
    expect(of('file:///repo/node_modules/undici/lib/dispatcher/client.js')).toBe('undici');
    expect(of('node:_http_outgoing')).toBe('node HTTP');
    expect(of('node:internal/crypto/hash')).toBe('node crypto');
    expect(of('node:internal/process/task_queues')).toBe('timers/microtasks');
    expect(of('', 'runMicrotasks', 'http')).toBe('timers/microtasks');
    expect(of('', 'writeUtf8String', 'node sockets')).toBe('socket writes');
    expect(of('', 'RegExp: ^a$', 'auth')).toBe('auth');
    expect(of('wasm://wasm/00034eea', 'wasm-function[20]', 'undici')).toBe('undici');
    expect(of('file:///repo/node_modules/undici/index.js', 'f', START_UP)).toBe(START_UP);
  });
});

describe('bench CPU profile folders', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads main-thread profiles per instance, worker threads apart, and names instances left without one', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-profile-summary-'));
    mkdirSync(join(dir, 'gateway'));
    writeFileSync(join(dir, 'gateway', 'CPU.20261206.014930.10525.0.001.cpuprofile'), JSON.stringify(gatewayProfile));
    writeFileSync(join(dir, 'gateway', 'CPU.20261206.014930.10525.1.002.cpuprofile'), JSON.stringify(gatewayProfile));
    mkdirSync(join(dir, 'apollo-http'));
    const summary = summarizeRunDir(dir, { gateway: 10, 'apollo-http': 20 }, { gateway: 0.005 });
    expect(summary.targets.map((target) => target.target)).toEqual(['gateway']);
    expect(summary.targets[0]?.files).toEqual(['CPU.20261206.014930.10525.0.001.cpuprofile']);
    expect(summary.targets[0]?.usPerOrder).toBe(295);
    expect(summary.targets[0]?.otherThreadsBusyUs).toBe(3950);
    // The process's CPU over its life (5000 µs), less the profile's start-up (1000 µs), per order.
    expect(summary.targets[0]?.processCpuUsPerOrder).toBe(400);
    expect(summary.missing).toEqual(['apollo-http']);
  });
});
