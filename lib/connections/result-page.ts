import { CLOSE_AFTER_MS, CONNECT_CHANNEL, connectedMessage } from "./messages";

/**
 * Server only. The page a provider's OAuth callback answers with, in the connect popup: the same
 * outcome the consent page shows ("Connected. You can close this window."), and on success the
 * same message to the opener (postMessage with the app's own origin as target) and on the
 * BroadcastChannel, then the popup closes itself. The address bar loses the callback's query
 * (code, state) at once. Self-contained HTML: the callback is a route, not a page.
 */
export interface ConnectResult {
  provider: string;
  displayName: string;
  ok: boolean;
  /** Shown under the heading; plain text. */
  message: string;
  status: number;
  headers?: Record<string, string>;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** JSON inside a <script>: no `<` (so no `</script>`), no line separators. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

export function connectResultPage(r: ConnectResult): Response {
  const heading = r.ok ? `${r.displayName} connected` : `${r.displayName} was not connected`;
  const announce = r.ok
    ? `var m=${scriptJson(connectedMessage(r.provider))};` +
      `try{if(window.opener)window.opener.postMessage(m,location.origin)}catch(e){}` +
      `try{var c=new BroadcastChannel(${scriptJson(CONNECT_CHANNEL)});c.postMessage(m);c.close()}catch(e){}` +
      `setTimeout(function(){window.close()},${CLOSE_AFTER_MS});`
    : "";
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>Connect an account · Foundry Agent Chat</title>
<style>body{font-family:system-ui,sans-serif;margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1.5rem;box-sizing:border-box}main{max-width:28rem}p{line-height:1.5}</style>
</head>
<body>
<main>
<h1>${escapeHtml(heading)}</h1>
<p role="${r.ok ? "status" : "alert"}">${escapeHtml(r.message)}</p>
</main>
<script>history.replaceState(null,"",location.pathname);${announce}</script>
</body>
</html>
`;
  return new Response(html, {
    status: r.status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-robots-tag": "noindex",
      ...r.headers,
    },
  });
}
