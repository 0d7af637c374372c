// Node-only: a static file server for `shrink studio` (and the browser tests):
// 127.0.0.1 by default, cross-origin isolated (COOP/COEP, so SharedArrayBuffer
// and wasm threads can work in the page), the right MIME types (wasm must be
// application/wasm), directories served by their index.html, nothing outside
// the root.
import { createServer, type Server } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".map": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png", ".gz": "application/octet-stream",
};

export interface StaticServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveStatic(root: string, o: { port?: number; host?: string } = {}): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      let path = resolve(base, "." + decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      if (path !== base && !path.startsWith(base + sep)) throw new Error("outside");
      if ((await stat(path)).isDirectory()) path = join(path, "index.html");
      const body = await readFile(path);
      res.writeHead(200, {
        "content-type": MIME[extname(path)] ?? "application/octet-stream",
        "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp", "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  const host = o.host ?? "127.0.0.1";
  await new Promise<void>((ok, fail) => { server.once("error", fail); server.listen(o.port ?? 0, host, () => ok()); });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  return { server, url: `http://${host}:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}
