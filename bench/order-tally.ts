/**
 * Orders placed through each target instance over its whole life (correctness check,
 * warm-ups, every measurement), by instance name (`gateway`, `gateway-slow`, ...). A CPU
 * profile covers the process's whole life, so its µs per order divides by this count, not
 * by one measurement's (profile-summary.ts).
 */
const placedByInstance = new Map<string, number>();

export function tallyPlaced(instance: string, orders: number): void {
  placedByInstance.set(instance, (placedByInstance.get(instance) ?? 0) + orders);
}

/** Every instance's count so far, as written to profiles/orders.json. */
export function placedOrders(): Record<string, number> {
  return Object.fromEntries(placedByInstance);
}
