// CI: the frontend example as a team would use it. Generates its types and trusted-documents
// manifest from the committed schema, type-checks it, builds the gateway, then:
//   1. the Node walk-through (src/walk-through.ts) against a live gateway that runs
//      TRUSTED_DOCUMENTS_ONLY with the example's manifest, and a check that an operation
//      outside the manifest is refused; then the refusal walk-through
//      (src/refusal-walk-through.ts) against a gateway with API keys, a connection cap of 2
//      and a small request limit: which error class Apollo Client 4 throws for each error
//      status (503, 401, 403, 413, 431, 429), read by the example's one error function;
//   2. the built browser app (vite build, VITE_TRUSTED_DOCUMENTS=true) in Debian's Chromium,
//      driven by playwright-core: place an order, see the replay on retry, look the key up,
//      see three violations beside three fields, see the network outcome once the gateway is
//      stopped; and the gateway's Sandbox page with Apollo's CDN blocked;
//   3. the app built without the flag against a gateway without a manifest: operations go as
//      text, and no request is answered PERSISTED_QUERY_NOT_SUPPORTED.
// Every state the browser reached is saved as examples/frontend/screenshots/<n>-<state>.png
// (gitignored), and the page at a failure as failure-<state>.png. Any failure fails.
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples', 'frontend');
const screenshots = join(example, 'screenshots');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(command, args, cwd, env = process.env) {
  console.log(`$ (${cwd === root ? '.' : 'examples/frontend'}) ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, env, stdio: 'inherit' });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

run(npm, ['ci', '--no-audit', '--no-fund'], example);
run(npm, ['run', 'codegen'], example);
run(npm, ['run', 'typecheck'], example);
run(npm, ['run', '--silent', 'build'], root);
// playwright-core is the example's dependency: it drives the Chromium installed on the machine and downloads no browser.
const { chromium } = createRequire(join(example, 'package.json'))('playwright-core');

/** The built app, served as any static host would: files from dist/, index.html for the rest. */
async function startStaticServer(folder) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.svg': 'image/svg+xml' };
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(folder, path);
    if (!file.startsWith(folder) || !existsSync(file) || statSync(file).isDirectory()) file = join(folder, 'index.html');
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((done) => server.close(done)) };
}

/** The built gateway on port 0 and its embedded simulator; resolves once it logs its URL. */
async function startGateway(env) {
  const dataDir = mkdtempSync(join(tmpdir(), 'csss-frontend-example-'));
  const gateway = spawn(process.execPath, ['--max-old-space-size=1024', '--max-semi-space-size=32', 'dist/src/main.js'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolveExit) => gateway.once('exit', (code, signal) => resolveExit({ code, signal })));
  const stop = async () => {
    if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const graphqlUrl = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error('the gateway did not start within 60 s')), 60_000);
      exited.then(({ code, signal }) => reject(new Error(`the gateway exited before it was ready (${code ?? signal})`)));
      createInterface({ input: gateway.stdout }).on('line', (line) => {
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        if (entry.level >= 40) console.log(`gateway: ${entry.msg}`);
        if (typeof entry.graphqlUrl === 'string') {
          clearTimeout(timer);
          resolveUrl(entry.graphqlUrl);
        }
      });
    });
    console.log(`gateway ready at ${graphqlUrl}`);
    return { graphqlUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Builds the app for one gateway; VITE_* settings are fixed at build time. */
function buildApp(graphqlUrl, trustedDocuments) {
  run(npm, ['run', 'build', '--', '--logLevel', 'warn'], example, {
    ...process.env,
    VITE_GATEWAY_URL: graphqlUrl,
    VITE_TRUSTED_DOCUMENTS: String(trustedDocuments),
  });
}

/** Runs one state of the browser test, saving what the page showed whether it held or not. */
let shot = 0;
async function step(page, state, action) {
  shot += 1;
  try {
    await action();
    await page.screenshot({ path: join(screenshots, `${shot}-${state}.png`), fullPage: true });
    console.log(`browser: ${state}`);
  } catch (error) {
    await page.screenshot({ path: join(screenshots, `failure-${shot}-${state}.png`), fullPage: true }).catch(() => {});
    throw new Error(`browser, ${state}: ${error.message}`, { cause: error });
  }
}

/**
 * Every request the page sends the gateway: its JSON body and the code of each error in the
 * answer. `settled()` waits until every answer seen so far has been read.
 */
function recordGatewayTraffic(page, graphqlUrl) {
  const traffic = [];
  const reading = [];
  page.on('requestfinished', (request) => {
    if (request.method() !== 'POST' || !request.url().startsWith(graphqlUrl)) return;
    const entry = { body: request.postDataJSON(), codes: [] };
    traffic.push(entry);
    reading.push(
      request
        .response()
        .then((response) => response?.json())
        .then((answer) => (entry.codes = (answer?.errors ?? []).map((error) => error.extensions?.code)))
        .catch(() => {}),
    );
  });
  return { traffic, settled: () => Promise.all(reading).then(() => traffic) };
}

rmSync(screenshots, { recursive: true, force: true });
mkdirSync(screenshots, { recursive: true });
const app = await startStaticServer(join(example, 'dist'));
const browser = await chromium.launch({
  executablePath: chromiumPath,
  // CI runs as root, where Chromium's sandbox cannot start; the rest keeps it from calling home.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const stops = [];
try {
  // No CORS_ORIGINS for either browser run: on the embedded simulator with AUTH_MODE=none
  // the gateway accepts http://127.0.0.1:* (the app's origin here) by default, which the
  // browser steps prove. A gateway in any other mode would need the app's origin listed.
  const trusted = await startGateway({
    TRUSTED_DOCUMENTS_FILE: join(example, 'src', 'gql', 'persisted-documents.json'),
    TRUSTED_DOCUMENTS_ONLY: 'true',
  });
  stops.push(trusted.stop);

  run(npm, ['run', 'walk-through'], example, { ...process.env, GATEWAY_URL: trusted.graphqlUrl, TRUSTED_DOCUMENTS: 'true' });
  const refused = await fetch(trusted.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ ordersSimulated }' }),
  });
  const body = await refused.json();
  check(
    refused.status === 400 && body.errors?.[0]?.extensions?.code === 'OPERATION_NOT_TRUSTED',
    `an operation outside the manifest was not refused: HTTP ${refused.status} ${JSON.stringify(body)}`,
  );
  console.log('an operation outside the manifest: refused with OPERATION_NOT_TRUSTED');

  // Error statuses through the example's own Apollo Client: API keys for a 401 and a 403,
  // two connections held open for a 503, a burst of 5 requests for a 429.
  const { generateApiKey } = await import(pathToFileURL(join(root, 'dist', 'src', 'auth', 'api-key-store.js')).href);
  const apiKey = generateApiKey('frontend-example', ['ota:order']);
  const readOnlyKey = generateApiKey('frontend-example-read-only', ['ota:read']);
  const heldConnections = 2;
  const guarded = await startGateway({
    AUTH_MODE: 'apikey',
    AUTH_API_KEYS: JSON.stringify([apiKey.record, readOnlyKey.record]),
    HTTP_MAX_CONNECTIONS: String(heldConnections),
    REQUEST_RATE_LIMIT_PER_SECOND: '1',
    REQUEST_RATE_LIMIT_BURST: '5',
  });
  stops.push(guarded.stop);
  run(npm, ['run', 'walk-through:refusals'], example, {
    ...process.env,
    GATEWAY_URL: guarded.graphqlUrl,
    GATEWAY_API_KEY: apiKey.key,
    GATEWAY_API_KEY_WITHOUT_ORDER_SCOPE: readOnlyKey.key,
    HELD_CONNECTIONS: String(heldConnections),
  });
  await guarded.stop();

  // Sandbox where Apollo's CDN cannot be reached (as behind a proxy that blocks it).
  const sandbox = await browser.newPage();
  await sandbox.route(/apollographql\.com|fonts\.(googleapis|gstatic)\.com/, (route) => route.abort('blockedbyclient'));
  await step(sandbox, 'sandbox-without-cdn', async () => {
    await sandbox.goto(trusted.graphqlUrl);
    const operation = sandbox.locator('#sandbox-fallback-operation');
    await operation.waitFor({ state: 'visible' });
    check((await operation.innerText()).includes('mutation OrderOtaPlanExample'), 'the fallback does not show the example operation');
    const curl = await sandbox.locator('#sandbox-fallback-curl').innerText();
    check(curl.startsWith(`curl -s ${trusted.graphqlUrl} `), `the curl does not call this page's address: ${curl.slice(0, 80)}`);
    const key = JSON.parse(await sandbox.locator('#sandbox-fallback-variables').innerText()).input.idempotencyKey;
    check(typeof key === 'string' && curl.includes(key), "the curl does not carry the page's idempotency key");
    // The text must be readable: at full opacity once Apollo's fade-in has run.
    await sandbox.waitForFunction(() => getComputedStyle(document.getElementById('sandbox-fallback')).opacity === '1');
  });
  await sandbox.close();

  buildApp(trusted.graphqlUrl, true);
  const page = await browser.newPage();
  const recorded = recordGatewayTraffic(page, trusted.graphqlUrl);
  await page.goto(app.origin);
  const outcome = page.locator('[aria-label="outcome"] .outcome');
  let orderId;
  await step(page, 'placed', async () => {
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('.outcome[data-kind="placed"]').waitFor();
    orderId = await page.getByTestId('order-id').innerText();
    check(orderId.startsWith('ORDER_'), `no order id: ${orderId}`);
    check((await page.getByTestId('replayed').innerText()) === 'no', 'a new order shows as replayed');
  });
  await step(page, 'replayed-on-retry', async () => {
    await page.getByRole('button', { name: 'Retry with the same key' }).click();
    await page.getByTestId('replayed').filter({ hasText: /^yes/ }).waitFor();
    check((await page.getByTestId('order-id').innerText()) === orderId, 'the retry shows another order');
    check((await outcome.getAttribute('data-kind')) === 'placed', 'the retry is not shown as placed');
  });
  await step(page, 'looked-up', async () => {
    await page.getByRole('button', { name: 'Look up' }).click();
    await page
      .locator('.lookup')
      .filter({ hasText: `SUCCEEDED: order ${orderId}` })
      .waitFor();
  });
  await step(page, 'three-violations', async () => {
    await page.getByLabel('ICCID').fill('not-an-iccid');
    await page.getByLabel('Days').fill('0');
    await page.getByLabel('Amount paid').fill('-5');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('.outcome[data-kind="refused"]').waitFor();
    const fields = await page.locator('.field .violation').evaluateAll((found) => found.map((element) => element.dataset.field).sort());
    check(JSON.stringify(fields) === JSON.stringify(['days', 'deviceId', 'payAmount']), `violations beside ${JSON.stringify(fields)}`);
    for (const field of ['deviceId', 'days', 'payAmount']) {
      // Beside its field: in the same row as the input it is about.
      const row = page.locator('.field').filter({ has: page.locator(`[name="${field}"]`) });
      check((await row.locator('.violation').count()) === 1, `no violation beside ${field}`);
    }
  });
  const traffic = await recorded.settled();
  check(
    traffic.length > 0 && traffic.every(({ body }) => body.query === undefined && body.extensions?.persistedQuery?.sha256Hash),
    `with VITE_TRUSTED_DOCUMENTS=true every operation must go by hash alone: ${JSON.stringify(traffic.map(({ body }) => Object.keys(body)))}`,
  );
  await trusted.stop();
  await step(page, 'network-outcome', async () => {
    await page.getByLabel('ICCID').fill('89852202101130001670');
    await page.getByLabel('Days').fill('364');
    await page.getByLabel('Amount paid').fill('0');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('.outcome[data-kind="network"]').waitFor({ timeout: 20_000 });
    check(await page.getByRole('button', { name: 'Retry with the same key' }).isVisible(), 'no retry offered after a network failure');
  });
  await page.close();

  // Plain text against a gateway without a manifest.
  const plain = await startGateway({});
  stops.push(plain.stop);
  buildApp(plain.graphqlUrl, false);
  const plainPage = await browser.newPage();
  const plainRecorded = recordGatewayTraffic(plainPage, plain.graphqlUrl);
  await plainPage.goto(app.origin);
  await step(plainPage, 'placed-as-text', async () => {
    await plainPage.getByRole('button', { name: 'Place order' }).click();
    await plainPage.locator('.outcome[data-kind="placed"]').waitFor();
    await plainPage.getByRole('button', { name: 'Look up' }).click();
    await plainPage.locator('.lookup[data-kind="found"]').waitFor();
  });
  const plainTraffic = await plainRecorded.settled();
  check(
    plainTraffic.length === 2 && plainTraffic.every(({ body, codes }) => typeof body.query === 'string' && codes.length === 0),
    `without trusted documents every operation must go as text, answered without errors: ${JSON.stringify(plainTraffic)}`,
  );
  console.log(`frontend example: every browser state held; screenshots in ${screenshots}`);
} finally {
  await browser.close();
  for (const stop of stops.reverse()) await stop();
  await app.close();
}
