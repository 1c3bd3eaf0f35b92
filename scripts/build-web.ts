import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { apiReferenceFiles, buildAppFiles, type StaticFiles } from '../local/web-assets';
import { buildOpenApiDocument } from '../shared/openapi/openapi-document';

/**
 * `npm run build:app`: the reference web app as static files in dist/app (host them anywhere,
 * with a config.json beside index.html: see the README). `npm run build:docs`: the API reference
 * (Swagger UI, the OpenAPI document of the deployed routes, the WebSocket page) in dist/docs.
 * The same files `npm start` serves.
 */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

function write(folder: string, files: StaticFiles) {
  const target = join(repoRoot, 'dist', folder);
  rmSync(target, { recursive: true, force: true });
  let total = 0;
  for (const [path, file] of Object.entries(files)) {
    const destination = join(target, path);
    mkdirSync(dirname(destination), { recursive: true });
    writeFileSync(destination, file.body);
    const bytes = typeof file.body === 'string' ? Buffer.byteLength(file.body) : file.body.byteLength;
    total += bytes;
    const gzip = gzipSync(file.body).byteLength;
    console.log(
      `  ${join('dist', folder, path).padEnd(36)} ${(bytes / 1024).toFixed(1).padStart(8)} KB  (gzip ${(gzip / 1024).toFixed(1)} KB)`,
    );
  }
  console.log(`Wrote dist/${folder} (${(total / 1024).toFixed(1)} KB)`);
}

const what = process.argv[2];
if (what === 'app') {
  write('app', await buildAppFiles(repoRoot));
} else if (what === 'docs') {
  write(
    'docs',
    apiReferenceFiles(repoRoot, { openApi: buildOpenApiDocument({ includeLocalOnly: false, version }) }),
  );
} else {
  console.error('usage: tsx scripts/build-web.ts app|docs');
  process.exit(2);
}
