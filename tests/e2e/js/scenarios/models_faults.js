"use strict";
// Real clients with auto-reconnect edit one model while the test breaks their connections
// (fault proxy) or kills the server. Every op leaves a unique, countable trace:
//   * text: a marker "<i.k>" inserted at a marker boundary (never inside another marker);
//   * list: an element "i.k" inserted at a random index;
//   * num:  +1 (so the final number is the count of applied increments);
//   * a batch of a text marker and +1.
// Every ack (also the synthetic acks of a resync) is logged the moment the client processes
// it, to `ackLog` (one JSON line per ack, appended synchronously) when given.
// Editing stops after `opsPerClient` ops per client or when `stopFile` exists. Then the
// clients wait until they are online, committed and at one version; a fresh client connected
// to `checkerUrl` (directly, not through the proxy) reports the server's data.
// args: {urls: [url per client], checkerUrl, modelId, collection, opsPerClient, pauseMs,
//        seed, stopFile?, ackLog?, settleMs?, reconnectIntervals?,
//        auths? (per client, lib.connect's auth; default: anonymous "f<i>")}
const fs = require("fs");

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

function boundaries(text) {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === ">") out.push(i + 1);
  return out;
}

function edit(model, rand, i, k) {
  const root = model.root();
  const text = root.get("text");
  const list = root.get("list");
  const num = root.get("num");
  const pick = Math.floor(rand() * 8);
  const marker = `<${i}.${k}>`;
  const atBoundary = () => {
    const b = boundaries(text.value());
    return b[Math.floor(rand() * b.length)];
  };
  if (pick <= 3) {
    text.insert(atBoundary(), marker);
    return { text: [marker], list: [], adds: 0 };
  }
  if (pick <= 5) {
    list.insert(Math.floor(rand() * (list.length() + 1)), `${i}.${k}`);
    return { text: [], list: [`${i}.${k}`], adds: 0 };
  }
  if (pick === 6) {
    num.add(1);
    return { text: [], list: [], adds: 1 };
  }
  model.startBatch();
  text.insert(atBoundary(), marker);
  num.add(1);
  model.completeBatch();
  return { text: [marker], list: [], adds: 1 };
}

function online(domain, model) {
  return domain.isConnected() && model.isOpen() && !model._offline && model._resyncData === null;
}

module.exports = async function modelsFaults(args, lib) {
  const urls = args.urls;
  const domains = [];
  const clients = [];
  const errors = [];
  let closing = false;
  // Each client's options remember its current socket (see the CLOSING note below).
  const optionsFor = (holder) => {
    const options = lib.buildOptions({
      // Generous: a loaded 2-core CI box restarts a server while three clients resync.
      protocol: { defaultRequestTimeout: 15 },
      reconnect: {
        autoReconnect: true,
        reconnectIntervals: args.reconnectIntervals || [0.1, 0.2, 0.3],
      },
    }, lib.newWireStats());
    const factory = options.webSocket.factory;
    options.webSocket.factory = (url) => { holder.ws = factory(url); return holder.ws; };
    return options;
  };
  const stopped = () => args.stopFile && fs.existsSync(args.stopFile);
  try {
    for (let i = 0; i < urls.length; i++) {
      const holder = { ws: null };
      const auth = (args.auths && args.auths[i]) || { method: "anonymous", displayName: `f${i}` };
      const d = await lib.connect(urls[i], auth, optionsFor(holder));
      domains.push(d);
      const events = lib.recordEvents(d);
      const m = await d.models().openAutoCreate({
        collection: args.collection,
        id: args.modelId,
        data: { text: "", list: [], num: 0 },
      });
      const c = { i, holder, domain: d, model: m, events, made: { text: [], list: [], adds: 0 },
        bySeq: new Map(), acked: 0, ops: 0, modelEvents: {}, sessions: [d.session().sessionId()] };
      d.on("connected", () => c.sessions.push(d.session().sessionId()));
      for (const name of Object.values(lib.client.RealTimeModel.Events)) {
        m.on(name, () => { c.modelEvents[name] = (c.modelEvents[name] || 0) + 1; });
      }
      m.on("error", (e) => errors.push(`c${i} error: ${e && e.error ? e.error.message || e.error : e}`));
      m.on("closed", (e) => { if (!closing) errors.push(`c${i} closed: ${e && e.reason}`); });
      // Observe every ack, synthetic or real, the moment the client processes it.
      const cc = m._concurrencyControl;
      const processAck = cc.processAcknowledgement.bind(cc);
      cc.processAcknowledgement = (version, seqNo) => {
        const acked = processAck(version, seqNo);
        c.acked += 1;
        const op = c.bySeq.get(acked.seqNo);
        if (args.ackLog && op) {
          fs.appendFileSync(args.ackLog, JSON.stringify({ c: i, seq: acked.seqNo, version, ...op }) + "\n");
        }
        return acked;
      };
      clients.push(c);
    }
    await Promise.all(clients.map(async (c) => {
      const rand = rng((args.seed || 1) * 131 + c.i);
      for (let k = 0; k < (args.opsPerClient || 50) && !stopped(); k++) {
        if (!c.model.isOpen()) break;
        // rc.12 client bug: while its socket is CLOSING (dropped, 'close' not yet emitted)
        // it still counts as connected, and a local edit then throws inside an rxjs
        // subscriber, which unsubscribes that element for good. No user types within that
        // millisecond window; our edits wait it out (offline editing goes on as normal).
        while (c.holder.ws && c.holder.ws.readyState === 2) await lib.sleep(1);
        const op = edit(c.model, rand, c.i, k);
        c.ops += 1;
        c.bySeq.set(c.model._concurrencyControl.lastSequenceNumber(), op);
        c.made.text.push(...op.text);
        c.made.list.push(...op.list);
        c.made.adds += op.adds;
        const pause = Math.floor(rand() * (args.pauseMs || 10));
        await lib.sleep(pause);
      }
    }));
    const doneAt = Date.now();
    const deadline = Date.now() + (args.settleMs || 20000);
    let settled = false;
    while (Date.now() < deadline) {
      const ready = clients.every(c => online(c.domain, c.model) && c.model.isCommitted());
      const versions = clients.map(c => c.model.version());
      if (ready && versions.every(v => v === versions[0])) { settled = true; break; }
      await lib.sleep(50);
    }
    const settleMs = Date.now() - doneAt;
    closing = true;
    const results = clients.map(c => ({
      version: c.model.version(),
      data: c.model.root().toJSON(),
      open: c.model.isOpen(),
      online: online(c.domain, c.model),
      committed: c.model.isCommitted(),
      made: c.made,
      ops: c.ops,
      acked: c.acked,
      sessions: c.sessions,
      interrupted: c.events.filter(e => e.name === "interrupted").length,
      modelEvents: c.modelEvents,
    }));
    const checker = await lib.connect(args.checkerUrl, { method: "anonymous", displayName: "checker" },
      lib.buildOptions({}, lib.newWireStats()));
    domains.push(checker);
    const fm = await checker.models().open(args.modelId);
    const server = { version: fm.version(), data: fm.root().toJSON() };
    await fm.close();
    for (const c of clients) if (c.model.isOpen()) await c.model.close().catch(() => {});
    return { ok: true, settled, settleMs, results, server, errors };
  } finally {
    for (const d of domains) await lib.safeDisconnect(d);
  }
};
