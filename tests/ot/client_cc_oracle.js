// Runs the rc.12 client's own ClientConcurrencyControl (in-flight queue, pending batch, acks,
// remote ops transformed through both) as a test oracle for our Python client's
// convergence_jupyter/client/concurrency.py.
//
// Usage: node client_cc_oracle.js <path to @convergence/convergence/convergence.js>
//
// Like client_oracle.js, the bundle is read at run time and evaluated with a one-line epilogue
// that hands back a few of its internal classes (nothing from it is stored in this repository).
// One JSON request per stdin line, one JSON answer per stdout line:
//   {"contextVersion": n, "script": [event, ...]}  ->  {"steps": [snapshot, ...]}
// events:   {"k": "local", "op"} | {"k": "start"} | {"k": "complete"}
//         | {"k": "remote", "version", "op"} | {"k": "ack", "version", "seq"}
// snapshot: {"version", "inflight": [[seq, op]], "batch": [op], "sent"?: [seq, cv, op],
//            "remote"?: op (the remote op as the client applies it)}
//         | {"error": message}  (the client threw; the script stops there)
// Ops use the JSON form of tests/ot/oracle.py ({"t": "StringSplice", "id", "noOp", ...}).
"use strict";

const fs = require("fs");
const readline = require("readline");
const { createRequire } = require("module");

const OPS = {
  StringSplice: ["StringSpliceOperation", ["index", "deleteCount", "insertValue"]],
  StringSet: ["StringSetOperation", ["value"]],
  ArrayInsert: ["ArrayInsertOperation", ["index", "value"]],
  ArrayRemove: ["ArrayRemoveOperation", ["index"]],
  ArrayReplace: ["ArrayReplaceOperation", ["index", "value"]],
  ArrayMove: ["ArrayMoveOperation", ["fromIndex", "toIndex"]],
  ArraySet: ["ArraySetOperation", ["value"]],
  ObjectAddProperty: ["ObjectAddPropertyOperation", ["prop", "value"]],
  ObjectSetProperty: ["ObjectSetPropertyOperation", ["prop", "value"]],
  ObjectRemoveProperty: ["ObjectRemovePropertyOperation", ["prop"]],
  ObjectSet: ["ObjectSetOperation", ["value"]],
  NumberDelta: ["NumberDeltaOperation", ["delta"]],
  NumberSet: ["NumberSetOperation", ["value"]],
  BooleanSet: ["BooleanSetOperation", ["value"]],
  DateSet: ["DateSetOperation", ["value"]],
};

function loadInternals(bundlePath) {
  const source = fs.readFileSync(bundlePath, "utf8");
  const wanted = [
    "ClientConcurrencyControl", "ServerOperationEvent", "OperationTransformer",
    "TransformationFunctionRegistry", "ReferenceTransformer", "CompoundOperation",
    ...Object.values(OPS).map(([cls]) => cls),
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

function toClient(op) {
  if (op.t === "Compound") return new K.CompoundOperation(op.ops.map(toClient));
  const [cls, fields] = OPS[op.t];
  const args = fields.map((f) => (op.t === "DateSet" && f === "value" ? new Date(op[f]) : op[f]));
  return new K[cls](op.id, op.noOp, ...args);
}

function fromClient(op) {
  if (op instanceof K.CompoundOperation) return { t: "Compound", ops: op.ops.map(fromClient) };
  for (const [name, [cls, fields]] of Object.entries(OPS)) {
    if (op instanceof K[cls]) {
      const out = { t: name, id: op.id, noOp: op.noOp };
      for (const f of fields) out[f] = op[f] instanceof Date ? op[f].getTime() : op[f];
      return out;
    }
  }
  throw new Error("unknown client op " + op.type);
}

function snapshot(cc) {
  return {
    version: cc.contextVersion(),
    inflight: cc.getInFlightOperations().map((e) => [e.seqNo, fromClient(e.operation)]),
    batch: cc._pendingCompoundOperation.map(fromClient),
  };
}

function run({ contextVersion, script }) {
  const cc = new K.ClientConcurrencyControl(() => "me", contextVersion, 0, transformer,
    referenceTransformer);
  const steps = [];
  for (const event of script) {
    try {
      let extra = {};
      if (event.k === "local") {
        const sent = cc.processOutgoingOperation(toClient(event.op));
        if (sent) extra = { sent: [sent.seqNo, sent.contextVersion, fromClient(sent.operation)] };
      } else if (event.k === "start") {
        cc.startBatchOperation();
      } else if (event.k === "complete") {
        const sent = cc.completeBatchOperation();
        extra = { sent: [sent.seqNo, sent.contextVersion, fromClient(sent.operation)] };
      } else if (event.k === "remote") {
        // What RealTimeModel does: process, then take the op to apply at once.
        cc.processRemoteOperation(
          new K.ServerOperationEvent("other", event.version, new Date(0), toClient(event.op)));
        extra = { remote: fromClient(cc.getNextIncomingOperation().operation) };
      } else if (event.k === "ack") {
        cc.processAcknowledgement(event.version, event.seq);
      } else {
        throw new Error("unknown event " + event.k);
      }
      steps.push({ ...snapshot(cc), ...extra });
    } catch (e) {
      steps.push({ error: String(e && e.message ? e.message : e) });
      break;
    }
  }
  return { steps };
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let reply;
  try {
    reply = run(JSON.parse(line));
  } catch (e) {
    reply = { error: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
