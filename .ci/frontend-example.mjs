// CI: generate the frontend example's types and trusted-documents manifest from the committed
// schema, type-check and build it, then run it against a live gateway (the built gateway
// on port 0, its embedded simulator, TRUSTED_DOCUMENTS_ONLY with that manifest). Any
// failure fails. Also checks that an operation outside the manifest is refused.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples', 'frontend');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, cwd, env = process.env) {
  console.log(`$ (${cwd === root ? '.' : 'examples/frontend'}) ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, env, stdio: 'inherit' });
}

run(npm, ['ci', '--no-audit', '--no-fund'], example);
run(npm, ['run', 'codegen'], example);
run(npm, ['run', 'build'], example); // tsc: the type check, then the JavaScript the next step runs
run(npm, ['run', '--silent', 'build'], root);

const dataDir = mkdtempSync(join(tmpdir(), 'csss-frontend-example-'));
const gateway = spawn(process.execPath, ['--max-old-space-size=1024', '--max-semi-space-size=32', 'dist/src/main.js'], {
  cwd: root,
  env: {
    ...process.env,
    PORT: '0',
    // The metrics listener too: any free port, never a clash over 9464.
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    TRUSTED_DOCUMENTS_FILE: join(example, 'src', 'gql', 'persisted-documents.json'),
    TRUSTED_DOCUMENTS_ONLY: 'true',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = new Promise((resolveExit) => gateway.once('exit', (code, signal) => resolveExit({ code, signal })));

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

  run(process.execPath, ['dist/src/main.js'], example, { ...process.env, GATEWAY_URL: graphqlUrl });

  const refused = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ ordersSimulated }' }),
  });
  const body = await refused.json();
  if (refused.status !== 400 || body.errors?.[0]?.extensions?.code !== 'OPERATION_NOT_TRUSTED') {
    throw new Error(`an operation outside the manifest was not refused: HTTP ${refused.status} ${JSON.stringify(body)}`);
  }
  console.log('an operation outside the manifest: refused with OPERATION_NOT_TRUSTED');
} finally {
  gateway.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
