// Shared by the browser and runtime checks: deno, bun and playwright-core
// installed on demand into .cache/runtimes (not devDependencies: over 200 MB),
// and a Chromium page (Debian's chromium, never a browser download) at a URL,
// in which `fn(page)` runs; any console error fails it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

export const ROOT = resolve(".");
export const CACHE = join(ROOT, ".cache", "runtimes");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const bin = (name) => join(CACHE, "node_modules", ".bin", name);

export function ensureTools() {
  if (["deno", "bun", "playwright-core"].every((p) => existsSync(join(CACHE, "node_modules", p)))) return;
  console.error(`installing deno, bun and playwright-core into ${CACHE} (once)`);
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(join(CACHE, "package.json"))) writeFileSync(join(CACHE, "package.json"), JSON.stringify({ name: "shrinkwasm-test-runtimes", private: true }));
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "deno@2", "bun@1", "playwright-core@1"], { cwd: CACHE, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm install of deno, bun and playwright-core failed");
}

export async function inChromium(url, fn, o = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM)`);
  const { chromium } = createRequire(join(CACHE, "package.json"))("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ acceptDownloads: true, viewport: o.viewport ?? { width: 1280, height: 800 } });
    const errors = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    const r = await fn(page);
    if (errors.length) throw new Error(`console errors: ${errors.join(" | ")}`);
    return r;
  } finally {
    await browser.close();
  }
}
