/**
 * The API reference page at /docs: Swagger UI (the swagger-ui-dist package) rendering /openapi.json, every file
 * served by the service itself. What the page loads, and the CSP that allows exactly that, are decided here.
 */

export const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** The renderer's files, served from its npm package: the standalone bundle and its stylesheet. */
export const RENDERER_FILES = {
  'swagger-ui-bundle.js': JAVASCRIPT,
  'swagger-ui.css': 'text/css; charset=utf-8',
} as const;
export type RendererFile = keyof typeof RENDERER_FILES;

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mms-media API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" href="data:,">
</head>
<body>
<noscript><p>This page needs JavaScript. The API document itself is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

/**
 * The page's own script (a file, as the CSP allows no inline script). validatorUrl null: no badge fetched from
 * validator.swagger.io. The key typed under "Authorize" stays in this page's memory (persistAuthorization off: never
 * in localStorage) and is sent as X-API-Key by "Try it out", as the document declares on every /v1 operation.
 * "Try it out" calls the service that served the page: the document's `servers` may name a public address (a
 * proxy's) that this browser cannot reach, or that CSP and CORS would refuse as another origin.
 */
export const DOCS_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: true,
  validatorUrl: null,
  persistAuthorization: false,
  requestInterceptor: (request) => {
    const url = new URL(request.url, location.href);
    request.url = location.origin + url.pathname + url.search;
    return request;
  },
});
`;

/**
 * Only the service's own files: no inline script, no eval, and no inline style either (Swagger UI sets its styles
 * through the DOM, which CSP allows; the browser test checks that nothing is refused). "Try it out" calls this
 * origin only (see DOCS_SCRIPT). data: images: icons in the stylesheet.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
