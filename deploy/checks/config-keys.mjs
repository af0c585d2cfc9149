// Checks that every key of the plexus.yaml files the deployment ships (the compose one and the
// ConfigMaps of rendered charts) is a key Plexus reads: plexus refuses unknown keys at start-up,
// and this catches a misspelt key without running plexus. Known keys are the quoted names in
// libs/config/src/load.cc (root.child("section"), s.str("key", ...)).
//
//   node config-keys.mjs LOAD_CC FILE...   FILE: plexus.yaml, or rendered manifests (.yaml with
//                                          a ConfigMap holding data["plexus.yaml"])
import fs from "node:fs";
import yaml from "js-yaml";

const [loadCc, ...files] = process.argv.slice(2);
const known = new Set([...fs.readFileSync(loadCc, "utf8").matchAll(/"([a-z_0-9]+)"/g)].map((m) => m[1]));
let failures = 0;

function walk(node, path, source) {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return 0;
  let count = 0;
  for (const [key, value] of Object.entries(node)) {
    count++;
    if (!known.has(key)) {
      failures++;
      console.log(`FAIL ${source}: ${[...path, key].join(".")} is not a key of libs/config`);
    }
    count += walk(value, [...path, key], source);
  }
  return count;
}

for (const file of files) {
  const docs = yaml.loadAll(fs.readFileSync(file, "utf8")).filter((d) => d);
  const configs = docs[0]?.kind
    ? docs.filter((d) => d.kind === "ConfigMap" && d.data?.["plexus.yaml"])
        .map((d) => [`${file} ConfigMap/${d.metadata.name}`, yaml.load(d.data["plexus.yaml"])])
    : [[file, docs[0]]];
  if (configs.length === 0) {
    failures++;
    console.log(`FAIL ${file}: no plexus.yaml found`);
  }
  for (const [source, config] of configs) {
    const before = failures;
    const n = walk(config, [], source);
    if (failures === before) console.log(`ok   ${source}: ${n} keys known to libs/config`);
  }
}
process.exit(failures ? 1 : 0);
