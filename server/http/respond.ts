/** JSON answers and small JSON request bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** Reads a small JSON body. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > maxBytes) return { ok: false, error: `body larger than ${maxBytes} bytes` };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, error: 'body: not valid JSON' };
  }
}
