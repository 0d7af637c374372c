// Recipes: a whole run as one JSON file, the command and every option it ran
// with (defaults included, so a rerun does not depend on this version's
// defaults), outputs left out.
//   { "format": "shrinkwasm-recipe/1", "command": "prune", "options": { "method": "slats", "lr": 0.1, ... } }
// `--recipe FILE` fills in every option not given on the command line;
// `shrink recipe COMMAND [options]` prints the recipe of a command line; train
// and prune store theirs in every saved model (metadata "recipe"), and
// `shrink rerun MODEL` runs it again. Option names are the command line's.
import { readFile } from "node:fs/promises";
import { ShrinkError } from "../engine/errors.js";
import type { OptSpecs, Parsed } from "./args.js";

export const RECIPE_FORMAT = "shrinkwasm-recipe/1";
/** Options that say where output goes or how it looks, not what the run computes. */
const NOT_IN_RECIPES = new Set(["out", "log", "json", "quiet", "dry-run", "recipe", "seeds", "checkpoint", "checkpoint-every", "resume", "threads"]);

export interface Recipe {
  format: typeof RECIPE_FORMAT;
  command: string;
  options: Record<string, string | number | boolean>;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The recipe of a parsed command line: every option with a value that the run
 * reads (`reads`: false for a method's options another method would use).
 */
export function recipeOf(command: string, p: Parsed, specs: OptSpecs, reads: (camelName: string) => boolean = () => true): Recipe {
  const options: Recipe["options"] = {};
  for (const name of Object.keys(specs)) {
    if (NOT_IN_RECIPES.has(name) || !reads(camel(name))) continue;
    const v = p.opts[camel(name)];
    if (v !== undefined) options[name] = v;
  }
  return { format: RECIPE_FORMAT, command, options };
}

const bad = (source: string, path: string, msg: string) => new ShrinkError("E_RECIPE", `${source}: ${path}: ${msg}`);

/** Checks a recipe (parsed JSON) against a command's options; errors name the JSON path. */
export function checkRecipe(r: unknown, command: string, specs: OptSpecs, source: string): Recipe {
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw bad(source, "recipe", "must be a JSON object");
  const o = r as Record<string, unknown>;
  if (o.format !== RECIPE_FORMAT) throw bad(source, "format", `must be "${RECIPE_FORMAT}", got ${JSON.stringify(o.format)}`);
  if (o.command !== command) throw bad(source, "command", `is ${JSON.stringify(o.command)}, but this is shrink ${command}`);
  if (typeof o.options !== "object" || o.options === null || Array.isArray(o.options)) throw bad(source, "options", "must be an object of option values");
  for (const [k, v] of Object.entries(o.options as Record<string, unknown>)) {
    const path = `options.${k}`;
    const s = specs[k];
    if (!s || NOT_IN_RECIPES.has(k)) throw bad(source, path, `is not an option of shrink ${command} a recipe can hold`);
    const ok = s.type === "bool" ? typeof v === "boolean"
      : s.type === "number" ? typeof v === "number" && Number.isFinite(v)
      : s.type === "int" ? typeof v === "number" && Number.isInteger(v)
      : s.type === "enum" ? typeof v === "string" && s.values!.includes(v)
      : typeof v === "string";
    if (!ok) {
      const want = s.type === "bool" ? "true or false" : s.type === "number" ? "a finite number" : s.type === "int" ? "an integer"
        : s.type === "enum" ? `one of ${s.values!.join(", ")}` : "a string";
      throw bad(source, path, `must be ${want}, got ${JSON.stringify(v)}`);
    }
  }
  return o as unknown as Recipe;
}

/** --recipe FILE: fills every option the command line did not give from the recipe. */
export async function applyRecipeFile(p: Parsed, file: string, command: string, specs: OptSpecs): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ShrinkError("E_FILE", `--recipe ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ShrinkError("E_RECIPE", `${file}: not valid JSON (${(err as Error).message})`);
  }
  const r = checkRecipe(json, command, specs, file);
  for (const [k, v] of Object.entries(r.options)) {
    const c = camel(k);
    if (!p.given.has(c)) p.opts[c] = v;
  }
  return r;
}

/** The command line (argv after the command) a recipe stands for. */
export function recipeArgv(r: Recipe): string[] {
  return Object.entries(r.options).map(([k, v]) => (typeof v === "boolean" ? (v ? `--${k}` : `--no-${k}`) : `--${k}=${v}`));
}
