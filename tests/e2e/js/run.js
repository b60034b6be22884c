#!/usr/bin/env node
"use strict";
// Entry point for the e2e scenarios: `node run.js <scenario> [json-args]`.
// Arguments are JSON on argv[3] or on stdin. The scenario's result is printed as ONE JSON
// line on stdout; a failure prints {"ok": false, "code", "message"}. Everything else the
// client logs goes to stderr. The `interactive` scenario instead reads one JSON command per
// stdin line and answers each with one JSON line.

for (const method of ["log", "info", "debug", "warn", "trace"]) {
  console[method] = console.error.bind(console);
}

const fs = require("fs");
const path = require("path");

const name = process.argv[2];
let finished = false;

function emit(result, exitCode = 0) {
  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(exitCode));
}

function fail(e) {
  const lib = require("./lib");
  emit({ ok: false, ...lib.describeError(e) });
}

process.on("unhandledRejection", (reason) => {
  console.error("unhandled rejection:", reason);
});
process.on("uncaughtException", (e) => {
  console.error("uncaught exception:", e);
  if (name !== "interactive") emit({ ok: false, code: "uncaught_exception", message: String(e && e.stack) }, 1);
});

function readArgs() {
  const raw = process.argv[3] !== undefined ? process.argv[3] : fs.readFileSync(0, "utf8");
  return raw.trim() ? JSON.parse(raw) : {};
}

async function main() {
  if (!name || !/^[a-z_]+$/.test(name)) {
    emit({ ok: false, code: "bad_scenario", message: `bad scenario name: ${name}` }, 2);
    return;
  }
  const file = path.join(__dirname, "scenarios", `${name}.js`);
  if (!fs.existsSync(file)) {
    emit({ ok: false, code: "bad_scenario", message: `no scenario ${name}` }, 2);
    return;
  }
  const lib = require("./lib");
  const scenario = require(file);
  if (name === "interactive") {
    await scenario(lib, emitLine => process.stdout.write(JSON.stringify(emitLine) + "\n"));
    return;
  }
  const args = readArgs();
  if (args.debug) lib.Convergence.configureLogging({ root: "debug" });
  if (args.timeoutMs) {
    setTimeout(() => {
      emit({ ok: false, code: "scenario_timeout", message: `scenario ${name} exceeded ${args.timeoutMs} ms` });
    }, args.timeoutMs);
  }
  const result = await scenario(args, lib);
  emit(result);
}

main().catch(fail);
