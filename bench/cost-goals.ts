/**
 * Issue 22's goals, checked against one run's numbers measured side by side with the cheap
 * upstream: the gateway's CPU per order against apollo-http's (Apollo Server's own cost), the
 * PostgreSQL journal's against the SQLite one's, throughput and p99 against the peer, the
 * slow-upstream limits of the last round, and peak RSS. A goal the run did not measure is
 * `not measured`, never met.
 */
import {
  fastPeakRssCheck,
  findFast,
  finite,
  notMeasured,
  p99Check,
  slowUpstreamChecks,
  throughputCheck,
  times,
  verdict,
  type CheckInput,
  type FastResult,
  type TargetCheck,
} from './target-checks.js';

export const COST_GOALS = {
  /** Every ratio below holds at each of these connection counts. */
  connections: [32, 64],
  /** The gateway (SQLite) spends at most this much CPU per order as apollo-http. */
  maxCpuVsApolloHttp: 1.5,
  /** The gateway on PostgreSQL spends at most this much CPU per order as on SQLite. */
  maxPostgresCpuVsSqlite: 1.2,
  minThroughputVsPeer: 1.3,
  minPostgresThroughputVsPeer: 1,
  maxPeakRssMb: 256,
  maxSlowAddedP50Ms: 25,
  maxSlowAddedP99Ms: 100,
} as const;

export interface CostGoalInput {
  fast: readonly FastResult[];
  slow: CheckInput['slow'];
  /** The gateway on the SQLite journal, and on PostgreSQL. */
  gateway: string;
  gatewayPostgres: string;
  peer: string;
  apolloHttp: string;
}

/** `name`'s CPU per order ≤ `maximum` × `reference`'s at `connections`. */
function cpuCheck(fast: readonly FastResult[], name: string, reference: string, maximum: number, connections: number): TargetCheck {
  const check = `CPU per order ≤ ${maximum}× ${reference}'s at ${connections} connections`;
  const [own, ref] = [findFast(fast, name, connections), findFast(fast, reference, connections)];
  if (!own || !ref || !finite(own.cpuUsPerOrder) || !finite(ref.cpuUsPerOrder) || !(ref.cpuUsPerOrder > 0)) {
    return notMeasured(name, check, `no CPU per order for ${name} and ${reference} at ${connections} connections`);
  }
  const ratio = own.cpuUsPerOrder / ref.cpuUsPerOrder;
  return {
    target: name,
    check,
    measured: `${times(ratio)} (${own.cpuUsPerOrder.toFixed(0)} µs against ${ref.cpuUsPerOrder.toFixed(0)} µs)`,
    verdict: verdict(ratio <= maximum),
  };
}

/** The goals for the SQLite gateway first, then for the PostgreSQL one, in the order the report lists them. */
export function checkCostGoals(input: CostGoalInput): TargetCheck[] {
  const { fast, gateway, gatewayPostgres, peer, apolloHttp } = input;
  const each = (check: (connections: number) => TargetCheck): TargetCheck[] => COST_GOALS.connections.map(check);
  return [
    ...each((connections) => cpuCheck(fast, gateway, apolloHttp, COST_GOALS.maxCpuVsApolloHttp, connections)),
    ...each((connections) => throughputCheck(fast, gateway, peer, COST_GOALS.minThroughputVsPeer, connections)),
    ...each((connections) => p99Check(fast, gateway, peer, connections)),
    fastPeakRssCheck(fast, gateway, COST_GOALS.maxPeakRssMb),
    ...slowUpstreamChecks(input.slow, gateway, {
      maxAddedP50Ms: COST_GOALS.maxSlowAddedP50Ms,
      maxAddedP99Ms: COST_GOALS.maxSlowAddedP99Ms,
      maxPeakRssMb: COST_GOALS.maxPeakRssMb,
    }),
    ...each((connections) => cpuCheck(fast, gatewayPostgres, gateway, COST_GOALS.maxPostgresCpuVsSqlite, connections)),
    ...each((connections) => throughputCheck(fast, gatewayPostgres, peer, COST_GOALS.minPostgresThroughputVsPeer, connections)),
    fastPeakRssCheck(fast, gatewayPostgres, COST_GOALS.maxPeakRssMb),
  ];
}
