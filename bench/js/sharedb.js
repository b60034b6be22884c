"use strict";
// Generators for the ShareDB 7 peer, mirroring ours.js. `proto*`: ShareDB's JSON protocol over
// `ws` (handshake, subscribe, op at index 0 against the latest version seen, wait for the ack),
// not integrating others' ops. `lib*`: ShareDB's own client with ot-text-unicode.

const {
  requirePeer,
  now,
  sleep,
  summary,
  emit,
  Window,
  waitForGo,
  closedLoop,
  openLoop,
} = require("./common");

const WebSocket = requirePeer("ws");
const TYPE = "http://sharejs.org/types/text-unicode";

class ProtoClient {
  constructor(url) {
    this.url = url;
    this.version = 0;
    this.seq = 0;
    this.waiters = new Map();
    this.ackWaiter = null;
  }

  send(obj) {
    this.ws.send(JSON.stringify(obj));
  }

  // Resolve with the next message whose action is `a` and that is not an op broadcast.
  reply(a) {
    return new Promise((resolve) => this.waiters.set(a, resolve));
  }

  async connect() {
    this.ws = new WebSocket(this.url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
    this.ws.on("message", (data) => this.onMessage(JSON.parse(data.toString())));
    const hs = this.reply("hs");
    this.send({ a: "hs", id: null, protocol: 1, protocolMinor: 1 });
    this.src = (await hs).id;
  }

  onMessage(m) {
    if (m.a === "op") {
      if (m.v != null) this.version = Math.max(this.version, m.v + 1);
      if (m.op === undefined && m.create === undefined && m.src === this.src) {
        if (m.seq === this.seq && this.ackWaiter) {
          const w = this.ackWaiter;
          this.ackWaiter = null;
          w(m);
        }
        return;
      }
      return;
    }
    if (m.error) process.stderr.write(`sharedb error: ${JSON.stringify(m.error)}\n`);
    const w = this.waiters.get(m.a);
    if (w) {
      this.waiters.delete(m.a);
      w(m);
    }
  }

  async open(collection, id) {
    this.c = collection;
    this.d = id;
    const s = this.reply("s");
    this.send({ a: "s", c: collection, d: id, v: null });
    const snap = (await s).data;
    if (!snap || snap.type == null) {
      // Create it; a concurrent creator makes this fail harmlessly, then re-subscribe.
      this.seq += 1;
      const ack = new Promise((resolve) => (this.ackWaiter = resolve));
      this.send({ a: "op", c: collection, d: id, v: 0, seq: this.seq, create: { type: TYPE, data: "" } });
      await ack;
    } else {
      this.version = Math.max(this.version, snap.v);
    }
  }

  insert(text = "x") {
    const t0 = now();
    this.seq += 1;
    return new Promise((resolve) => {
      this.ackWaiter = () => resolve(now() - t0);
      this.send({ a: "op", c: this.c, d: this.d, v: this.version, seq: this.seq, op: [text] });
    });
  }

  close() {
    this.ws.close();
  }
}

async function protoClients(args) {
  const clients = [];
  for (let i = 0; i < args.clients; i++) {
    const c = new ProtoClient(args.url);
    await c.connect();
    await c.open("bench", args.modelId);
    clients.push(c);
  }
  return clients;
}

async function proto(args) {
  const clients = await protoClients(args);
  const res = await closedLoop(clients, args, (c) => c.insert());
  clients.forEach((c) => c.close());
  return res;
}

async function history(args) {
  const [c] = await protoClients({ ...args, clients: 1 });
  for (let i = 0; i < 200; i++) await c.insert();
  emit({ event: "ready" });
  await waitForGo();
  const win = new Window();
  const slices = [];
  const slice = Math.max(1, Math.floor(args.ops / 10));
  const stopAt = now() + (args.maxSeconds || Infinity) * 1000;
  let done = 0;
  win.start();
  let t = now();
  for (let i = 1; i <= args.ops && now() < stopAt; i++) {
    await c.insert();
    done = i;
    if (i % slice === 0) {
      slices.push(Math.round(slice / ((now() - t) / 1000)));
      t = now();
    }
  }
  win.end();
  emit({ event: "done" });
  await waitForGo();
  c.close();
  return {
    ops: done,
    ops_target: args.ops,
    seconds: win.seconds,
    ops_per_s: done / win.seconds,
    slice_ops_per_s: slices,
  };
}

// -- ShareDB's own client ----------------------------------------------------------------

function libConnection(url) {
  const ShareDB = requirePeer("sharedb/lib/client");
  ShareDB.types.register(requirePeer("ot-text-unicode").type);
  const socket = new WebSocket(url, { perMessageDeflate: false });
  return new ShareDB.Connection(socket);
}

function libDoc(connection, id, initial) {
  const doc = connection.get("bench", id);
  return new Promise((resolve, reject) => {
    doc.subscribe((err) => {
      if (err) return reject(err);
      if (doc.type) return resolve(doc);
      doc.create(initial, TYPE, (err2) => {
        if (err2 && err2.code !== "ERR_DOC_ALREADY_CREATED") return reject(err2);
        resolve(doc);
      });
    });
  });
}

function submit(doc, op) {
  return new Promise((resolve, reject) => doc.submitOp(op, (err) => (err ? reject(err) : resolve())));
}

async function lib(args) {
  const conns = [];
  const docs = [];
  for (let i = 0; i < args.clients; i++) {
    const c = libConnection(args.url);
    conns.push(c);
    docs.push(await libDoc(c, args.modelId, ""));
  }
  const res = await closedLoop(docs, args, async (doc) => {
    const t0 = now();
    const len = doc.data.length;
    await submit(doc, len ? [len, "x"] : ["x"]);
    return now() - t0;
  });
  const deadline = Date.now() + 15000;
  let versions = [];
  while (Date.now() < deadline) {
    versions = docs.map((d) => d.version);
    if (versions.every((v) => v === versions[0]) && docs.every((d) => !d.hasPending())) break;
    await sleep(50);
  }
  const texts = docs.map((d) => d.data);
  res.converged = versions.every((v) => v === versions[0]) && texts.every((t) => t === texts[0]);
  res.final_length = texts[0].length;
  conns.forEach((c) => c.close());
  return res;
}

async function fanout(args) {
  const conns = [];
  const sendTimes = [];
  const perDelivery = [];
  const lastArrival = [];
  const arrivals = [];
  const wc = libConnection(args.url);
  conns.push(wc);
  const wdoc = await libDoc(wc, args.modelId, "");
  for (let i = 0; i < args.readers; i++) {
    const c = libConnection(args.url);
    conns.push(c);
    const doc = await libDoc(c, args.modelId, "");
    let k = 0;
    doc.on("op", (op, source) => {
      if (source) return;
      const t = now();
      const idx = k++;
      const sent = sendTimes[idx];
      if (sent === undefined) return;
      perDelivery.push(t - sent);
      arrivals[idx] = (arrivals[idx] || 0) + 1;
      lastArrival[idx] = Math.max(lastArrival[idx] || 0, t - sent);
    });
  }
  await sleep(500);
  const total = Math.round(args.rate * args.seconds);
  const win = new Window();
  win.start();
  const t0 = now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / args.rate;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    sendTimes[i] = now();
    const len = wdoc.data.length;
    wdoc.submitOp(len ? [len, "x"] : ["x"]);
  }
  win.end();
  await sleep(1000);
  const complete = arrivals.filter((n) => n === args.readers).length;
  const res = {
    sent: total,
    delivered_to_all: complete,
    deliveries: perDelivery.length,
    per_delivery_ms: summary(perDelivery),
    all_readers_ms: summary(lastArrival.filter((x, i) => arrivals[i] === args.readers)),
    gen_cpu_util: win.genCpuUtil,
  };
  conns.forEach((c) => c.close());
  return res;
}

async function memDocs(args) {
  const c = libConnection(args.url);
  const open = async (prefix, n) => {
    const out = [];
    for (let i = 0; i < n; i += 20) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 20); j++) batch.push(libDoc(c, `${prefix}-${j}`, "hello"));
      out.push(...(await Promise.all(batch)));
    }
    return out;
  };
  const warm = await open(`${args.modelId}-warm`, 20);
  emit({ event: "ready" });
  await waitForGo();
  const docs = await open(args.modelId, args.docs);
  emit({ event: "done" });
  await waitForGo();
  const openCount = docs.filter((d) => d.subscribed).length + warm.length;
  c.close();
  return { docs: args.docs, open: openCount };
}

// W3: as ours.js `typing`; an op's latency is from submitOp to its callback (the ack).
async function typing(args) {
  const docs = [];
  for (let i = 0; i < args.clients; i++) {
    docs.push(await libDoc(libConnection(args.url), args.modelId, ""));
  }
  const res = await openLoop(docs, args, async (doc) => {
    const t0 = now();
    const len = doc.data.length;
    await submit(doc, len ? [len, "x"] : ["x"]);
    return now() - t0;
  });
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline && !docs.every((d) => d.data === docs[0].data && !d.hasPending())) {
    await sleep(50);
  }
  res.converged = docs.every((d) => d.data === docs[0].data);
  res.final_length = docs[0].data.length;
  return res;
}

module.exports = { proto, history, lib, fanout, memDocs, typing };
