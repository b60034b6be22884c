"use strict";
// Collection schemas with the real client (issue 12): a's op that breaks the schema is
// refused, its model force-closed with the reason (path and keyword); b keeps editing and its
// ops are committed; a fresh client c sees what the server stored (nothing of a's op).
// args: {url, modelId, collection}
module.exports = async function modelsSchema(args, lib) {
  const opts = () => lib.buildOptions({}, lib.newWireStats());
  const a = await lib.connect(args.url, { method: "anonymous", displayName: "a" }, opts());
  const b = await lib.connect(args.url, { method: "anonymous", displayName: "b" }, opts());
  const c = await lib.connect(args.url, { method: "anonymous", displayName: "c" }, opts());
  const out = { ok: true };
  // The server's forceCloseRealTimeModel as the client takes it (a refused op is never
  // acked, so rc.12 stays "closing" and emits no "closed" event of its own).
  const closedOnce = (m) => new Promise((resolve) => {
    const handle = m._handleForceClose.bind(m);
    m._handleForceClose = (message) => { resolve(message.reason); handle(message); };
  });
  const within = (p, ms) => Promise.race([p, lib.sleep(ms).then(() => null)]);
  try {
    const ma = await a.models().openAutoCreate({
      collection: args.collection, id: args.modelId, data: { title: "Hello", count: 5 },
    });
    const mb = await b.models().open(args.modelId);
    const closed = closedOnce(ma);
    ma.root().get("count").add(6); // 11 > maximum 10
    out.reason = await within(closed, 8000);
    for (const text of ["X", "Y", "Z"]) {
      mb.root().get("title").insert(0, text);
      mb.root().get("count").add(1);
      while (!mb.isCommitted()) await lib.sleep(20);
    }
    out.bOpen = mb.isOpen();
    out.bData = mb.root().toJSON();
    const again = await c.models().open(args.modelId);
    out.stored = { version: again.version(), data: again.root().toJSON() };
    // A second violation from b (a string edit making the pattern fail) closes b too.
    const bClosed = closedOnce(mb);
    mb.root().get("title").insert(0, "9");
    out.bReason = await within(bClosed, 8000);
    while (!again.isOpen()) await lib.sleep(20);
    again.root().get("title").insert(0, "C");
    while (!again.isCommitted()) await lib.sleep(20);
    out.cData = again.root().toJSON();
    await again.close();
  } finally {
    await lib.safeDisconnect(a);
    await lib.safeDisconnect(b);
    await lib.safeDisconnect(c);
  }
  return out;
};
