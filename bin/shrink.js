#!/usr/bin/env node
// Entry point of the `shrink` command: the CLI is bundled to dist/cli.js at install.
import { main } from "../dist/cli.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
