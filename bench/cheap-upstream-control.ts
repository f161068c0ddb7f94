/**
 * The runner's side of the cheap upstream (cheap-upstream-server.ts): switching it from
 * `checked` to `cheap` once the correctness checks are done, and reading how many orders each
 * mode answered, so the report shows that the measurements ran against the cheap answer.
 */

/** The mode switch and the counts live under this path; not a CSSS path, so no target ever calls it. */
export const CHEAP_UPSTREAM_CONTROL_PATH = '/bench/upstream';

export interface CheapUpstreamState {
  mode: 'checked' | 'cheap';
  /** Orders the simulator checked and answered. */
  checkedOrders: number;
  /** Orders answered at once without a check. */
  cheapOrders: number;
}

export async function switchToCheapAnswers(baseUrl: string): Promise<void> {
  const response = await fetch(`${baseUrl}${CHEAP_UPSTREAM_CONTROL_PATH}/cheap`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  await response.arrayBuffer();
  if (response.status !== 204) throw new Error(`the cheap upstream refused to switch to cheap answers: HTTP ${response.status}`);
}

export async function readCheapUpstreamState(baseUrl: string): Promise<CheapUpstreamState> {
  const response = await fetch(`${baseUrl}${CHEAP_UPSTREAM_CONTROL_PATH}`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`the cheap upstream did not report its state: HTTP ${response.status}`);
  return (await response.json()) as CheapUpstreamState;
}
