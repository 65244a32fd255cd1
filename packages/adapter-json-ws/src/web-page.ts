import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The browser chat beside the sources (`web/` is published with the package). */
export const WEB_PAGE_FILE = new URL('../web/index.html', import.meta.url);

/** Paths that serve the page; every other plain HTTP path keeps answering 426. */
const PAGE_PATHS = new Set(['/', '/index.html']);

/** The chat page, read once at start: its bytes and the headers it is always served with. */
export interface WebPage {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** `'sha256-…'` sources for every inline `<tag>` body, so the CSP allows exactly those and no other. */
function inlineHashes(html: string, tag: 'script' | 'style'): string {
  const pattern = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'gi');
  const hashes = [...html.matchAll(pattern)].map(
    ([, body = '']) => `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`,
  );
  return hashes.length > 0 ? hashes.join(' ') : "'none'";
}

/**
 * A policy that allows nothing but the page's own inline script and style (by hash) and a
 * WebSocket back to the same host and port ('self' covers ws:/wss: in CSP Level 3 browsers).
 */
export function contentSecurityPolicy(html: string): string {
  return [
    "default-src 'none'",
    `script-src ${inlineHashes(html, 'script')}`,
    `style-src ${inlineHashes(html, 'style')}`,
    "connect-src 'self'",
    // The page's `<link rel="icon" href="data:,">` keeps the browser from asking for /favicon.ico.
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function loadWebPage(file: URL | string = WEB_PAGE_FILE): Promise<WebPage> {
  const body = await readFile(file);
  return {
    body,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(body.byteLength),
      'content-security-policy': contentSecurityPolicy(body.toString('utf8')),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    },
  };
}

/** Answers the request when it asks for the page (GET or HEAD; 405 for other methods); false otherwise. */
export function serveWebPage(page: WebPage, request: IncomingMessage, response: ServerResponse): boolean {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  if (!PAGE_PATHS.has(query < 0 ? url : url.slice(0, query))) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    response.end('the chat page only answers GET and HEAD\n');
    return true;
  }
  response.writeHead(200, page.headers);
  // Node leaves the body out of a HEAD answer by itself; the headers stay those of the GET.
  response.end(page.body);
  return true;
}
