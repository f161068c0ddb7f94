import Negotiator from 'negotiator';
import { CSSS_LANGUAGES, type CsssLanguage } from './csss.wire.js';

function isCsssLanguage(value: string): value is CsssLanguage {
  return (CSSS_LANGUAGES as readonly string[]).includes(value);
}

/**
 * Headers negotiated before, per fallback language. Clients send the same few
 * Accept-Language values on every request, and negotiating one (Negotiator parses the
 * header each time) cost about 1 µs per call measured alone, more on the request path. The answer depends only on the header
 * and the fallback. Long headers are not kept, and the map is emptied when it is full,
 * so a client sending made-up values cannot grow it.
 */
const negotiated = new Map<CsssLanguage, Map<string, CsssLanguage>>();
const MAX_CACHED_HEADERS = 1_000;
const MAX_CACHED_HEADER_LENGTH = 256;

/**
 * Picks the CSSS language for a caller's `Accept-Language` header, honouring q-values
 * and language prefixes (`en` → `en-US`). The fallback is listed first so that `*`, a
 * missing header, or only unsupported languages all give the configured default.
 */
export function negotiateCsssLanguage(acceptLanguage: string | undefined, fallback: CsssLanguage): CsssLanguage {
  if (!acceptLanguage) return fallback;
  let known = negotiated.get(fallback);
  const cached = known?.get(acceptLanguage);
  if (cached !== undefined) return cached;
  const language = negotiate(acceptLanguage, fallback);
  if (acceptLanguage.length <= MAX_CACHED_HEADER_LENGTH) {
    if (!known) negotiated.set(fallback, (known = new Map()));
    if (known.size >= MAX_CACHED_HEADERS) known.clear();
    known.set(acceptLanguage, language);
  }
  return language;
}

function negotiate(acceptLanguage: string, fallback: CsssLanguage): CsssLanguage {
  const preference = [fallback, ...CSSS_LANGUAGES.filter((language) => language !== fallback)];
  const chosen = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language(preference);
  return chosen !== undefined && isCsssLanguage(chosen) ? chosen : fallback;
}
