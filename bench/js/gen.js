"use strict";
// Load generator entry point: `node gen.js <target> <workload> '<json args>'`; prints JSON event
// lines and finally {"event": "result", ...}. Targets: ours, sharedb.

const { emit } = require("./common");

async function main() {
  const [target, workload, json] = process.argv.slice(2);
  const args = JSON.parse(json || "{}");
  const mod = require(target === "ours" ? "./ours" : "./sharedb");
  const fn = mod[workload];
  if (!fn) throw new Error(`unknown workload ${workload} for ${target}`);
  const result = await fn(args);
  emit({ event: "result", result });
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write((err && err.stack) || String(err));
  process.stderr.write("\n");
  process.exit(1);
});
