/** The name of a (client, key, attempt) slot: one string, so slots can key maps. */
export function claimSlotName(clientId: string, idempotencyKey: string, attemptNo: number): string {
  return JSON.stringify([clientId, idempotencyKey, attemptNo]);
}

/**
 * Which (client, key, attempt) slots this process is using: INSERTs awaiting their reply,
 * and attempts it claimed and has not recorded yet. When a claim's reply is lost, the row
 * may be undone (marked NOT_SENT by owner) only while no other call of this process uses
 * the slot: a PENDING row of this owner there is then the lost INSERT's own, not another
 * call's live attempt about to be sent.
 */
export class PostgresClaimSlots {
  readonly #users = new Map<string, number>();
  /** The slot of each attempt claimed and not yet recorded. */
  readonly #held = new Map<number, string>();

  /** An INSERT into the slot starts; returns the slot's name for `leave` and `holdFor`. */
  enter(clientId: string, idempotencyKey: string, attemptNo: number): string {
    const slot = claimSlotName(clientId, idempotencyKey, attemptNo);
    this.#users.set(slot, (this.#users.get(slot) ?? 0) + 1);
    return slot;
  }

  /** One user is done with the slot; true when no call of this process uses it any more. */
  leave(slot: string): boolean {
    const users = (this.#users.get(slot) ?? 1) - 1;
    if (users > 0) {
      this.#users.set(slot, users);
      return false;
    }
    this.#users.delete(slot);
    return true;
  }

  /** The INSERT claimed the slot as `attemptId`: it stays in use until that attempt's outcome is recorded. */
  holdFor(attemptId: number, slot: string): void {
    this.#held.set(attemptId, slot);
  }

  /** The attempt's outcome is being recorded: its slot is free. An attempt this process did not claim is ignored. */
  release(attemptId: number): void {
    const slot = this.#held.get(attemptId);
    if (slot === undefined) return;
    this.#held.delete(attemptId);
    this.leave(slot);
  }
}
