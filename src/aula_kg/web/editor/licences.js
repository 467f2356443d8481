// Prints the licences of the packages bundled into sparql-editor.js (all MIT).
const fs = require("fs");
const path = require("path");
const bundled = ["@codemirror/autocomplete", "@codemirror/commands", "@codemirror/language",
  "@codemirror/legacy-modes", "@codemirror/lint", "@codemirror/state", "@codemirror/view",
  "@lezer/common", "@lezer/highlight", "@lezer/lr", "@marijn/find-cluster-break", "crelt",
  "style-mod", "w3c-keyname"];
process.stdout.write("sparql-editor.js bundles these packages (npm run build in " +
  "src/aula_kg/web/editor); their licences follow.\n\n");
for (const name of bundled) {
  const dir = path.join(__dirname, "node_modules", name);
  if (!fs.existsSync(dir)) continue;
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  process.stdout.write(`== ${name} ${meta.version} (${meta.license}) ==\n`);
  process.stdout.write(file ? fs.readFileSync(path.join(dir, file), "utf8") : "(no licence file)\n");
  process.stdout.write("\n");
}
