"use strict";
// Per-session model limits with the real client (issue 14): a third open past the limit is
// refused with its code; a string past the length limit force-closes the sender's model with
// the reason while the other client edits on; a reference past the per-model limit does the
// same. A fresh open (a third client) shows what the server stored.
// args: {url, modelId, collection, tooLong}
module.exports = async function modelsLimits(args, lib) {
  const opts = () => lib.buildOptions({}, lib.newWireStats());
  const a = await lib.connect(args.url, { method: "anonymous", displayName: "a" }, opts());
  const b = await lib.connect(args.url, { method: "anonymous", displayName: "b" }, opts());
  const c = await lib.connect(args.url, { method: "anonymous", displayName: "c" }, opts());
  const out = { ok: true };
  // The server's forceCloseRealTimeModel, as the client takes it. (rc.12 emits "closed" only
  // once nothing is in flight, and a refused op is never acked: it stays "closing".)
  const closedOnce = (m) => new Promise((resolve) => {
    const handle = m._handleForceClose.bind(m);
    m._handleForceClose = (message) => { resolve(message.reason); handle(message); };
  });
  const within = (p, ms) => Promise.race([p, lib.sleep(ms).then(() => null)]);
  const step = (name) => console.error(`models_limits: ${name}`);
  try {
    const ma = await a.models().openAutoCreate({
      collection: args.collection, id: args.modelId, data: { text: "hi", n: 0 },
    });
    const mb = await b.models().open(args.modelId);
    step("opened");
    const second = await a.models().openAutoCreate({
      collection: args.collection, id: `${args.modelId}-2`, data: {},
    });
    try {
      await a.models().openAutoCreate({ collection: args.collection, id: `${args.modelId}-3`, data: {} });
      out.third = "opened";
    } catch (e) {
      out.third = e.code || String(e);
    }
    await second.close();
    step("open limit");
    const closed = closedOnce(ma);
    ma.root().get("text").insert(0, "x".repeat(args.tooLong));
    out.stringReason = await within(closed, 5000);
    step("string");
    mb.root().get("n").add(1);
    while (!mb.isCommitted()) await lib.sleep(20);
    out.bOpen = mb.isOpen();
    step("b committed");
    // A fresh client (rc.12 does not reopen a model it was forced out of at once).
    const again = await c.models().open(args.modelId);
    out.afterString = { version: again.version(), data: again.root().toJSON() };
    const refClosed = closedOnce(again);
    for (const key of ["r1", "r2", "r3"]) {
      const ref = again.root().get("text").indexReference(key);
      ref.share();
      ref.set(1);
    }
    out.referenceReason = await within(refClosed, 5000);
    step("references");
    mb.root().get("n").add(1);
    while (!mb.isCommitted()) await lib.sleep(20);
    out.bStillOpen = mb.isOpen();
    out.bData = mb.root().toJSON();
    await mb.close();
  } finally {
    await lib.safeDisconnect(a);
    await lib.safeDisconnect(b);
    await lib.safeDisconnect(c);
  }
  return out;
};
