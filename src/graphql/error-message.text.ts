/**
 * Text rules for the messages of request errors, which graphql-js writes with the
 * caller's own values and names in them. Both functions walk a message once, without
 * regular expressions, so a value of any size costs time in proportion to its length.
 */

/** The most characters of one echoed value, quoted string or unbroken run a message keeps. */
export const ECHO_CAP = 100;

const ELLIPSIS = '…';
const SUGGESTION_START = 'Did you mean ';

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** The first `max` UTF-16 units of text, without splitting a surrogate pair. */
function head(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Where the quoted string starting at `start` ends (after its closing quote), skipping `\"`. */
function quotedEnd(message: string, start: number): number {
  for (let index = start + 1; index < message.length; index++) {
    const char = message[index];
    if (char === '\\') index++;
    else if (char === '"') return index + 1;
  }
  return message.length;
}

/**
 * The message with every echoed value cut to ECHO_CAP characters and `…`: each quoted
 * string (graphql-js quotes string values, names and suggestions), each unbroken run of
 * other characters (a long number, an unquoted object key) and each run of white space.
 * A 64 KiB value in a variable thus costs a client about 100 characters of answer.
 */
export function capEchoedValues(message: string): string {
  if (message.length <= ECHO_CAP) return message;
  let capped = '';
  let start = 0;
  while (start < message.length) {
    let end: number;
    if (message[start] === '"') {
      end = quotedEnd(message, start);
    } else {
      const space = isSpace(message.charCodeAt(start));
      end = start + 1;
      while (end < message.length && message[end] !== '"' && isSpace(message.charCodeAt(end)) === space) end++;
    }
    const part = message.slice(start, end);
    if (part.length <= ECHO_CAP) capped += part;
    else capped += part.startsWith('"') ? `"${head(part.slice(1), ECHO_CAP)}${ELLIPSIS}"` : `${head(part, ECHO_CAP)}${ELLIPSIS}`;
    start = end;
  }
  return capped;
}

/**
 * The message without graphql-js's "did you mean" hints (` Did you mean the enum value
 * "DAILY"?`, ` Did you mean "a" or "b"?`), which reveal the schema's names. Each hint ends
 * at the next `?`; names hold none.
 */
export function withoutSuggestionText(message: string): string {
  let at = message.indexOf(SUGGESTION_START);
  if (at === -1) return message;
  let kept = '';
  let from = 0;
  while (at !== -1) {
    const end = message.indexOf('?', at);
    if (end === -1) break;
    kept += message.slice(from, at).trimEnd();
    from = end + 1;
    at = message.indexOf(SUGGESTION_START, from);
  }
  return kept + message.slice(from);
}
