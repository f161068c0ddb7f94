/**
 * ICCIDs that make the embedded simulator misbehave on purpose, so that every error
 * code can be seen from Apollo Sandbox and exercised by tests. Any other well-formed
 * ICCID is ordered successfully. The README lists these.
 */
export const SIMULATOR_ICCIDS = {
  /** CSSS answers with its envelope, `success: false` and a "SIM card not found" code. */
  rejected: '89860000000000000404',
  /** CSSS answers HTTP 500. */
  serverError: '89860000000000000500',
  /** CSSS accepts the request and never answers; no order is placed (queryOrder lists none). */
  hang: '89860000000000000408',
  /** CSSS places the order, then never answers; queryOrder lists the order. */
  answerWithheld: '89860000000000000409',
  /** CSSS answers 200 with an HTML page instead of JSON. */
  garbage: '89860000000000000200',
  /** CSSS answers 200 with JSON cut off in the middle. */
  truncated: '89860000000000000206',
} as const;

type SimulatorScenario = keyof typeof SIMULATOR_ICCIDS;

/** The misbehaviour an ICCID asks for, or undefined for an ordinary SIM. */
export function findSimulatorScenario(iccid: string): SimulatorScenario | undefined {
  const entry = Object.entries(SIMULATOR_ICCIDS).find(([, value]) => value === iccid);
  return entry?.[0] as SimulatorScenario | undefined;
}
