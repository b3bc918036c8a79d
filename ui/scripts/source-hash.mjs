// Records a hash of the UI's sources beside the built assets, so a test can tell that the
// assets shipped in the Python package were built from the sources in the repo without
// rebuilding (tests/ui/test_assets.py computes the same hash in Python).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const SOURCES = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src", "scripts"];

function walk(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) walk(join(path, name), out);
  } else {
    out.push(path);
  }
}

const files = [];
for (const s of SOURCES) walk(join(root, s), files);
const names = files.map((f) => relative(root, f).split(sep).join("/")).sort();
const hash = createHash("sha256");
for (const name of names) {
  hash.update(name + "\0");
  hash.update(readFileSync(join(root, name)));
  hash.update("\0");
}
writeFileSync(join(root, "../src/argosy/server/ui_assets/SOURCE_HASH"), hash.digest("hex") + "\n");
