import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import * as esbuild from 'esbuild';
import { agents } from '../shared/schemas/agents';

/**
 * The static files of the reference web app (app/) and of the API reference page, built in
 * memory: `npm start` serves them from the local gateway, and `npm run build:app` /
 * `npm run build:docs` write the same files into dist/ for hosting. No business logic here.
 */
export interface StaticFile {
  readonly contentType: string;
  readonly body: string | Uint8Array;
}
export type StaticFiles = Record<string, StaticFile>;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
};
export const contentTypeOf = (path: string) =>
  contentTypes[/\.[a-z]+$/.exec(path)?.[0] ?? ''] ?? 'application/octet-stream';

/** Browsers this app supports: the last two years of evergreen browsers. */
const BROWSER_TARGETS = ['chrome111', 'firefox115', 'safari16.4', 'edge111'];

/** The app: index.html, app.css, app.js (minified ES module) and its source map. Paths from `/`. */
export async function buildAppFiles(repoRoot: string): Promise<StaticFiles> {
  const result = await esbuild.build({
    entryPoints: [join(repoRoot, 'app/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: BROWSER_TARGETS,
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    write: false,
    // Source maps name sources relative to the repository, not to this machine's folders.
    absWorkingDir: repoRoot,
    outdir: join(repoRoot, 'dist/app'),
    entryNames: 'app',
    // The agents come from the server's list, without their system prompts.
    define: {
      CAREGUIDE_AGENTS: JSON.stringify(agents.map(({ type, description }) => ({ type, description }))),
    },
    logLevel: 'silent',
  });
  const files: StaticFiles = {};
  for (const output of result.outputFiles) {
    files[`/${basename(output.path)}`] = { contentType: contentTypeOf(output.path), body: output.contents };
  }
  for (const name of ['index.html', 'app.css']) {
    files[`/${name}`] = {
      contentType: contentTypeOf(name),
      body: readFileSync(join(repoRoot, 'app', name), 'utf8'),
    };
  }
  return files;
}

export interface ApiReferenceOptions {
  readonly openApi: object;
  /**
   * Locally: the page signs in as this user through `POST /local/token` and pre-fills the
   * token, so "Try it out" works at once. Absent in the published artifact.
   */
  readonly localSignInUser?: string;
}

/**
 * The API reference: Swagger UI from its npm package (no CDN), the OpenAPI document beside it,
 * and the WebSocket frames page. Paths relative to the reference's own folder (`/docs/` locally).
 */
export function apiReferenceFiles(repoRoot: string, options: ApiReferenceOptions): StaticFiles {
  const swaggerUi = join(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'), '..');
  const ownFile = (name: string) => readFileSync(join(repoRoot, 'local/api-reference', name), 'utf8');
  // index.html carries the published defaults; the local page gets its sign-in user instead.
  const defaultSettings = '{"localSignInUser":null}';
  const settings = JSON.stringify({ localSignInUser: options.localSignInUser ?? null }).replace(
    /</g,
    '\\u003c',
  );
  const files: StaticFiles = {
    'index.html': {
      contentType: contentTypeOf('.html'),
      body: ownFile('index.html').replace(defaultSettings, settings),
    },
    'docs-init.js': { contentType: contentTypeOf('.js'), body: ownFile('docs-init.js') },
    'docs.css': { contentType: contentTypeOf('.css'), body: ownFile('docs.css') },
    'websocket.html': { contentType: contentTypeOf('.html'), body: ownFile('websocket.html') },
    'openapi.json': { contentType: contentTypeOf('.json'), body: JSON.stringify(options.openApi, null, 2) },
  };
  for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']) {
    files[name] = { contentType: contentTypeOf(name), body: readFileSync(join(swaggerUi, name)) };
  }
  return files;
}

/**
 * Files keyed by their path under `prefix` (e.g. `/docs/`), as the gateway serves them; the
 * folder itself answers with its index.html.
 */
export function underPrefix(prefix: string, files: StaticFiles): StaticFiles {
  const served: StaticFiles = {};
  for (const [path, file] of Object.entries(files)) {
    const name = path.replace(/^\//, '');
    served[`${prefix}${name}`] = file;
    if (name === 'index.html') served[prefix] = file;
  }
  return served;
}
