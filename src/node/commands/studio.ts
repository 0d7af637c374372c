// shrink studio: serves the studio (dist/studio: the page, its Web Worker,
// uPlot, the .wasm and the embedded data) on 127.0.0.1 until Ctrl-C.
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { ShrinkError } from "../../engine/errors.js";
import { serveStatic } from "../static-server.js";

export const OPTIONS: OptSpecs = {
  port: { type: "int", arg: "N", default: 8790, help: "Port to listen on (0: any free port)" },
  host: { type: "string", arg: "ADDR", default: "127.0.0.1", help: "Address to listen on (the studio is meant for this machine)" },
};

export const STUDIO_HELP = helpText(
  "Usage: shrink studio [--port N]",
  "Serve the studio: prune in your browser with no code (built-in models or your own file, embedded or dropped data, every method, live charts, downloads). Ctrl-C stops it.",
  OPTIONS,
);

/** dist/studio beside the bundle (dist/cli.js → dist/studio). */
export const studioDir = () => fileURLToPath(new URL("./studio/", import.meta.url));

export async function studioCommand(argv: string[], signal: AbortSignal): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "studio");
  if (p.help) return void process.stdout.write(STUDIO_HELP);
  if (p.positional.length) throw new ShrinkError("E_ARG", `unexpected argument "${p.positional[0]}" (see shrink studio --help)`);
  const port = p.opts.port as number;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ShrinkError("E_ARG", `--port: ${port} is not allowed (0 to 65535)`);
  const dir = studioDir();
  if (!existsSync(dir)) throw new ShrinkError("E_FILE", `${dir}: the studio is not built (npm run build:js)`);
  let s;
  try {
    s = await serveStatic(dir, { port, host: p.opts.host as string });
  } catch (err) {
    throw new ShrinkError("E_ARG", `--port ${port}: cannot listen on ${String(p.opts.host)}:${port} (${(err as NodeJS.ErrnoException).code ?? String(err)}); try another --port, or 0 for any free one`);
  }
  process.stdout.write(`studio: ${s.url}  (Ctrl-C stops it)\n`);
  await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
  await s.close();
}
