import { defineConfig } from "vite";

// Built into the Python package so `pip install` needs no network at run time.
// Relative asset paths: index.html's <base href> (argosy server --base-href) decides where they load from.
export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../src/argosy/server/ui_assets",
    emptyOutDir: true,
    target: "es2020",
    chunkSizeWarningLimit: 400,
  },
});
