/**
 * The targets issue 10 sets for every contender (the gateway, and any other target the bench
 * marks `contender`), checked against one run's numbers: each line says what was measured
 * and whether the target is met. A check whose numbers the run did not produce (a target
 * or a connection count left out) is `not measured`, never met. The check builders are
 * shared with cost-goals.ts (issue 22's goals).
 */

/** Limits from issue 10's "Targets". */
export const ISSUE_TARGETS = {
  /** The throughput and p99 targets hold at each of these connection counts. */
  connections: [32, 64],
  minThroughputVsPeer: 1.4,
  minThroughputVsApolloHttp: 0.8,
  /** p50 at 1 connection ≤ apollo-http's p50 plus one journal sync. */
  p50Connections: 1,
  maxFastPeakRssMb: 200,
  maxSlowAddedP50Ms: 25,
  maxSlowAddedP99Ms: 100,
  maxSlowPeakRssMb: 300,
} as const;

/** One target at one connection count under the closed-loop (autocannon) load. */
export interface FastResult {
  target: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerOrder: number | undefined;
  peakRssMb: number | undefined;
  /** Requests that did not end in an order: non-2xx, socket errors, timeouts, GraphQL errors. */
  failed: number;
}

/** One target under the slow-upstream open-loop load; the baseline is the simulator called directly. */
export interface SlowResult {
  target: string;
  p50Ms: number;
  p99Ms: number;
  /** Orders not placed: refusals, errors, timeouts. */
  failed: number;
  peakRssMb: number | undefined;
}

export type Verdict = 'met' | 'not met' | 'not measured';

export interface TargetCheck {
  target: string;
  check: string;
  measured: string;
  verdict: Verdict;
}

export interface CheckInput {
  contenders: readonly { name: string; slowUpstream: boolean }[];
  fast: readonly FastResult[];
  /** Undefined when the slow-upstream scenario did not run. */
  slow: { baseline: SlowResult | undefined; results: readonly SlowResult[] } | undefined;
  /** The median synced journal commit, in ms. */
  syncMedianMs: number | undefined;
  peer: string;
  apolloHttp: string;
}

export const finite = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);
export const times = (value: number): string => `${value.toFixed(2)}×`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;
export const mb = (value: number): string => `${value.toFixed(1)} MB`;
export const verdict = (ok: boolean): Verdict => (ok ? 'met' : 'not met');

export const notMeasured = (target: string, check: string, why: string): TargetCheck => ({
  target,
  check,
  measured: why,
  verdict: 'not measured',
});

export const findFast = (fast: readonly FastResult[], target: string, connections: number): FastResult | undefined =>
  fast.find((result) => result.target === target && result.connections === connections);

/** `name`'s req/s ≥ `minimum` × `reference`'s at `connections`, with the ratio CPU per order implies beside it. */
export function throughputCheck(
  fast: readonly FastResult[],
  name: string,
  reference: string,
  minimum: number,
  connections: number,
): TargetCheck {
  const check = `req/s ≥ ${minimum}× ${reference} at ${connections} connections`;
  const [own, ref] = [findFast(fast, name, connections), findFast(fast, reference, connections)];
  if (!own || !ref || !(ref.requestsPerSecond > 0)) {
    return notMeasured(
      name,
      check,
      `no ${!own ? name : reference} ${!own || !ref ? 'measurement' : 'orders placed'} at ${connections} connections`,
    );
  }
  const throughput = own.requestsPerSecond / ref.requestsPerSecond;
  // The same ratio from CPU per order: what each would serve with the CPU to itself.
  const byCpu =
    finite(own.cpuUsPerOrder) && finite(ref.cpuUsPerOrder) && own.cpuUsPerOrder > 0 ? ref.cpuUsPerOrder / own.cpuUsPerOrder : undefined;
  const cpuSays = byCpu === undefined ? '' : `by CPU per order ${times(byCpu)}; `;
  const disagree =
    byCpu !== undefined && byCpu >= minimum !== throughput >= minimum ? ` (CPU per order says ${verdict(byCpu >= minimum)})` : '';
  return { target: name, check, measured: `${cpuSays}by req/s ${times(throughput)}${disagree}`, verdict: verdict(throughput >= minimum) };
}

/** `name`'s p99 ≤ `reference`'s at `connections`. */
export function p99Check(fast: readonly FastResult[], name: string, reference: string, connections: number): TargetCheck {
  const check = `p99 ≤ ${reference}'s p99 at ${connections} connections`;
  const [own, ref] = [findFast(fast, name, connections), findFast(fast, reference, connections)];
  if (!own || !ref || !finite(own.p99Ms) || !finite(ref.p99Ms))
    return notMeasured(name, check, `no p99 for both at ${connections} connections`);
  return { target: name, check, measured: `${ms(own.p99Ms)} against ${ms(ref.p99Ms)}`, verdict: verdict(own.p99Ms <= ref.p99Ms) };
}

/** `name`'s highest peak RSS over every fast measurement < `maxMb`. */
export function fastPeakRssCheck(fast: readonly FastResult[], name: string, maxMb: number): TargetCheck {
  const peaks = fast
    .filter((result) => result.target === name)
    .map((result) => result.peakRssMb)
    .filter(finite);
  const check = `peak RSS < ${maxMb} MB in the fast scenarios`;
  if (peaks.length === 0) return notMeasured(name, check, 'no RSS read');
  const peak = Math.max(...peaks);
  return { target: name, check, measured: mb(peak), verdict: verdict(peak < maxMb) };
}

/** The slow-upstream limits on `name`: added p50 and p99 over the direct call, no errors, peak RSS. */
export function slowUpstreamChecks(
  slow: CheckInput['slow'],
  name: string,
  limits: { maxAddedP50Ms: number; maxAddedP99Ms: number; maxPeakRssMb: number },
): TargetCheck[] {
  const slowChecks = [
    `slow upstream: p50 added over the direct call ≤ ${limits.maxAddedP50Ms} ms`,
    `slow upstream: p99 added over the direct call ≤ ${limits.maxAddedP99Ms} ms`,
    'slow upstream: no errors',
    `slow upstream: peak RSS < ${limits.maxPeakRssMb} MB`,
  ] as const;
  const own = slow?.results.find((result) => result.target === name);
  const baseline = slow?.baseline;
  if (!own) return slowChecks.map((check) => notMeasured(name, check, 'the slow-upstream scenario did not run'));
  const added = (ownMs: number, baseMs: number | undefined, limit: number, check: string): TargetCheck =>
    !finite(baseMs) || !finite(ownMs)
      ? notMeasured(name, check, 'no successful orders on one side')
      : {
          target: name,
          check,
          measured: `${ms(ownMs - baseMs)} (${ms(ownMs)} against ${ms(baseMs)})`,
          verdict: verdict(ownMs - baseMs <= limit),
        };
  return [
    added(own.p50Ms, baseline?.p50Ms, limits.maxAddedP50Ms, slowChecks[0]),
    added(own.p99Ms, baseline?.p99Ms, limits.maxAddedP99Ms, slowChecks[1]),
    { target: name, check: slowChecks[2], measured: `${own.failed} failed`, verdict: verdict(own.failed === 0) },
    finite(own.peakRssMb)
      ? { target: name, check: slowChecks[3], measured: mb(own.peakRssMb), verdict: verdict(own.peakRssMb < limits.maxPeakRssMb) }
      : notMeasured(name, slowChecks[3], 'no RSS read'),
  ];
}

/** Issue 10's targets for every contender, in the order the report lists them. */
export function checkTargets(input: CheckInput): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const contender of input.contenders) {
    const name = contender.name;
    for (const [reference, minimum] of [
      [input.peer, ISSUE_TARGETS.minThroughputVsPeer],
      [input.apolloHttp, ISSUE_TARGETS.minThroughputVsApolloHttp],
    ] as const) {
      for (const connections of ISSUE_TARGETS.connections) checks.push(throughputCheck(input.fast, name, reference, minimum, connections));
    }
    for (const connections of ISSUE_TARGETS.connections) checks.push(p99Check(input.fast, name, input.peer, connections));

    {
      const connections = ISSUE_TARGETS.p50Connections;
      const check = `p50 at ${connections} connection ≤ ${input.apolloHttp}'s p50 + one journal sync`;
      const [own, ref] = [findFast(input.fast, name, connections), findFast(input.fast, input.apolloHttp, connections)];
      if (!own || !ref || !finite(input.syncMedianMs)) {
        checks.push(notMeasured(name, check, `needs ${name} and ${input.apolloHttp} at ${connections} connection and the sync time`));
      } else {
        const limit = ref.p50Ms + input.syncMedianMs;
        checks.push({
          target: name,
          check,
          measured: `${ms(own.p50Ms)} against ${ms(ref.p50Ms)} + ${ms(input.syncMedianMs)} = ${ms(limit)}`,
          verdict: verdict(own.p50Ms <= limit),
        });
      }
    }

    checks.push(fastPeakRssCheck(input.fast, name, ISSUE_TARGETS.maxFastPeakRssMb));
    const own = input.fast.filter((result) => result.target === name);
    if (own.length > 0) {
      const failed = own.reduce((sum, result) => sum + result.failed, 0);
      checks.push({
        target: name,
        check: 'no failed requests in the fast scenarios',
        measured: `${failed} failed`,
        verdict: verdict(failed === 0),
      });
    }

    if (contender.slowUpstream) {
      checks.push(
        ...slowUpstreamChecks(input.slow, name, {
          maxAddedP50Ms: ISSUE_TARGETS.maxSlowAddedP50Ms,
          maxAddedP99Ms: ISSUE_TARGETS.maxSlowAddedP99Ms,
          maxPeakRssMb: ISSUE_TARGETS.maxSlowPeakRssMb,
        }),
      );
    }
  }
  return checks;
}
