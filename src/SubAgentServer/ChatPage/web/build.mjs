// Bundles the chat page into ../../wwwroot/chat: one script, one stylesheet, the page and its icon, no CDN.
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "wwwroot", "chat");
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.ts"), join(here, "src", "styles.css")],
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2022"],
  logLevel: "warning",
});
for (const file of ["index.html", "favicon.svg"]) await copyFile(join(here, "src", file), join(out, file));
