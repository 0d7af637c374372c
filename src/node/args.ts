// A small declarative argument parser: every option has a type and a help line;
// anything malformed becomes a one-line ShrinkError naming the option and value.
import { ShrinkError } from "../engine/errors.js";

export type OptType = "number" | "int" | "string" | "bool" | "enum";

export interface OptSpec {
  type: OptType;
  help: string;
  values?: readonly string[];
  default?: string | number | boolean;
  /** Placeholder shown in help, e.g. "N". */
  arg?: string;
  /** Bounds of an "int" option, checked when parsed. */
  min?: number;
  max?: number;
}

export type OptSpecs = Record<string, OptSpec>;
/** opts: every option (defaults filled in), camelCased; given: the camelCased names the user set. */
export type Parsed = { opts: Record<string, string | number | boolean | undefined>; given: Set<string>; positional: string[]; help: boolean };

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseArgs(argv: string[], specs: OptSpecs, command: string): Parsed {
  const opts: Parsed["opts"] = {};
  for (const [name, s] of Object.entries(specs)) if (s.default !== undefined) opts[camel(name)] = s.default;
  const positional: string[] = [];
  const given = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") { help = true; continue; }
    if (!a.startsWith("--")) { positional.push(a); continue; }
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    let spec = specs[name];
    if (!spec && name.startsWith("no-") && specs[name.slice(3)]?.type === "bool") {
      spec = specs[name.slice(3)];
      opts[camel(name.slice(3))] = false;
      given.add(camel(name.slice(3)));
      continue;
    }
    if (!spec) {
      throw new ShrinkError("E_ARG", `unknown option --${name} (see shrink ${command} --help)`);
    }
    given.add(camel(name));
    if (spec.type === "bool") {
      opts[camel(name)] = value === undefined ? true : value !== "false" && value !== "0";
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new ShrinkError("E_ARG", `--${name}: missing value (expected ${spec.arg ?? spec.type})`);
    }
    opts[camel(name)] = convert(name, value, spec);
  }
  return { opts, given, positional, help };
}

function convert(name: string, v: string, s: OptSpec): string | number {
  switch (s.type) {
    case "number": {
      const x = Number(v);
      if (v.trim() === "" || !Number.isFinite(x)) throw new ShrinkError("E_ARG", `--${name}: "${v}" is not a finite number`);
      return x;
    }
    case "int": {
      const x = Number(v);
      if (v.trim() === "" || !Number.isInteger(x)) throw new ShrinkError("E_ARG", `--${name}: "${v}" is not an integer`);
      if ((s.min !== undefined && x < s.min) || (s.max !== undefined && x > s.max)) {
        throw new ShrinkError("E_ARG", `--${name}: ${x} is not allowed (an integer from ${s.min ?? "-∞"} to ${s.max ?? "∞"})`);
      }
      return x;
    }
    case "enum":
      if (!s.values!.includes(v)) throw new ShrinkError("E_ARG", `--${name}: unknown value "${v}" (allowed: ${s.values!.join(", ")})`);
      return v;
    default:
      return v;
  }
}

export function helpText(usage: string, summary: string, specs: OptSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const arg = s.type === "bool" ? "" : ` ${s.arg ?? (s.type === "enum" ? s.values!.join("|") : s.type === "string" ? "S" : "X")}`;
    const def = s.default !== undefined && s.type !== "bool" ? ` (default ${s.default})` : "";
    return [`  --${name}${arg}`, `${s.help}${def}`];
  });
  // Long option columns wrap: the help text then starts on the next line.
  const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  const row = (a: string, b: string) => (a.length + 2 > w ? `${a}\n${" ".repeat(w)}${b}` : a.padEnd(w) + b);
  return `${usage}\n\n${summary}\n\nOptions:\n${rows.map(([a, b]) => row(a, b)).join("\n")}\n  --help${" ".repeat(Math.max(1, w - 8))}Show this help\n`;
}
