"use strict";
// Path-level permissions with the real client (issue 12): an exam model; the teacher
// (manage) sees and edits everything, each student reads and writes only /answers/<self>.
// Every frame each client receives is kept (raw bytes) so the test can check on the wire that
// a student never received the other's answer data. Refused writes close the sender's model.
// args: {url, modelId, password, teacher, alice, bob, marks: {alice, bob, grade, question}}
module.exports = async function modelsPaths(args, lib) {
  const frames = { teacher: [], alice: [], bob: [], alice2: [], bob2: [], check: [] };
  const opts = (who) => lib.buildOptions({
    webSocket: {
      class: lib.WebSocket,
      factory: (url) => {
        const ws = new lib.WebSocket(url);
        ws.on("message", (data) => frames[who].push(Buffer.from(data)));
        return ws;
      },
    },
  }, lib.newWireStats());
  const login = (who, username) => lib.connect(
    args.url, { method: "password", username, password: args.password }, opts(who));
  const closedOnce = (m) => new Promise((resolve) => {
    const handle = m._handleForceClose.bind(m);
    m._handleForceClose = (message) => { resolve(message.reason); handle(message); };
  });
  const within = (p, ms) => Promise.race([p, lib.sleep(ms).then(() => null)]);
  const committed = async (m) => { while (!m.isCommitted()) await lib.sleep(20); };
  const reach = async (m, version) => {
    const until = Date.now() + 10000;
    while (m.version() < version && Date.now() < until) await lib.sleep(20);
    return m.version();
  };
  const out = { ok: true };
  const domains = [];
  try {
    const t = await login("teacher", args.teacher); domains.push(t);
    const a = await login("alice", args.alice); domains.push(a);
    const b = await login("bob", args.bob); domains.push(b);
    const mt = await t.models().open(args.modelId);
    const ma = await a.models().open(args.modelId);
    const mb = await b.models().open(args.modelId);
    out.opened = { teacher: mt.root().toJSON(), alice: ma.root().toJSON(), bob: mb.root().toJSON() };
    out.permissions = { alice: ma.permissions(), bob: mb.permissions() };
    // Everyone works at once: each student on their own answer, the teacher on a question
    // and on a grade inside bob's answer (a path alice may not read).
    const aText = ma.elementAt(["answers", args.alice, "text"]);
    const bText = mb.elementAt(["answers", args.bob, "text"]);
    for (let i = 0; i < 3; i++) {
      aText.insert(aText.length(), ` ${args.marks.alice}${i}`);
      bText.insert(bText.length(), ` ${args.marks.bob}${i}`);
      mt.elementAt(["questions", 0, "text"]).insert(0, `${args.marks.question}${i} `);
    }
    mt.elementAt(["answers", args.bob]).set("grade", args.marks.grade);
    // A teacher's compound op touching both answers: each student gets only their part.
    mt.startBatch();
    mt.elementAt(["answers", args.alice]).set("seen", true);
    mt.elementAt(["answers", args.bob]).set("seen", `${args.marks.grade}-batch`);
    mt.completeBatch();
    await Promise.all([committed(ma), committed(mb), committed(mt)]);
    const final = mt.version();
    out.versions = { teacher: final, alice: await reach(ma, final), bob: await reach(mb, final) };
    await lib.sleep(200);  // nothing more is due; anything extra would show up in the frames
    out.live = { teacher: mt.root().toJSON(), alice: ma.root().toJSON(), bob: mb.root().toJSON() };
    // A fresh open for each user gives the view the live one has.
    const a2 = await login("alice2", args.alice); domains.push(a2);
    const b2 = await login("bob2", args.bob); domains.push(b2);
    const fa = await a2.models().open(args.modelId);
    const fb = await b2.models().open(args.modelId);
    out.fresh = {
      alice: fa.root().toJSON(), aliceVersion: fa.version(),
      bob: fb.root().toJSON(), bobVersion: fb.version(),
    };
    await fa.close(); await fb.close();
    // Refused writes: alice on bob's answer (a key she cannot see), bob on the title.
    const aClosed = closedOnce(ma);
    ma.elementAt(["answers"]).set(args.bob, { text: "overwritten by alice" });
    out.aliceRefused = await within(aClosed, 8000);
    const bClosed = closedOnce(mb);
    mb.elementAt(["title"]).insert(0, "bob was here ");
    out.bobRefused = await within(bClosed, 8000);
    // The teacher keeps working, and a fresh open shows no trace of the refused writes.
    mt.elementAt(["title"]).insert(0, "T");
    await committed(mt);
    const c = await login("check", args.teacher); domains.push(c);
    const fc = await c.models().open(args.modelId);
    out.after = { version: fc.version(), data: fc.root().toJSON(), teacher: mt.root().toJSON() };
    await fc.close();
  } finally {
    for (const d of domains) await lib.safeDisconnect(d);
  }
  out.frames = {};
  for (const [who, list] of Object.entries(frames)) {
    out.frames[who] = Buffer.concat(list).toString("base64");
  }
  return out;
};
