// Writes or checks deploy/grafana/dashboards/*.json from the typed sources in
// deploy/grafana/src (compiled by tsc into COMPILED_DIR first; see scripts/check-deploy.sh).
//
//   node gen-dashboards.mjs COMPILED_DIR --check   exit 1 when a JSON file is missing or stale
//   node gen-dashboards.mjs COMPILED_DIR --write   (re)writes the JSON files
//   ... --rules FILE   also writes every panel query as a Prometheus recording rule (Grafana
//   variables replaced by sample values) so that `promtool check rules FILE` parses the PromQL
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [compiled, mode, rulesFlag, rulesFile] = process.argv.slice(2);
if (!compiled || !["--check", "--write"].includes(mode)) {
  console.error("usage: node gen-dashboards.mjs COMPILED_DIR --check|--write");
  process.exit(2);
}
// tsc emits ES modules; mark the directory so that node loads them as such.
fs.writeFileSync(path.join(compiled, "package.json"), '{"type": "module"}\n');
const { dashboards } = await import(pathToFileURL(path.join(compiled, "index.js")).href);
const outDir = new URL("../grafana/dashboards/", import.meta.url);

let stale = 0;
for (const [name, dashboard] of Object.entries(dashboards)) {
  const file = new URL(name, outDir);
  const text = `${JSON.stringify(dashboard, null, 2)}\n`;
  if (mode === "--write") {
    fs.writeFileSync(file, text);
    console.log(`wrote deploy/grafana/dashboards/${name}`);
    continue;
  }
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
  const ok = current === text;
  if (!ok) stale++;
  console.log(`${ok ? "ok  " : "FAIL"} deploy/grafana/dashboards/${name}` +
    (ok ? ` (${dashboard.panels.length} panels)` : " differs from deploy/grafana/src: run scripts/check-deploy.sh --write-dashboards"));
}
const known = new Set(Object.keys(dashboards));
for (const f of fs.readdirSync(outDir)) {
  if (f.endsWith(".json") && !known.has(f)) {
    stale++;
    console.log(`FAIL deploy/grafana/dashboards/${f} has no source in deploy/grafana/src/index.ts`);
  }
}
if (rulesFlag === "--rules" && rulesFile) {
  const rules = [];
  for (const [name, dashboard] of Object.entries(dashboards)) {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const expr = target.expr.replaceAll("$__rate_interval", "5m").replaceAll("$component", ".*");
        rules.push(`      - record: dashboard:${name.replace(/\W/g, "_")}:${panel.id}_${target.refId}\n` +
          `        expr: ${JSON.stringify(expr)}`);
      }
    }
  }
  fs.writeFileSync(rulesFile, `groups:\n  - name: dashboard-queries\n    rules:\n${rules.join("\n")}\n`);
  console.log(`wrote ${rules.length} panel queries to ${rulesFile}`);
}
process.exit(stale ? 1 : 0);
