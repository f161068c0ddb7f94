import { createHash } from 'node:crypto';
import { Kind, parse, type DocumentNode } from 'graphql';
import { OPERATION_COMPLEXITY } from './operation-complexity.rules.js';

/**
 * Trusted documents: the operations a frontend ships, known to the gateway ahead of time.
 * GraphQL Code Generator's client preset writes them as a manifest, `{ "<hash>": "<document>" }`
 * (its `persistedDocuments` option, with `hashAlgorithm: 'sha256'`), and Apollo Client sends
 * such a document by hash alone in the automatic-persisted-queries wire format
 * (`extensions.persistedQuery.sha256Hash`), which Apollo Server already understands.
 */

/** The hash APQ uses and Apollo Server checks a sent query against: SHA-256, hex. */
export function documentHash(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

/** The client preset writes SHA-256 hashes as `sha256:<hex>`; APQ sends bare hex. Both name one document. */
const SHA256_PREFIX = 'sha256:';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The bare hex of a hash in either spelling. */
function normalizedHash(hash: string): string {
  return hash.startsWith(SHA256_PREFIX) ? hash.slice(SHA256_PREFIX.length) : hash;
}

/**
 * Reads one manifest. Every hash must be the SHA-256 of its document (as `sha256:<hex>` or
 * bare hex): a hash made another way (say `hashAlgorithm: 'sha1'`) could never match the
 * text a client sends, and Apollo Server would refuse it ("provided sha does not match
 * query"), so that mistake is caught at start-up. Keys are stored as bare hex.
 */
export function parseTrustedDocumentManifest(text: string): Map<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new Error("must be a JSON object of hash → document, as GraphQL Code Generator's persistedDocuments writes it");
  }
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (typeof document !== 'string') throw new Error(`maps ${hash} to something other than a document string`);
    const hex = normalizedHash(hash);
    if (!SHA256_HEX.test(hex) || documentHash(document) !== hex) {
      throw new Error(
        `has ${hash}, which is not the SHA-256 of its document; generate it with persistedDocuments: { hashAlgorithm: 'sha256' }`,
      );
    }
    documents.set(hex, document);
  }
  return documents;
}

/** The slice of an HTTP GraphQL request that says which operation it asks for. */
export interface OperationRequest {
  method: string;
  /** The URL's query string, where a GET carries its operation. */
  search: string;
  /** The parsed JSON body of a POST. */
  body: unknown;
}

/** Apollo Server prefixes every key of its persisted-query cache with this. */
const APQ_KEY_PREFIX = 'apq:';

export class TrustedDocuments {
  constructor(private readonly documents: ReadonlyMap<string, string>) {}

  get size(): number {
    return this.documents.size;
  }

  /**
   * Apollo Server's persisted-query cache, read from the manifests: a client may send a
   * trusted document's hash alone. It never learns new documents, so nobody can register
   * operations through it (what automatic persisted queries would allow).
   */
  apolloPersistedQueryCache(): { get(key: string): Promise<string | undefined>; set(): Promise<void>; delete(): Promise<boolean> } {
    return {
      get: async (key) => this.documents.get(normalizedHash(key.startsWith(APQ_KEY_PREFIX) ? key.slice(APQ_KEY_PREFIX.length) : key)),
      set: async () => {},
      delete: async () => false,
    };
  }

  /**
   * Whether a request asks only for trusted operations: by hash, or by the exact text of a
   * trusted document. Requests that name no operation at all (the Sandbox page, a batch,
   * an empty body) pass, because Apollo answers them without executing anything. With
   * `allowIntrospection`, an operation that only introspects passes too, so Sandbox and
   * codegen can read the schema wherever the production rules let them.
   */
  admits(request: OperationRequest, allowIntrospection: boolean): boolean {
    const { query, hash } = requestedOperation(request);
    if (query === undefined && hash === undefined) return true;
    if (hash !== undefined) return this.documents.has(hash) && (query === undefined || documentHash(query) === hash);
    if (this.documents.has(documentHash(query!))) return true;
    return allowIntrospection && isIntrospectionOnly(query!);
  }
}

function requestedOperation(request: OperationRequest): { query?: string; hash?: string } {
  let query: unknown;
  let extensions: unknown;
  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    query = params.get('query') ?? undefined;
    const extensionsText = params.get('extensions');
    try {
      extensions = extensionsText === null ? undefined : JSON.parse(extensionsText);
    } catch {
      // An unreadable extensions parameter carries no trusted hash; Apollo refuses it anyway.
      extensions = undefined;
    }
  } else if (typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)) {
    ({ query, extensions } = request.body as { query?: unknown; extensions?: unknown });
  }
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  return {
    // Anything but a string (or a hash that is not a string) can never match a manifest entry.
    query: query === undefined || query === null ? undefined : typeof query === 'string' ? query : '',
    hash: hash === undefined ? undefined : typeof hash === 'string' ? normalizedHash(hash) : '',
  };
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

function isIntrospectionOnly(query: string): boolean {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: OPERATION_COMPLEXITY.maxTokens });
  } catch {
    return false;
  }
  // Fragments may only add fields under __schema/__type, which introspect too.
  return document.definitions.every(
    (definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ||
      (definition.kind === Kind.OPERATION_DEFINITION &&
        definition.operation === 'query' &&
        definition.selectionSet.selections.every(
          (selection) => selection.kind === Kind.FIELD && INTROSPECTION_FIELDS.has(selection.name.value),
        )),
  );
}
