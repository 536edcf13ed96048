// Validates GKE policy objects (HealthCheckPolicy, GCPBackendPolicy; JSON array on stdin) with the validators
// @kubernetes-models/gke generated from GKE's published networking.gke.io CRDs (types, enums, required fields).
// Those validators let unknown fields through (the API server prunes them), so a typo would pass silently:
// every key outside metadata must also be a field name the kind's type definition declares. Exits 1 on any error.
"use strict";
const fs = require("fs");
const path = require("path");
const modules = process.env.CHART_NODE_MODULES;
if (!modules) {
  console.error("CHART_NODE_MODULES is not set (expected .tools/node-chart/node_modules)");
  process.exit(2);
}
const KINDS = ["HealthCheckPolicy", "GCPBackendPolicy"];
const models = Object.fromEntries(
  KINDS.map((kind) => {
    const modelPath = path.join(modules, "@kubernetes-models/gke/networking.gke.io/v1", kind);
    const declared = new Set(
      [...fs.readFileSync(`${modelPath}.d.ts`, "utf8").matchAll(/"([A-Za-z0-9]+)"\??:/g)].map((m) => m[1]),
    );
    return [kind, { Model: require(modelPath)[kind], declared }];
  }),
);

function unknownKeys(node, where, declared) {
  if (Array.isArray(node)) return node.flatMap((item, i) => unknownKeys(item, `${where}[${i}]`, declared));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) =>
    declared.has(key) ? unknownKeys(value, `${where}.${key}`, declared) : [`${where}.${key}`],
  );
}

const objects = JSON.parse(fs.readFileSync(0, "utf8"));
let failed = 0;
for (const object of objects) {
  const name = `${object.kind}/${object.metadata && object.metadata.name}`;
  try {
    const model = models[object.kind];
    if (!model) throw new Error(`no validator for kind ${object.kind}`);
    const { metadata, ...rest } = object;
    const unknown = unknownKeys(rest, "", model.declared);
    new model.Model(object).validate();
    if (unknown.length) throw new Error(`unknown field(s) ${unknown.join(", ")}`);
    console.log(`${name}: valid`);
  } catch (error) {
    failed += 1;
    console.log(`${name}: INVALID ${error.message}`);
  }
}
process.exit(failed ? 1 : 0);
