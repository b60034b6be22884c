"use strict";
// Generators for our server. `proto*`: a minimal protobuf client built on our own .proto files
// (protobufjs + ws) that submits a one-character insert at index 0 against the latest version it
// has seen and waits for the ack, without integrating anyone's ops. `lib*`: the real
// @convergence/convergence rc.12 client.

const path = require("path");
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

const protobuf = requirePeer("protobufjs");
const WebSocket = requirePeer("ws");

const REPO = path.resolve(__dirname, "..", "..");
let Envelope = null;

function envelopeType() {
  if (Envelope) return Envelope;
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    target.startsWith("google/") || path.isAbsolute(target) ? target : path.join(REPO, target);
  root.loadSync(path.join(REPO, "convergence_jupyter/protocol/schema/message.proto"), {
    keepCase: true,
  });
  Envelope = root.lookupType("com.convergencelabs.convergence.proto.ConvergenceMessage");
  return Envelope;
}

const num = (v) => (typeof v === "number" ? v : v == null ? 0 : v.toNumber());

// One protocol-level session on one model.
class ProtoClient {
  constructor(url, name) {
    this.url = url;
    this.name = name;
    this.E = envelopeType();
    this.nextRequest = 0;
    this.pending = new Map();
    this.ackWaiter = null;
    this.seq = 0;
    this.version = 0;
    this.remoteSeen = 0;
    this.onRemote = null;
  }

  send(obj) {
    this.ws.send(this.E.encode(this.E.fromObject(obj)).finish());
  }

  request(body) {
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ requestId: { value: id }, ...body });
    });
  }

  async connect() {
    this.ws = new WebSocket(this.url, { perMessageDeflate: false });
    this.ws.binaryType = "nodebuffer";
    await new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
    this.ws.on("message", (data) => this.onFrame(data));
    const reply = await this.request({
      connectionRequest: {
        client: "bench",
        clientVersion: "0",
        anonymous: { displayName: { value: this.name } },
      },
    });
    if (!reply.connectionResponse || !reply.connectionResponse.success) {
      throw new Error("connection refused: " + JSON.stringify(reply));
    }
    this.sessionId = reply.connectionResponse.success.sessionId;
  }

  onFrame(data) {
    const m = this.E.decode(data);
    if (m.responseId) {
      const p = this.pending.get(m.responseId.value || 0);
      if (p) {
        this.pending.delete(m.responseId.value || 0);
        if (m.error) p.reject(new Error(m.error.code + ": " + m.error.message));
        else p.resolve(m);
      }
      return;
    }
    if (m.operationAck) {
      this.version = Math.max(this.version, num(m.operationAck.version) + 1);
      const w = this.ackWaiter;
      this.ackWaiter = null;
      if (w) w();
    } else if (m.remoteOperation) {
      this.version = Math.max(this.version, num(m.remoteOperation.contextVersion) + 1);
      this.remoteSeen += 1;
      if (this.onRemote) this.onRemote(this.remoteSeen);
    } else if (m.modelAutoCreateConfigRequest) {
      this.send({
        responseId: { value: m.requestId ? m.requestId.value || 0 : 0 },
        modelAutoCreateConfigResponse: {
          collection: "bench",
          data: { id: "0:0", children: { text: { stringValue: { id: "0:1", value: "" } } } },
        },
      });
    } else if (m.ping) {
      this.send({ pong: {} });
    } else if (m.error) {
      process.stderr.write(`${this.name}: error ${m.error.code} ${m.error.message}\n`);
    } else if (m.forceCloseRealTimeModel) {
      process.stderr.write(`${this.name}: force-closed ${m.forceCloseRealTimeModel.reason}\n`);
    }
  }

  async open(modelId) {
    const reply = await this.request({
      openRealTimeModelRequest: { modelId: { value: modelId }, autoCreateId: { value: 1 } },
    });
    const r = reply.openRealTimeModelResponse;
    this.resourceId = r.resourceId;
    this.version = num(r.version);
    this.stringId = r.data.children.text.stringValue.id;
  }

  // Insert one char at 0 against the latest version seen; resolves with the ack latency (ms).
  insert(text = "x") {
    const t0 = now();
    this.seq += 1;
    return new Promise((resolve) => {
      this.ackWaiter = () => resolve(now() - t0);
      this.send({
        operationSubmission: {
          resourceId: this.resourceId,
          sequenceNumber: this.seq,
          contextVersion: this.version,
          operation: {
            discreteOperation: {
              stringSpliceOperation: { id: this.stringId, index: 0, insertedValue: text },
            },
          },
        },
      });
    });
  }

  close() {
    this.ws.close();
  }
}

async function protoClients(args) {
  const clients = [];
  for (let i = 0; i < args.clients; i++) {
    const c = new ProtoClient(args.url, `p${i}`);
    await c.connect();
    await c.open(args.modelId);
    clients.push(c);
  }
  return clients;
}

// W2: C protocol clients, window 1, closed loop.
async function proto(args) {
  const clients = await protoClients(args);
  const res = await closedLoop(clients, args, (c) => c.insert());
  clients.forEach((c) => c.close());
  return res;
}

// W6: one protocol client, `ops` single-char inserts, window 1; rates per slice show slowdown.
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

// -- the real client ---------------------------------------------------------------------

function realClient() {
  return requirePeer("@convergence/convergence");
}

async function libConnect(url, name) {
  const { Convergence } = realClient();
  return Convergence.connectAnonymously(url, name, {
    webSocket: { class: WebSocket },
    reconnect: { autoReconnect: false },
  });
}

async function libOpen(domain, modelId, data) {
  return domain.models().openAutoCreate({ collection: "bench", id: modelId, data });
}

// W1: C real clients, each appends one char at the end of its local copy and waits until the
// model is committed (its op acknowledged) before the next.
async function lib(args) {
  const domains = [];
  const strings = [];
  const models = [];
  for (let i = 0; i < args.clients; i++) {
    const d = await libConnect(args.url, `l${i}`);
    domains.push(d);
    const m = await libOpen(d, args.modelId, { text: "" });
    models.push(m);
    strings.push({ m, s: m.root().get("text") });
  }
  const res = await closedLoop(strings, args, ({ m, s }) => {
    const t0 = now();
    return new Promise((resolve) => {
      m.once("committed", () => resolve(now() - t0));
      s.insert(s.length(), "x");
    });
  });
  // Convergence: all replicas equal once everybody has seen everything.
  const deadline = Date.now() + 15000;
  let values = [];
  while (Date.now() < deadline) {
    values = models.map((m) => m.version());
    if (values.every((v) => v === values[0])) break;
    await sleep(50);
  }
  const texts = strings.map(({ s }) => s.value());
  res.converged = values.every((v) => v === values[0]) && texts.every((t) => t === texts[0]);
  res.final_length = texts[0].length;
  // No dispose: closing models races the exit; gen.js exits and the sockets close.
  return res;
}

// W4: one writer appends at `rate` ops/s (open loop) for `seconds`; `readers` real clients
// record when each op reaches them (same process, same clock).
async function fanout(args) {
  const readers = [];
  const domains = [];
  const sendTimes = [];
  const perDelivery = [];
  const lastArrival = [];
  const arrivals = [];
  const w = await libConnect(args.url, "writer");
  domains.push(w);
  const wm = await libOpen(w, args.modelId, { text: "" });
  const ws = wm.root().get("text");
  for (let i = 0; i < args.readers; i++) {
    const d = await libConnect(args.url, `r${i}`);
    domains.push(d);
    const m = await libOpen(d, args.modelId, { text: "" });
    let k = 0;
    m.root()
      .get("text")
      .on("insert", (e) => {
        if (e.local) return;
        const t = now();
        const idx = k++;
        const sent = sendTimes[idx];
        if (sent === undefined) return;
        perDelivery.push(t - sent);
        arrivals[idx] = (arrivals[idx] || 0) + 1;
        lastArrival[idx] = Math.max(lastArrival[idx] || 0, t - sent);
      });
    readers.push(m);
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
    ws.insert(ws.length(), "x");
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
  // No dispose: closing models races the exit; gen.js exits and the sockets close.
  return res;
}

// W5: one connection opens `docs` small models and keeps them open; run.py reads the server's
// RSS around it.
async function memDocs(args) {
  const d = await libConnect(args.url, "mem");
  const open = async (prefix, n) => {
    const out = [];
    for (let i = 0; i < n; i += 20) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 20); j++) {
        batch.push(libOpen(d, `${prefix}-${j}`, { text: "hello" }));
      }
      out.push(...(await Promise.all(batch)));
    }
    return out;
  };
  const warm = await open(`${args.modelId}-warm`, 20);
  emit({ event: "ready" });
  await waitForGo();
  const models = await open(args.modelId, args.docs);
  emit({ event: "done" });
  await waitForGo();
  const openCount = models.filter((m) => m.isOpen()).length + warm.length;

  return { docs: args.docs, open: openCount };
}

// W3: `clients` real clients type into one shared string at `rate` chars/s each (open loop);
// an op's latency is from its insert to the next "committed" (every local op acknowledged; at
// 4 ops/s and acks in milliseconds that is its own ack).
async function typing(args) {
  const strings = [];
  for (let i = 0; i < args.clients; i++) {
    const d = await libConnect(args.url, `t${i}`);
    const m = await libOpen(d, args.modelId, { text: "" });
    strings.push({ m, s: m.root().get("text") });
  }
  const res = await openLoop(strings, args, ({ m, s }) => {
    const t0 = now();
    return new Promise((resolve) => {
      m.once("committed", () => resolve(now() - t0));
      s.insert(s.length(), "x");
    });
  });
  const texts = strings.map(({ s }) => s.value());
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline && !strings.every(({ s }) => s.value() === strings[0].s.value())) {
    await sleep(50);
  }
  res.converged = strings.every(({ s }) => s.value() === strings[0].s.value());
  res.final_length = texts[0].length;
  return res;
}

module.exports = { proto, history, lib, fanout, memDocs, typing };
