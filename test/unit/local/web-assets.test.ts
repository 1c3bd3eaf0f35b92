import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../../local/gateway';
import { apiReferenceFiles, buildAppFiles, underPrefix } from '../../../local/web-assets';
import { agents } from '../../../shared/schemas/agents';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const text = (body: string | Uint8Array) =>
  typeof body === 'string' ? body : new TextDecoder().decode(body);

describe('the web app build', () => {
  it('bundles the app and the client without zod, the server code or the agents’ system prompts', async () => {
    const files = await buildAppFiles(repoRoot);
    const script = text(files['/app.js']?.body ?? '');
    const map = JSON.parse(text(files['/app.js.map']?.body ?? '{}')) as { sources: string[] };

    expect(Object.keys(files).sort()).toEqual(['/app.css', '/app.js', '/app.js.map', '/index.html']);
    expect(files['/app.js']?.contentType).toBe('text/javascript; charset=utf-8');
    expect(map.sources.filter((source) => /zod|shared\/|functions\//.test(source))).toEqual([]);
    expect(map.sources).toContain('../../client/chat-stream.ts');
    for (const agent of agents) {
      expect(script).toContain(agent.type);
      expect(script).not.toContain(agent.systemPrompt.slice(0, 40));
    }
  });

  it('links only files of its own origin from index.html', async () => {
    const html = text((await buildAppFiles(repoRoot))['/index.html']?.body ?? '');

    expect(html).toMatch(/<script type="module" src="app.js">/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain("script-src 'self'");
  });
});

describe('the API reference files', () => {
  it('are Swagger UI from its package, the document, and the sign-in user only when asked', () => {
    const published = apiReferenceFiles(repoRoot, { openApi: { openapi: '3.1.0' } });
    const local = apiReferenceFiles(repoRoot, { openApi: { openapi: '3.1.0' }, localSignInUser: 'alice' });

    expect(Object.keys(published)).toEqual(
      expect.arrayContaining([
        'index.html',
        'swagger-ui-bundle.js',
        'swagger-ui.css',
        'openapi.json',
        'websocket.html',
      ]),
    );
    expect(text(published['index.html']?.body ?? '')).toContain('{"localSignInUser":null}');
    expect(text(local['index.html']?.body ?? '')).toContain('{"localSignInUser":"alice"}');
    expect(text(published['docs-init.js']?.body ?? '')).toContain('validatorUrl: null');
    expect(JSON.parse(text(published['openapi.json']?.body ?? ''))).toEqual({ openapi: '3.1.0' });
  });
});

describe('the local gateway serving static documents', () => {
  it('serves bytes and text, answers HEAD without a body, and redirects a folder to its slash', async () => {
    const gateway = await startGateway({
      routes: [],
      verifier: { verify: () => Promise.reject(new Error('no tokens here')) } as never,
      corsAllowedOrigins: ['*'],
      repoRoot,
      staticDocuments: underPrefix('/docs/', {
        'index.html': { contentType: 'text/html', body: '<p>reference</p>' },
        'logo.png': { contentType: 'image/png', body: new Uint8Array([137, 80, 78, 71]) },
      }),
    });
    try {
      const folder = await fetch(`${gateway.url}/docs?x=1`, { redirect: 'manual' });
      const image = await fetch(`${gateway.url}/docs/logo.png`);
      const head = await fetch(`${gateway.url}/docs/index.html`, { method: 'HEAD' });
      const missing = await fetch(`${gateway.url}/docs/nothing.js`);

      expect(folder.status).toBe(308);
      expect(folder.headers.get('location')).toBe('/docs/?x=1');
      expect([...new Uint8Array(await image.arrayBuffer())]).toEqual([137, 80, 78, 71]);
      expect(image.headers.get('x-content-type-options')).toBe('nosniff');
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      expect(missing.status).toBe(404);
    } finally {
      await gateway.close();
    }
  });
});
