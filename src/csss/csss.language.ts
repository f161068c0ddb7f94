import Negotiator from 'negotiator';
import { CSSS_LANGUAGES, type CsssLanguage } from './csss.wire.js';

export function isCsssLanguage(value: string): value is CsssLanguage {
  return (CSSS_LANGUAGES as readonly string[]).includes(value);
}

/**
 * Picks the CSSS language for a caller's `Accept-Language` header, honouring q-values
 * and language prefixes (`en` → `en-US`). The fallback is listed first so that `*`, a
 * missing header, or only unsupported languages all give the configured default.
 */
export function negotiateCsssLanguage(acceptLanguage: string | undefined, fallback: CsssLanguage): CsssLanguage {
  if (!acceptLanguage) return fallback;
  const preference = [fallback, ...CSSS_LANGUAGES.filter((language) => language !== fallback)];
  const chosen = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language(preference);
  return chosen !== undefined && isCsssLanguage(chosen) ? chosen : fallback;
}
