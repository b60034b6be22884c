"use strict";
// Model links with the real client (issue 12): a has a model open that links to two targets;
// b deletes the one in a "nullify" collection and a sees the link become null as an ordinary
// remote op (so does b, the deleter, which has it open too and edits on); b's delete of the one in a "refuse" collection fails with the server's reason.
// args: {url, modelId, docs, nullColl, refuseColl}
module.exports = async function modelsLinks(args, lib) {
  const opts = () => lib.buildOptions({}, lib.newWireStats());
  const a = await lib.connect(args.url, { method: "anonymous", displayName: "a" }, opts());
  const b = await lib.connect(args.url, { method: "anonymous", displayName: "b" }, opts());
  const out = { ok: true };
  const link = (collection, id) => ({ $ref: { collection, id } });
  try {
    const t1 = args.modelId + "-t1", t2 = args.modelId + "-t2";
    await b.models().create({ collection: args.nullColl, id: t1, data: { n: 1 } });
    await b.models().create({ collection: args.refuseColl, id: t2, data: { n: 2 } });
    const ma = await a.models().openAutoCreate({
      collection: args.docs, id: args.modelId,
      data: { one: link(args.nullColl, t1), two: link(args.refuseColl, t2) },
    });
    // b has the linking model open too: the nulling op comes as b's own session's.
    const mb = await b.models().open(args.modelId);
    await b.models().remove(t1);
    const nulled = (m) => m.root().get("one").value() === null;
    for (let i = 0; i < 200 && !(nulled(ma) && nulled(mb)); i++) await lib.sleep(20);
    out.aData = ma.root().toJSON();
    out.aVersion = ma.version();
    out.bData = mb.root().toJSON();
    out.bOpen = mb.isOpen();
    mb.root().set("after", 1);
    while (!mb.isCommitted()) await lib.sleep(20);
    for (let i = 0; i < 200 && !ma.root().hasKey("after"); i++) await lib.sleep(20);
    out.aAfter = ma.root().toJSON();
    try {
      await b.models().remove(t2);
      out.refused = null;
    } catch (e) {
      out.refused = String(e && e.message);
    }
    await ma.close();
    await mb.close();
  } finally {
    await lib.safeDisconnect(a);
    await lib.safeDisconnect(b);
  }
  return out;
};
