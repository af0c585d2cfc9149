// Validates rendered Kubernetes manifests against the API schemas (npm kubernetes-models, and
// @kubernetes-models/prometheus-operator for ServiceMonitor), then checks expectations about the
// rendered chart. Used by scripts/check-deploy.sh.
//
//   node validate-k8s.mjs RENDERED.yaml [EXPECT.json]
//
// EXPECT.json: [{"kind": K, "name": N, "path": ["spec", "replicas"], "equals": V}, ...]:
// "equals" compares JSON values (no "equals": the field must be absent); without "path" the
// object must exist; "absent": true asserts
// that it does not. In a path, "<yaml>" parses the string reached so far as YAML, so
// ["data", "plexus.yaml", "<yaml>", "cluster", "roomserver"] looks inside the rendered config.
// Prints one line per object and per expectation; exits 1 on any failure.
import fs from "node:fs";
import yaml from "js-yaml";

const [renderedPath, expectPath] = process.argv.slice(2);
if (!renderedPath) {
  console.error("usage: node validate-k8s.mjs RENDERED.yaml [EXPECT.json]");
  process.exit(2);
}
const docs = yaml.loadAll(fs.readFileSync(renderedPath, "utf8")).filter((d) => d);
let failures = 0;

function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  }
  return `kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`;
}

for (const doc of docs) {
  const id = `${doc.kind}/${doc.metadata?.name}`;
  if (!doc.apiVersion || !doc.kind || !doc.metadata?.name) {
    failures++;
    console.log(`FAIL ${id}: apiVersion, kind and metadata.name are required`);
    continue;
  }
  let Model;
  try {
    Model = (await import(modelPath(doc.apiVersion, doc.kind)))[doc.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) {
    // Every kind the chart makes has a model; an unknown one is a typo in apiVersion or kind.
    failures++;
    console.log(`FAIL ${id}: no schema for ${doc.apiVersion} ${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
    console.log(`ok   ${id} (${doc.apiVersion})`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${id}: ${String(e.message).split("\n").slice(0, 4).join(" | ")}`);
  }
}

// Follows a path (a list of keys and indexes) into an object; the element "<yaml>" parses the
// string reached so far as YAML (for the plexus.yaml inside the ConfigMap).
function resolve(value, path) {
  for (const key of path) value = key === "<yaml>" ? yaml.load(value) : value?.[key];
  return value;
}

if (expectPath) {
  const expectations = JSON.parse(fs.readFileSync(expectPath, "utf8"));
  for (const x of expectations) {
    const obj = docs.find((d) => d.kind === x.kind && d.metadata?.name === x.name);
    const label = `${x.kind}/${x.name}${x.path ? ` ${x.path.join(".")}` : ""}`;
    if (x.absent) {
      if (obj) failures++;
      console.log(`${obj ? "FAIL" : "ok  "} expect ${label} absent`);
      continue;
    }
    if (!obj) {
      failures++;
      console.log(`FAIL expect ${label}: no such object`);
      continue;
    }
    if (!x.path) {
      console.log(`ok   expect ${label} present`);
      continue;
    }
    const got = resolve(obj, x.path);
    const same = JSON.stringify(got) === JSON.stringify(x.equals);
    if (!same) failures++;
    console.log(`${same ? "ok  " : "FAIL"} expect ${label} = ${JSON.stringify(x.equals)}` +
      (same ? "" : ` (got ${JSON.stringify(got)})`));
  }
}

console.log(`${renderedPath}: ${docs.length} objects, ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
