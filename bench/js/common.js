"use strict";
// Shared by every generator: module loading from the scratch npm directory, timing, statistics,
// and the line protocol with bench/run.py (JSON events on stdout, "go" lines on stdin).

const path = require("path");
const { createRequire } = require("module");

const NODE_DIR = process.env.BENCH_NODE_DIR || path.resolve(__dirname, "..", ".work", "node");
const requirePeer = createRequire(path.join(NODE_DIR, "package.json"));

function now() {
  return performance.now();
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summary(values) {
  const s = Float64Array.from(values).sort();
  const r = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p90: r(percentile(s, 90)),
    p99: r(percentile(s, 99)),
    max: r(s.length ? s[s.length - 1] : null),
  };
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

// The measured window: run.py samples the server's CPU at "start" and "end".
class Window {
  constructor() {
    this.t0 = 0;
    this.t1 = 0;
    this.cpu0 = null;
    this.cpu = null;
  }
  start() {
    this.t0 = now();
    this.cpu0 = process.cpuUsage();
    emit({ event: "start" });
  }
  end() {
    this.t1 = now();
    const d = process.cpuUsage(this.cpu0);
    this.cpu = (d.user + d.system) / 1e6;
    emit({ event: "end" });
  }
  get seconds() {
    return (this.t1 - this.t0) / 1000;
  }
  get genCpuUtil() {
    return this.cpu / this.seconds;
  }
}

// Wait for one line on stdin (run.py says "go" after sampling memory).
function waitForGo() {
  return new Promise((resolve) => {
    let buf = "";
    const onData = (chunk) => {
      buf += chunk.toString();
      if (buf.includes("\n")) {
        process.stdin.off("data", onData);
        process.stdin.pause();
        resolve(buf.trim());
      }
    };
    process.stdin.on("data", onData);
    process.stdin.resume();
  });
}

// A closed loop driver: run `clients` loops; each loop body returns the ack latency in ms.
// The first `warmupMs` are not counted.
async function closedLoop(clients, { seconds, warmupMs }, step) {
  const lat = [];
  let ops = 0;
  let counting = false;
  let stop = false;
  const win = new Window();
  const loops = clients.map(async (c) => {
    while (!stop) {
      const ms = await step(c);
      if (counting && !stop) {
        ops += 1;
        lat.push(ms);
      }
    }
  });
  await sleep(warmupMs);
  counting = true;
  win.start();
  await sleep(seconds * 1000);
  stop = true;
  counting = false;
  win.end();
  await Promise.all(loops);
  return {
    ops,
    seconds: win.seconds,
    ops_per_s: ops / win.seconds,
    ack_ms: summary(lat),
    gen_cpu_util: win.genCpuUtil,
  };
}

// An open loop driver (W3 typing): every client sends one op every 1000/rate ms, whatever the
// acks do, the clients' phases spread evenly over one period; `step` sends one op and returns a
// promise of its ack latency in ms. Ops sent in the first `warmupMs` are not counted; the
// window closes after `seconds`, then the acks still due are awaited (at most 10 s).
async function openLoop(clients, { rate, seconds, warmupMs }, step) {
  const lat = [];
  const pending = [];
  let ops = 0;
  let counting = false;
  let stop = false;
  const period = 1000 / rate;
  const win = new Window();
  const loops = clients.map(async (c, i) => {
    await sleep((period * i) / clients.length);
    let due = now();
    while (!stop) {
      const counted = counting;
      pending.push(
        step(c).then((ms) => {
          if (counted) {
            ops += 1;
            lat.push(ms);
          }
        })
      );
      due += period;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
    }
  });
  await sleep(warmupMs);
  counting = true;
  win.start();
  await sleep(seconds * 1000);
  stop = true;
  counting = false;
  win.end();
  await Promise.all(loops);
  await Promise.race([Promise.all(pending), sleep(10000)]);
  return {
    ops,
    seconds: win.seconds,
    ops_per_s: ops / win.seconds,
    ack_ms: summary(lat),
    gen_cpu_util: win.genCpuUtil,
  };
}

module.exports = {
  requirePeer,
  now,
  sleep,
  summary,
  emit,
  Window,
  waitForGo,
  closedLoop,
  openLoop,
};
