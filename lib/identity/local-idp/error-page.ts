import { getConfig } from "@/lib/config";

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/**
 * The rare failure after the sign-in form was posted (expired or replayed form). Plain semantic
 * HTML without inline script or style, so it renders under any CSP and follows the system theme.
 */
export function signInErrorPage(message: string, status: number): Response {
  const home = getConfig().appUrl;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Sign-in failed · Foundry Agent Chat</title></head>
<body><main><h1>Sign-in failed</h1><p role="alert">${escape(message)}</p>
<p><a href="${escape(home)}/">Return to Foundry Agent Chat</a></p></main></body></html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}
