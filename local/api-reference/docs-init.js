// Swagger UI over the OpenAPI document beside this page. Offline: the validator badge (a call
// to a public service) is off. Locally the page signs in through POST /local/token and
// pre-fills the bearer token, so "Try it out" works at once.
const settings = JSON.parse(document.getElementById('docs-settings').textContent);

async function preauthorize(ui) {
  if (!settings.localSignInUser) return;
  try {
    const response = await fetch(new URL('../local/token', window.location.href), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: settings.localSignInUser }),
    });
    const { data } = await response.json();
    ui.preauthorizeApiKey('bearerAuth', data.token);
  } catch {
    // Without it the page still works: paste a token with "Authorize".
  }
}

window.ui = window.SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  onComplete: () => preauthorize(window.ui),
});
