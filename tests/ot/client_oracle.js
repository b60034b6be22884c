// Runs the rc.12 client's own transformation functions as a test oracle.
//
// Usage: node client_oracle.js <path to @convergence/convergence/convergence.js>
//
// The bundle is read at run time and evaluated with a one-line epilogue that hands back a few of
// its internal classes (nothing from it is stored in this repository). Requests arrive as one JSON
// object per line on stdin and each gets one JSON line back on stdout:
//   {"cmd": "transform", "pairs": [[s, c], ...]}    -> {"results": [[s', c'] | {"error": msg}, ...]}
//   {"cmd": "reference", "items": [[op, ref], ...]}  -> {"results": [ref' | null | {"error": msg}]}
//   {"cmd": "inflight", "s": op, "inflight": [c1, ...]}  -> {"s": s', "inflight": [c1', ...]}
//     (what the client does with a remote op: transform it through its in-flight ops in order)
// Ops use our JSON form: {"t": "StringSplice", "id": ..., "noOp": ..., <client field names>}.
"use strict";

const fs = require("fs");
const readline = require("readline");
const { createRequire } = require("module");

function loadInternals(bundlePath) {
  const source = fs.readFileSync(bundlePath, "utf8");
  const wanted = [
    "OperationTransformer", "TransformationFunctionRegistry", "ReferenceTransformer",
    "CompoundOperation", "StringSpliceOperation", "StringSetOperation",
    "ArrayInsertOperation", "ArrayRemoveOperation", "ArrayReplaceOperation",
    "ArrayMoveOperation", "ArraySetOperation", "ObjectAddPropertyOperation",
    "ObjectSetPropertyOperation", "ObjectRemovePropertyOperation", "ObjectSetOperation",
    "NumberDeltaOperation", "NumberSetOperation", "BooleanSetOperation", "DateSetOperation",
    "ModelReference",
  ];
  const epilogue = `\n;module.exports.__internals = { ${wanted.join(", ")} };\n`;
  const mod = { exports: {} };
  // eslint-disable-next-line no-new-func
  new Function("exports", "require", "module", source + epilogue)(
    mod.exports, createRequire(bundlePath), mod);
  return mod.exports.__internals;
}

const K = loadInternals(process.argv[2]);
const registry = new K.TransformationFunctionRegistry();
const transformer = new K.OperationTransformer(registry);
const referenceTransformer = new K.ReferenceTransformer(registry);

// our type name -> [client class, client field names after (id, noOp)]
const SHAPES = {
  StringSplice: [K.StringSpliceOperation, ["index", "deleteCount", "insertValue"]],
  StringSet: [K.StringSetOperation, ["value"]],
  ArrayInsert: [K.ArrayInsertOperation, ["index", "value"]],
  ArrayRemove: [K.ArrayRemoveOperation, ["index"]],
  ArrayReplace: [K.ArrayReplaceOperation, ["index", "value"]],
  ArrayMove: [K.ArrayMoveOperation, ["fromIndex", "toIndex"]],
  ArraySet: [K.ArraySetOperation, ["value"]],
  ObjectAddProperty: [K.ObjectAddPropertyOperation, ["prop", "value"]],
  ObjectSetProperty: [K.ObjectSetPropertyOperation, ["prop", "value"]],
  ObjectRemoveProperty: [K.ObjectRemovePropertyOperation, ["prop"]],
  ObjectSet: [K.ObjectSetOperation, ["value"]],
  NumberDelta: [K.NumberDeltaOperation, ["delta"]],
  NumberSet: [K.NumberSetOperation, ["value"]],
  BooleanSet: [K.BooleanSetOperation, ["value"]],
  DateSet: [K.DateSetOperation, ["value"]],
};

function toClient(op) {
  if (op.t === "Compound") {
    return new K.CompoundOperation(op.ops.map(toClient));
  }
  const [Cls, fields] = SHAPES[op.t];
  const args = fields.map((f) => (op.t === "DateSet" && f === "value" ? new Date(op[f]) : op[f]));
  return new Cls(op.id, op.noOp, ...args);
}

function fromClient(op) {
  if (op instanceof K.CompoundOperation) {
    return { t: "Compound", ops: op.ops.map(fromClient) };
  }
  for (const [name, [Cls, fields]] of Object.entries(SHAPES)) {
    if (op instanceof Cls) {
      const out = { t: name, id: op.id, noOp: op.noOp };
      for (const f of fields) {
        out[f] = op[f] instanceof Date ? op[f].getTime() : op[f];
      }
      return out;
    }
  }
  throw new Error("unknown client op " + op.type);
}

function guarded(fn) {
  try {
    return fn();
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

function handle(request) {
  if (request.cmd === "transform") {
    return {
      results: request.pairs.map(([s, c]) => guarded(() => {
        const pair = transformer.transform(toClient(s), toClient(c));
        return [fromClient(pair.serverOp), fromClient(pair.clientOp)];
      })),
    };
  }
  if (request.cmd === "reference") {
    return {
      results: request.items.map(([op, ref]) => guarded(() => {
        const result = referenceTransformer.transform(toClient(op), ref);
        return result === null || result === undefined ? null : result;
      })),
    };
  }
  if (request.cmd === "inflight") {
    let s = toClient(request.s);
    const inflight = request.inflight.map((c) => {
      const pair = transformer.transform(s, toClient(c));
      s = pair.serverOp;
      return fromClient(pair.clientOp);
    });
    return { s: fromClient(s), inflight };
  }
  return { error: "unknown command " + request.cmd };
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  process.stdout.write(JSON.stringify(guarded(() => handle(JSON.parse(line)))) + "\n");
});
