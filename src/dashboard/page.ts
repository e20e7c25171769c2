/** The one HTML page: no inline script or style, so `default-src 'self'` holds without exceptions. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Playpulse</title>
<link rel="stylesheet" href="/dashboard/app.css">
<script type="module" src="/dashboard/app.js"></script>
</head>
<body>
<noscript>The Playpulse dashboard needs JavaScript.</noscript>
<div id="app" aria-live="polite"></div>
</body>
</html>
`;

/** Every request stays on the origin: scripts, styles, images, fetches, forms, frames. */
export const CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
