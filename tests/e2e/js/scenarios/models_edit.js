"use strict";
// Several real clients open one model (auto-created) and edit it concurrently with random
// string, array, object and number operations and random pauses. When everybody is
// quiet, each client reports its data; a fresh client opens the model and reports the server's.
// args: {url, modelId, collection, clients, opsPerClient, maxPauseMs, seed}

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

async function randomOp(model, rand, tag) {
  const root = model.root();
  const pick = Math.floor(rand() * 8);
  const text = root.get("text");
  const list = root.get("list");
  const obj = root.get("obj");
  const num = root.get("num");
  switch (pick) {
    case 0: case 1: {
      const len = text.length();
      text.insert(Math.floor(rand() * (len + 1)), tag);
      break;
    }
    case 2: {
      const len = text.length();
      if (len > 0) {
        const i = Math.floor(rand() * len);
        text.remove(i, Math.min(len - i, 1 + Math.floor(rand() * 3)));
      }
      break;
    }
    case 3: {
      const len = list.length();
      list.insert(Math.floor(rand() * (len + 1)), tag);
      break;
    }
    case 4: {
      const len = list.length();
      if (len > 0) {
        if (rand() < 0.5) list.remove(Math.floor(rand() * len));
        else list.reorder(Math.floor(rand() * len), Math.floor(rand() * len));
      }
      break;
    }
    case 5: {
      const key = "k" + Math.floor(rand() * 5);
      if (rand() < 0.7) obj.set(key, tag);
      else if (obj.hasKey(key)) obj.remove(key);
      break;
    }
    case 6:
      num.add(Math.floor(rand() * 10) - 3);
      break;
    default: {
      model.startBatch();
      text.insert(0, "<");
      num.add(1);
      model.completeBatch();
    }
  }
}

async function settle(model, ms) {
  const deadline = Date.now() + ms;
  while (!model.isCommitted() && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
}

module.exports = async function modelsEdit(args, lib) {
  const n = args.clients || 2;
  const domains = [];
  const models = [];
  const errors = [];
  let closing = false;
  try {
    for (let i = 0; i < n; i++) {
      const d = await lib.connect(args.url, { method: "anonymous", displayName: `u${i}` }, lib.buildOptions(args.options, lib.newWireStats()));
      domains.push(d);
      const m = await d.models().openAutoCreate({
        collection: args.collection,
        id: args.modelId,
        data: { text: "hello", list: [1, 2, 3], obj: { a: 1 }, num: 0 },
      });
      m.on("error", (e) => errors.push(String(e && e.error ? e.error.message || e.error : e)));
      m.on("closed", (e) => { if (!closing) errors.push("closed: " + (e && e.reason)); });
      models.push(m);
    }
    const collaborators = models.map(m => m.collaborators().length);
    await Promise.all(models.map(async (m, i) => {
      const rand = rng((args.seed || 1) * 31 + i);
      for (let k = 0; k < (args.opsPerClient || 50); k++) {
        await randomOp(m, rand, `${i}.${k};`);
        const pause = Math.floor(rand() * (args.maxPauseMs || 10));
        if (pause > 0) await lib.sleep(pause);
      }
    }));
    for (const m of models) await settle(m, 10000);
    // Wait until all clients reached the same version.
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      const versions = models.map(m => m.version());
      if (versions.every(v => v === versions[0])) break;
      await lib.sleep(50);
    }
    closing = true;
    const results = models.map(m => ({ version: m.version(), data: m.root().toJSON(), open: m.isOpen() }));
    const fresh = await lib.connect(args.url, { method: "anonymous", displayName: "checker" }, lib.buildOptions(args.options, lib.newWireStats()));
    domains.push(fresh);
    const fm = await fresh.models().open(args.modelId);
    const server = { version: fm.version(), data: fm.root().toJSON() };
    await fm.close();
    for (const m of models) await m.close();
    return { ok: true, collaborators, results, server, errors };
  } finally {
    for (const d of domains) await lib.safeDisconnect(d);
  }
};
