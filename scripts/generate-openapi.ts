import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../shared/openapi/openapi-document';

/** Writes docs/openapi.json (deployed routes only) from the route table. `--check` fails if it is stale. */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const target = `${repoRoot}docs/openapi.json`;
const { version } = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')) as { version: string };

export const renderOpenApiFile = () =>
  `${JSON.stringify(buildOpenApiDocument({ includeLocalOnly: false, version }), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rendered = renderOpenApiFile();
  if (process.argv.includes('--check')) {
    const current = (() => {
      try {
        return readFileSync(target, 'utf8');
      } catch {
        return '';
      }
    })();
    if (current !== rendered) {
      console.error('docs/openapi.json is out of date: run `npm run openapi`.');
      process.exit(1);
    }
    console.log('docs/openapi.json is up to date.');
  } else {
    writeFileSync(target, rendered);
    console.log(`Wrote ${target}`);
  }
}
