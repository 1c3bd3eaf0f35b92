/**
 * A self-contained API reference page (no scripts or styles from the internet): the OpenAPI
 * document rendered as HTML at build time. Dev tooling only.
 */
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

interface Operation {
  operationId?: string;
  summary?: string;
  deprecated?: boolean;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface DocumentShape {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: unknown;
}

export function renderApiReferencePage(openApiDocument: object): string {
  const document = openApiDocument as DocumentShape;
  const json = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = (operation.parameters ?? [])
        .map((p) => `<li><code>${escapeHtml(p.name)}</code> (${p.in}${p.required ? ', required' : ''})</li>`)
        .join('');
      const responses = Object.entries(operation.responses ?? {})
        .map(([status, response]) => `<li><b>${status}</b> ${escapeHtml(response.description ?? '')}</li>`)
        .join('');
      sections.push(`<section id="${escapeHtml(operation.operationId ?? '')}">
<h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${operation.deprecated ? ' <em>(deprecated)</em>' : ''}${operation.security?.length ? ' 🔒' : ''}</h2>
<p>${escapeHtml(operation.summary ?? '')}</p>
${parameters ? `<h3>Parameters</h3><ul>${parameters}</ul>` : ''}
${operation.requestBody ? `<details><summary>Request body</summary>${json(operation.requestBody)}</details>` : ''}
<h3>Responses</h3><ul>${responses}</ul>
<details><summary>Response schemas</summary>${json(operation.responses)}</details>
</section>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)} — API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd;padding:.5rem 0}
.m{font:bold 12px monospace;padding:2px 6px;border-radius:4px;color:#fff;background:#555}.get{background:#2a7}.post{background:#27c}.patch{background:#c82}.delete{background:#c33}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:12px}</style></head>
<body><h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description ?? '')}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${sections.join('\n')}
<details><summary>Components</summary>${json(document.components)}</details>
</body></html>`;
}
