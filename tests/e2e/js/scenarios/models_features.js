"use strict";
// References, history playback, queries and permission denial with the real client.
// args: {url, modelId, privateId, collection}
module.exports = async function modelsFeatures(args, lib) {
  const opts = () => lib.buildOptions(args.options, lib.newWireStats());
  const a = await lib.connect(args.url, { method: "anonymous", displayName: "a" }, opts());
  const b = await lib.connect(args.url, { method: "anonymous", displayName: "b" }, opts());
  const out = { ok: true };
  try {
    const ma = await a.models().openAutoCreate({ collection: args.collection, id: args.modelId, data: { text: "hello" } });
    const mb = await b.models().open(args.modelId);
    const seen = new Promise((resolve) => {
      mb.root().get("text").on("reference", (e) => resolve(e.reference));
    });
    const ref = ma.root().get("text").indexReference("cursor");
    ref.share();
    ref.set(3);
    const remote = await Promise.race([seen, lib.sleep(3000).then(() => null)]);
    await lib.sleep(200);
    out.reference = remote ? { key: remote.key(), value: remote.value(), sessionId: remote.sessionId() } : null;
    ma.root().get("text").insert(0, "AB");
    ma.root().get("text").insert(7, "!");
    while (!ma.isCommitted()) await lib.sleep(20);
    await lib.sleep(200);
    out.textB = mb.root().get("text").value();
    const h = await b.models().history(args.modelId);
    out.historyVersion = h.version();
    await h.playTo(0);
    out.historyAt0 = h.root().get("text").value();
    await h.playTo(1);
    out.historyAt1 = h.root().get("text").value();
    await h.playTo(h.maxVersion());
    out.historyAtMax = h.root().get("text").value();
    const q = await b.models().query(`SELECT * FROM ${args.collection} WHERE text LIKE 'AB%'`);
    out.query = q.data.map((r) => ({ id: r.modelId, data: r.data }));
    // A private model: b may not open it.
    const mp = await a.models().openAutoCreate({
      collection: args.collection, id: args.privateId, data: { s: "x" },
      overrideCollectionWorldPermissions: true, worldPermissions: { read: false, write: false, remove: false, manage: false },
    });
    try {
      await b.models().open(args.privateId);
      out.denied = null;
    } catch (e) {
      out.denied = e.code || String(e);
    }
    await mp.close();
    await mb.close();
    await ma.close();
  } finally {
    await lib.safeDisconnect(a);
    await lib.safeDisconnect(b);
  }
  return out;
};
