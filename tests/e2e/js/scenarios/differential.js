"use strict";
// Differential fuzz, the rc.12 side: several real clients edit one model with seeded random ops
// of every type (and batches) while Python clients (driven by tests/client/test_differential.py)
// edit the same model. Each client drops its socket now and then (`ws.terminate()`), keeps
// editing offline, and lets rc.12 reconnect and resync by itself.
//
// Run as `node run.js differential '<json args>'` (args on argv, so stdin stays free). The
// scenario talks JSON lines with the test while it runs:
//   out {"event": "ready"}                    every client has the model open
//   in  {"cmd": "go"}                         start editing
//   out {"event": "done", "submitted": [n per client], "drops": [..], "offline": [ops made
//        while offline or resyncing, per client]}
//   in  {"cmd": "settle", "version": V}       every client's ops are counted: wait until each
//                                             client is online, committed and at version V
// and returns {ok, settled, clients: [{version, value, committed}], fresh: {version, value}}
// where `fresh` is a new rc.12 session's open of the model. Values are canonical JSON: dates as
// {"$$convergence_type": "date", "date": ms}.
// args: {url, modelId, clients, ops, seed, pauseMs?, drops?, settleMs?}
const readline = require("readline");

// xorshift32: a small seeded generator (the Python side has its own; they need not agree).
function rng(seed) {
  let s = (seed >>> 0) || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz XYZ.,é中";
const KEYS = ["a", "b", "c", "d", "e", "f"];

function toJson(element) {
  switch (element.type()) {
    case "object": {
      const out = {};
      element.forEach((child, key) => { out[key] = toJson(child); });
      return out;
    }
    case "array": {
      const out = [];
      element.forEach((child) => { out.push(toJson(child)); });
      return out;
    }
    case "date":
      return { $$convergence_type: "date", date: element.value().getTime() };
    case "null":
      return null;
    default:
      return element.value();
  }
}

// Every element of the tree (root first) and how many nodes there are.
function elements(root) {
  const out = [];
  const walk = (e) => {
    out.push(e);
    if (e.type() === "object" || e.type() === "array") e.forEach((child) => walk(child));
  };
  walk(root);
  return out;
}

class Editor {
  constructor(rand) {
    this.rand = rand;
  }

  int(n) { return Math.floor(this.rand() * n); }

  text(max) {
    let s = "";
    const n = 1 + this.int(max);
    for (let i = 0; i < n; i++) s += ALPHABET[this.int(ALPHABET.length)];
    return s;
  }

  date() { return new Date(1500000000000 + this.int(400000000) * 1000); }

  // A fresh value: scalars mostly, small nested arrays and objects sometimes.
  fresh(depth) {
    const pick = this.int(depth > 0 ? 9 : 6);
    switch (pick) {
      case 0: return this.text(5);
      case 1: return this.int(100) - 50;
      case 2: return this.rand() < 0.5;
      case 3: return null;
      case 4: return this.date();
      case 5: return this.text(3);
      case 6: return [this.fresh(depth - 1), this.fresh(depth - 1)];
      case 7: return { [KEYS[this.int(KEYS.length)]]: this.fresh(depth - 1), x: this.fresh(depth - 1) };
      default: return { s: this.text(4), n: this.int(10) };
    }
  }

  // One discrete op on a random element, valid on the client's current state.
  discrete(model) {
    const all = elements(model.root());
    const crowded = all.length > 60;
    for (let attempt = 0; attempt < 20; attempt++) {
      const e = all[this.int(all.length)];
      const isRoot = e === all[0];
      const r = this.rand();
      switch (e.type()) {
        case "string": {
          const len = e.length();
          if (r < 0.5 && len < 80) { e.insert(this.int(len + 1), this.text(4)); return; }
          if (r < 0.9 && len > 0) {
            const i = this.int(len);
            e.remove(i, 1 + this.int(Math.min(3, len - i)));
            return;
          }
          if (r >= 0.9) { e.value(this.text(6)); return; }
          break;
        }
        case "array": {
          const len = e.length();
          if (r < 0.3 && !crowded) { e.insert(this.int(len + 1), this.fresh(1)); return; }
          if (len === 0) break;
          if (r < 0.5) { e.remove(this.int(len)); return; }
          if (r < 0.7) { e.set(this.int(len), this.fresh(crowded ? 0 : 1)); return; }
          if (r < 0.93) { e.reorder(this.int(len), this.int(len)); return; }
          e.value([this.fresh(0), this.fresh(0)]);
          return;
        }
        case "object": {
          const keys = e.keys();
          if (r < 0.45 && !(crowded && keys.length >= KEYS.length)) {
            e.set(KEYS[this.int(KEYS.length)], this.fresh(crowded ? 0 : 1));
            return;
          }
          if (r < 0.85 && keys.length > 0 && !isRoot) { e.remove(keys[this.int(keys.length)]); return; }
          if (r >= 0.85 && !isRoot) { e.value({ a: this.fresh(0), b: this.fresh(0) }); return; }
          if (isRoot && keys.length > 0 && r < 0.85) {
            e.set(keys[this.int(keys.length)], this.fresh(1));
            return;
          }
          break;
        }
        case "number":
          if (r < 0.75) e.add(1 + this.int(9) - (this.rand() < 0.5 ? 10 : 0)); // never 0: rc.12 sends nothing for add(0)
          else e.value(this.int(1000) - 500);
          return;
        case "boolean":
          e.value(this.rand() < 0.5);
          return;
        case "date":
          e.value(this.date());
          return;
        default:
          break; // null: nothing to edit
      }
    }
    // Nothing editable was drawn: the root always takes a new property value.
    all[0].set(KEYS[this.int(KEYS.length)], this.fresh(0));
  }

  // One submitted op: a discrete op, or (one in eight) a batch of two to four.
  step(model) {
    if (this.rand() < 0.125) {
      model.startBatch();
      const n = 2 + this.int(3);
      for (let i = 0; i < n; i++) this.discrete(model);
      model.completeBatch();
    } else {
      this.discrete(model);
    }
  }
}

function online(domain, model) {
  return domain.isConnected() && model.isOpen() && !model._offline && model._resyncData === null;
}

module.exports = async function differential(args, lib) {
  const commands = [];
  let wake = null;
  readline.createInterface({ input: process.stdin }).on("line", (line) => {
    if (!line.trim()) return;
    commands.push(JSON.parse(line));
    if (wake) { wake(); wake = null; }
  });
  const next = async (cmd) => {
    for (;;) {
      const i = commands.findIndex((c) => c.cmd === cmd);
      if (i >= 0) return commands.splice(i, 1)[0];
      await new Promise((resolve) => { wake = resolve; });
    }
  };
  const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

  const domains = [];
  const errors = [];
  let closing = false;
  try {
    const clients = [];
    for (let i = 0; i < args.clients; i++) {
      const holder = { ws: null };
      const options = lib.buildOptions({
        // Generous: on a loaded box a reconnect handshake can take seconds.
        connection: { timeout: 10, connectionRequestTimeout: 20 },
        protocol: { defaultRequestTimeout: 30 },
        reconnect: { autoReconnect: true, reconnectIntervals: [0.05, 0.1, 0.2, 0.5] },
      }, lib.newWireStats());
      const factory = options.webSocket.factory;
      options.webSocket.factory = (url) => { holder.ws = factory(url); return holder.ws; };
      const domain = await lib.connect(args.url, { method: "anonymous", displayName: `js${i}` }, options);
      domains.push(domain);
      const model = await domain.models().open(args.modelId);
      model.on("error", (e) => errors.push(`js${i}: ${e && e.error ? e.error.message || e.error : e}`));
      model.on("closed", (e) => { if (!closing) errors.push(`js${i} closed: ${e && e.reason}`); });
      clients.push({ i, holder, domain, model, submitted: 0, drops: 0, offline: 0 });
    }
    say({ event: "ready" });
    await next("go");

    await Promise.all(clients.map(async (c) => {
      const rand = rng((args.seed * 7919 + c.i * 104729 + 17) >>> 0);
      const editor = new Editor(rand);
      // A few drops at seeded points of the run.
      const dropAt = new Set();
      for (let k = 0; k < (args.drops === undefined ? 2 : args.drops); k++) dropAt.add(editor.int(args.ops));
      for (let k = 0; k < args.ops; k++) {
        if (!c.model.isOpen()) { errors.push(`js${c.i} model closed at op ${k}`); break; }
        // rc.12 bug (see models_faults.js): an edit while its socket is CLOSING throws inside an
        // rxjs subscriber and detaches the element for good. Wait that moment out.
        while (c.holder.ws && c.holder.ws.readyState === 2) await lib.sleep(1);
        if (!online(c.domain, c.model)) c.offline += 1;
        editor.step(c.model);
        c.submitted += 1;
        if (dropAt.has(k) && c.holder.ws) {
          c.holder.ws.terminate();
          c.drops += 1;
        }
        await lib.sleep(editor.int(args.pauseMs === undefined ? 6 : args.pauseMs));
      }
    }));
    say({ event: "done", submitted: clients.map((c) => c.submitted), drops: clients.map((c) => c.drops),
      offline: clients.map((c) => c.offline) });

    const { version } = await next("settle");
    const deadline = Date.now() + (args.settleMs || 60000);
    let settled = false;
    while (Date.now() < deadline) {
      if (clients.every((c) => online(c.domain, c.model) && c.model.isCommitted() && c.model.version() === version)) {
        settled = true;
        break;
      }
      await lib.sleep(20);
    }
    const results = clients.map((c) => ({
      version: c.model.version(),
      committed: c.model.isCommitted(),
      online: online(c.domain, c.model),
      value: toJson(c.model.root()),
    }));
    const checker = await lib.connect(args.url, { method: "anonymous", displayName: "js-fresh" },
      lib.buildOptions({ protocol: { defaultRequestTimeout: 30 } }, lib.newWireStats()));
    domains.push(checker);
    const fm = await checker.models().open(args.modelId);
    const fresh = { version: fm.version(), value: toJson(fm.root()) };
    closing = true;
    await fm.close();
    for (const c of clients) if (c.model.isOpen()) await c.model.close().catch(() => {});
    return { ok: true, settled, clients: results, fresh, errors };
  } finally {
    closing = true;
    for (const d of domains) await lib.safeDisconnect(d);
  }
};
