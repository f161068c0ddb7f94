/**
 * Which AREA of a process a V8 CPU profile sample belongs to, from the sampled function's
 * URL and, for natives, its caller: the gateway's folders (`dist/src/<folder>/…` → journal,
 * graphql, http, …), packages (`node_modules/<package>`, a few grouped by the area they
 * serve), Node's modules grouped by what they do, V8's own lines and start-up.
 * profile-summary.ts sums self time per area; bench/README.md lists the rules.
 */

/** The part of a V8 profile node the area depends on. */
export interface ProfileFrame {
  functionName: string;
  url: string;
}

/** Left out of the busy time: the event loop waiting. */
export const IDLE = '(idle)';
/** Module loading and compiling: reported on its own line, outside the per-order figures. */
export const START_UP = 'start-up (module loading, compiling)';

/** Packages that do one area's work, charged to that area rather than shown apart. */
const PACKAGE_AREAS: Record<string, string> = {
  'better-sqlite3': 'journal',
  pg: 'journal',
  'pg-pool': 'journal',
  'pg-protocol': 'journal',
  'pg-types': 'journal',
  'pg-connection-string': 'journal',
  'postgres-array': 'journal',
  'postgres-date': 'journal',
  'postgres-interval': 'journal',
  'postgres-bytea': 'journal',
  pino: 'logging',
  'pino-std-serializers': 'logging',
  '@pinojs/redact': 'logging',
  'fast-redact': 'logging',
  'sonic-boom': 'logging',
  'thread-stream': 'logging',
  'quick-format-unescaped': 'logging',
  'on-exit-leak-free': 'logging',
  'atomic-sleep': 'logging',
  // The gateway has a graphql folder of its own.
  graphql: 'graphql-js',
};

/** The gateway's files directly in src/ that belong to an area. */
const SRC_FILE_AREAS: Record<string, string> = { logger: 'logging' };

/** Node's modules by what they do, first match wins; the rest is `node (other)`. */
const NODE_AREAS: ReadonlyArray<[RegExp, string]> = [
  [/^node:internal\/(?:modules|bootstrap|main)\//, START_UP],
  [/^node:internal\/deps\/undici\//, "undici (Node's fetch)"],
  [/^node:(?:_http_|http$|internal\/http)/, 'node HTTP'],
  [/^node:(?:net$|internal\/net$|internal\/stream_base_commons$)/, 'node sockets'],
  [/^node:(?:stream(?:\/|$)|internal\/streams\/|internal\/webstreams\/)/, 'node streams'],
  [/^node:(?:crypto$|internal\/crypto\/)/, 'node crypto'],
  [
    /^node:(?:timers(?:\/|$)|internal\/timers$|internal\/process\/task_queues$|internal\/process\/promises$|internal\/fixed_queue$|internal\/priority_queue$|internal\/linkedlist$)/,
    'timers/microtasks',
  ],
  [/^node:(?:events$|internal\/events\/|internal\/event_target$|internal\/abort_controller$)/, 'node events'],
  [/^node:(?:async_hooks$|internal\/async_hooks$|internal\/async_context_frame$|internal\/async_local_storage\/)/, 'node async context'],
  [/^node:(?:buffer$|internal\/buffer$|string_decoder$|internal\/encoding$)/, 'node buffers'],
  [/^node:(?:url$|internal\/url$)/, 'node URL'],
  [/^node:(?:perf_hooks$|internal\/perf\/)/, 'node perf_hooks'],
  [/^node:(?:diagnostics_channel$)/, 'node diagnostics_channel'],
];

/** Natives that write to a socket, whoever called them. */
const SOCKET_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

/** Frames charged to their caller: file writes are the journal's fsync or the log's write, so they go to whoever wrote. */
const isPassThrough = (url: string): boolean => url === 'node:fs' || url.startsWith('node:internal/fs/');

/** Functions that compile code wherever they are called from. */
const COMPILING = new Set([
  'compileSourceTextModule',
  'wrapSafe',
  'compileFunction',
  'compileFunctionForCJSLoader',
  'compileForInternalLoader',
]);

/** The package of a path under node_modules (the last one, so nested installs count as themselves). */
function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = url.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : parts[0];
}

/**
 * The area of one frame. `callerArea` is the area of the frame that called it (undefined at
 * the root); natives and file-system frames take it, and anything called from start-up is
 * start-up too.
 */
export function areaOf(frame: ProfileFrame, callerArea: string | undefined): string {
  const { functionName, url } = frame;
  if (callerArea === START_UP || COMPILING.has(functionName)) return START_UP;
  if (functionName === '(idle)') return IDLE;
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)' || functionName === '(root)') return '(program)';
  if (url === '' || url.startsWith('wasm://')) {
    // Natives (RegExps, JSON.parse, bindings, undici's llhttp in wasm): the caller's work.
    if (SOCKET_WRITES.has(functionName)) return 'socket writes';
    if (functionName === 'runMicrotasks') return 'timers/microtasks';
    return callerArea ?? `native ${functionName || '(anonymous)'}`;
  }
  if (isPassThrough(url)) return callerArea ?? 'node fs';
  const built = /\/(?:dist|\.dist-[0-9a-f]+)\/(src|bench)\/(.+)$/.exec(url);
  const pkg = packageOf(url);
  if (pkg !== undefined) return PACKAGE_AREAS[pkg] ?? pkg;
  if (built) {
    const [first = '', ...rest] = built[2]!.split('/');
    if (built[1] === 'bench') return `bench ${first.replace(/\.js$/, '')}`;
    const stem = first.replace(/\.js$/, '');
    return rest.length > 0 ? stem : (SRC_FILE_AREAS[stem] ?? `src/${first}`);
  }
  if (url.startsWith('node:')) return NODE_AREAS.find(([pattern]) => pattern.test(url))?.[1] ?? 'node (other)';
  return `other ${url.split('/').slice(-2).join('/')}`;
}
