import { AsyncLocalStorage } from 'node:async_hooks';

/** What one HTTP request carries through every layer without threading it by hand. */
export interface RequestScope {
  requestId: string;
  /** Milliseconds spent waiting for CSSS in this request, for its log line. */
  csssMs: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The current request's scope, or undefined outside a request (start-up, CLI). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
