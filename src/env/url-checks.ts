/** Whether a text is an http:// or https:// URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Whether a text is a URL with one of these protocols (`redis:`, `postgres:`…). */
export function hasProtocol(text: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Loopback traffic never leaves the machine, so plain text there is safe (local work, tests). */
export function isLoopbackUrl(text: string): boolean {
  const { hostname } = new URL(text);
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.[0-9]{1,3}){3}$/.test(hostname);
}

export function isHttpsOrLoopback(text: string): boolean {
  return new URL(text).protocol === 'https:' || isLoopbackUrl(text);
}
