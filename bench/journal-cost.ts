/**
 * What the SQLite order journal's order path costs in CPU per order, in one process and
 * without HTTP or GraphQL: concurrent loops of claim (a new key) → the next turn of the
 * event loop (where the gateway sends the order) → record SUCCEEDED, on a fresh journal
 * file on the disk the bench's gateways use, the WAL sync included. CPU is
 * `process.cpuUsage()` (every thread: the syncs on libuv's pool count) over the measured
 * orders. With JOURNAL_COST_BASELINE=<git ref> that commit's journal is built too and both
 * are measured in the same process, interleaved round by round, so a change is measured
 * before and after on the same machine at the same moment.
 * Run: `npm run build && tsc -p bench/tsconfig.json && node dist/bench/journal-cost.js`
 * (bench/README.md lists the settings).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { OrderJournal } from '../src/journal/order-journal.js';
import { fingerprintOrder } from '../src/orders/ota-order.fingerprint.js';
import { EXAMPLE_ORDER_INPUT } from '../src/orders/ota-order.example.js';
import { PackageType, PayResult, PayType } from '../src/orders/ota-order.model.js';
import { baselineCheckoutPath, buildBaseline, removeBaselineCheckout, resolveBaselineCommit } from './baseline.js';
import { RESULTS_DIR, ROOT } from './bench-paths.js';
import { fixed, ratio, say } from './progress.js';

type JournalClass = new (options: { path: string; pendingStaleAfterMs: number }) => OrderJournal;
interface Build {
  name: string;
  Journal: JournalClass;
}

const positiveIntegers = (name: string, fallback: string): number[] => {
  const values = (process.env[name]?.trim() || fallback).split(',').map(Number);
  if (values.length === 0 || values.some((value) => !Number.isSafeInteger(value) || value < 1)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got "${process.env[name]}"`);
  }
  return values;
};
const LOOPS = positiveIntegers('JOURNAL_COST_LOOPS', '1,8,32');
const [ORDERS = 5_000] = positiveIntegers('JOURNAL_COST_ORDERS', '5000');
const [ROUNDS = 5] = positiveIntegers('JOURNAL_COST_ROUNDS', '5');
const BASELINE_REF = process.env.JOURNAL_COST_BASELINE?.trim() || undefined;
/** Not the bench's own baseline checkout, so the two never remove each other's build. */
const BASELINE_PATH = `${baselineCheckoutPath(ROOT)}-journal-cost`;
const DATA_DIR = join(RESULTS_DIR, 'journal-cost.tmp');

// The order the gateway journals for the bench's request: the example with GraphQL's defaults, normalized by the service's own code.
const { normalized, fingerprint } = fingerprintOrder({
  ...EXAMPLE_ORDER_INPUT,
  packageType: PackageType.DAILY,
  payRst: PayResult.UNPAID,
  payType: PayType.ALIPAY,
  orderPeriod: 1,
  isOpen: false,
  globalOrder: false,
  testFlow: '0',
  testFlowFlag: false,
});
const SUCCEEDED = { status: 'SUCCEEDED', simId: 'SIM-0001', orderId: 'L201903020000000617', orderTime: '2026-12-06 10:00:00' } as const;

/** `orders` claims and records over `loops` concurrent loops, each key new; CPU µs per order. */
async function measure(journal: OrderJournal, keyPrefix: string, loops: number, orders: number): Promise<number> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < orders) {
      const idempotencyKey = `${keyPrefix}-${next}`;
      next += 1;
      const claim = await journal.claim({ clientId: 'bench-client', idempotencyKey, fingerprint, request: normalized });
      if (claim.kind !== 'claimed') throw new Error(`a new key was answered ${claim.kind}`);
      await nextTurn();
      if (!(await journal.record(claim.attempt.id, SUCCEEDED))) throw new Error('an outcome was not recorded');
    }
  };
  const started = process.cpuUsage();
  await Promise.all(Array.from({ length: loops }, loop));
  const used = process.cpuUsage(started);
  return (used.user + used.system) / orders;
}

/** The median of each build's rounds at one loop count, each round on a fresh journal file. */
async function measureLevel(builds: Build[], loops: number): Promise<Map<string, number>> {
  const perBuild = new Map<string, number[]>(builds.map((build) => [build.name, []]));
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Which build goes first alternates, so neither always runs on a process the other warmed.
    for (const build of round % 2 === 1 ? builds : [...builds].reverse()) {
      const dir = join(DATA_DIR, `${build.name.replace(/\W/g, '_')}-${loops}-${round}`);
      mkdirSync(dir, { recursive: true });
      const journal = new build.Journal({ path: join(dir, 'orders.sqlite'), pendingStaleAfterMs: 60_000 });
      try {
        await measure(journal, 'warm-up', loops, Math.min(2_000, ORDERS));
        perBuild.get(build.name)!.push(await measure(journal, 'measured', loops, ORDERS));
      } finally {
        await journal.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return new Map([...perBuild].map(([name, values]) => [name, median(values)]));
}

async function loadJournal(root: string): Promise<JournalClass> {
  const module = (await import(pathToFileURL(join(root, 'dist/src/journal/sqlite-order-journal.js')).href)) as {
    SqliteOrderJournal: JournalClass;
  };
  return module.SqliteOrderJournal;
}

async function main(): Promise<void> {
  const builds: Build[] = [{ name: 'this checkout', Journal: await loadJournal(ROOT) }];
  if (BASELINE_REF !== undefined) {
    const baseline = resolveBaselineCommit(ROOT, BASELINE_REF);
    say(`building ${baseline.shortCommit} (${BASELINE_REF}) in ${BASELINE_PATH}`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const built = await buildBaseline(
      ROOT,
      baseline,
      BASELINE_PATH,
      join(RESULTS_DIR, 'journal-cost-baseline.log.tmp'),
      new AbortController().signal,
    );
    builds.push({ name: `${BASELINE_REF} (${built.shortCommit})`, Journal: await loadJournal(built.root) });
  }
  const compared = builds.length > 1 ? [`${builds[0]!.name} ÷ ${builds[1]!.name}`] : [];
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const lines = [
    `Journal cost: CPU µs per order (claim + record SUCCEEDED), median of ${ROUNDS} rounds of ${ORDERS} orders, Node ${process.version}`,
    '',
    row(['loops', ...builds.map((build) => build.name), ...compared]),
    row(['---:', ...builds.map(() => '---:'), ...compared.map(() => '---:')]),
  ];
  try {
    for (const loops of LOOPS) {
      say(`${loops} concurrent loops`);
      const cost = await measureLevel(builds, loops);
      const change = compared.length > 0 ? [ratio(cost.get(builds[0]!.name), cost.get(builds[1]!.name))] : [];
      lines.push(row([String(loops), ...builds.map((build) => fixed(cost.get(build.name), 1)), ...change]));
    }
  } finally {
    rmSync(DATA_DIR, { recursive: true, force: true });
    if (BASELINE_REF !== undefined) removeBaselineCheckout(ROOT, BASELINE_PATH);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
