"use strict";
// Shared helpers for the e2e scenarios: load the real client from tests/js/node_modules,
// build client options with short timeouts, connect with any auth method, describe sessions
// and users as plain JSON, and count heartbeat frames on the wire.

const path = require("path");
const { createRequire } = require("module");

const JS_ROOT = process.env.CONVERGENCE_E2E_JS_ROOT || path.resolve(__dirname, "..", "..", "js");
const fromTests = createRequire(path.join(JS_ROOT, "package.json"));
const client = fromTests("@convergence/convergence");
const WebSocket = fromTests("ws");
const { Convergence, DomainUserId } = client;

// -- options ---------------------------------------------------------------------------

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function deepMerge(base, overrides) {
  const out = { ...base };
  for (const [k, v] of Object.entries(overrides || {})) {
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? deepMerge(base[k], v) : v;
  }
  return out;
}

// Counters for what crossed the socket. A ping envelope is exactly the two bytes 2a 00
// (field 5, empty message) and a pong is 32 00 (field 6).
function newWireStats() {
  return {
    sockets: 0,
    sent: 0,
    received: 0,
    pingsSent: 0,
    pongsSent: 0,
    pingsReceived: 0,
    pongsReceived: 0,
    // Set dropPongs to make the real client "deaf": its answers to server pings are dropped.
    dropPongs: false,
    pongsDropped: 0,
    closes: [],
  };
}

function frameKind(data) {
  let b;
  if (Buffer.isBuffer(data)) b = data;
  else if (data instanceof ArrayBuffer) b = Buffer.from(data);
  else if (ArrayBuffer.isView(data)) b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  else return "other";
  if (b.length === 2 && b[1] === 0) {
    if (b[0] === 0x2a) return "ping";
    if (b[0] === 0x32) return "pong";
  }
  return "other";
}

function instrumentedSocket(url, stats) {
  const ws = new WebSocket(url);
  stats.sockets += 1;
  const send = ws.send.bind(ws);
  ws.send = (data, ...rest) => {
    stats.sent += 1;
    const kind = frameKind(data);
    if (kind === "ping") stats.pingsSent += 1;
    else if (kind === "pong") {
      if (stats.dropPongs) {
        stats.pongsDropped += 1;
        return undefined;
      }
      stats.pongsSent += 1;
    }
    return send(data, ...rest);
  };
  ws.on("message", (data) => {
    stats.received += 1;
    const kind = frameKind(data);
    if (kind === "ping") stats.pingsReceived += 1;
    else if (kind === "pong") stats.pongsReceived += 1;
  });
  ws.on("close", (code, reason) => {
    stats.closes.push({ code, reason: reason ? reason.toString() : "", at: Date.now() });
  });
  return ws;
}

// Defaults chosen so that failures surface quickly instead of being retried or waited out.
function buildOptions(overrides, stats) {
  const base = {
    webSocket: { class: WebSocket, factory: (url) => instrumentedSocket(url, stats) },
    connection: { timeout: 3, connectionRequestTimeout: 5 },
    protocol: {
      defaultRequestTimeout: 5,
      heartbeat: { enabled: true, pingInterval: 5, pongTimeout: 10 },
    },
    reconnect: { autoReconnect: false, autoReconnectOnInitial: false, reconnectIntervals: [0.25] },
  };
  return deepMerge(base, overrides || {});
}

// -- connecting ------------------------------------------------------------------------

// auth: {method: "anonymous", displayName?} | {method: "password", username, password}
//     | {method: "jwt", jwt} | {method: "reconnect", token}
function connect(url, auth, options) {
  switch (auth.method) {
    case "anonymous":
      return Convergence.connectAnonymously(url, auth.displayName, options);
    case "password":
      return Convergence.connectWithPassword(
        url,
        { username: auth.username, password: auth.password },
        options,
      );
    case "jwt":
      return Convergence.connectWithJwt(url, auth.jwt, options);
    case "reconnect":
      return reconnectWithToken(url, auth.token, options);
    default:
      return Promise.reject(new Error(`unknown auth method ${auth.method}`));
  }
}

// Convergence.reconnect() does not reject on `authentication_failed` when no fallbackAuth is
// configured: the client *resolves* the inner promise with the error object and then fails
// in _init() reading the user ("Cannot read properties of null"). To report the server's
// failure code we observe the domain that Convergence.reconnect() creates (by wrapping its
// static _createDomain for the duration of the call); the call itself is the real one.
async function reconnectWithToken(url, token, options) {
  const failures = [];
  const createDomain = Convergence._createDomain;
  Convergence._createDomain = function observedCreateDomain(...args) {
    const domain = createDomain.apply(this, args);
    domain.on("connection_failed", (e) => failures.push({ code: e.code, details: e.message }));
    return domain;
  };
  let domain;
  try {
    domain = await Convergence.reconnect(url, token, options);
  } catch (e) {
    if (failures.length > 0) {
      const f = failures[failures.length - 1];
      throw codedError(f.code, f.details || e.message);
    }
    throw e;
  } finally {
    Convergence._createDomain = createDomain;
  }
  if (!domain.isConnected()) {
    const f = failures[failures.length - 1] || { code: "not_connected", details: "" };
    throw codedError(f.code, f.details || "reconnect resolved but the domain is not connected");
  }
  return domain;
}

function codedError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// -- describing ------------------------------------------------------------------------

function describeUser(u) {
  if (u === undefined || u === null) return null;
  return {
    userType: u.userType,
    username: u.username,
    displayName: u.displayName === undefined ? null : u.displayName,
    firstName: u.firstName === undefined ? null : u.firstName,
    lastName: u.lastName === undefined ? null : u.lastName,
    email: u.email === undefined ? null : u.email,
    anonymous: u.anonymous,
    normal: u.normal,
  };
}

function describeSession(domain) {
  const s = domain.session();
  return {
    connected: domain.isConnected(),
    namespace: domain.namespace(),
    domainId: domain.id(),
    sessionId: s.sessionId(),
    reconnectToken: s.reconnectToken(),
    user: describeUser(s.user()),
  };
}

function describeError(e) {
  if (e === undefined || e === null) return { code: "unknown", message: String(e) };
  return {
    code: e.code !== undefined ? e.code : e.name || "error",
    message: e.message !== undefined ? e.message : String(e),
    details: e.details !== undefined ? e.details : undefined,
  };
}

// Record every domain event (name + time) for assertions about reconnects and heartbeats.
function recordEvents(domain) {
  const events = [];
  for (const name of Object.values(client.ConvergenceDomain.Events)) {
    domain.on(name, (e) => {
      const entry = { name, at: Date.now() };
      if (e && e.code !== undefined) entry.code = e.code;
      if (e && typeof e.message === "string") entry.message = e.message;
      if (e && e.delay !== undefined) entry.delay = e.delay;
      events.push(entry);
    });
  }
  return events;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function safeDisconnect(domain) {
  if (domain && domain.isConnected()) {
    try {
      await domain.disconnect();
    } catch (_) {
      // best effort: the result is already decided
    }
  }
}

module.exports = {
  client,
  Convergence,
  DomainUserId,
  WebSocket,
  buildOptions,
  newWireStats,
  connect,
  codedError,
  describeUser,
  describeSession,
  describeError,
  recordEvents,
  sleep,
  safeDisconnect,
};
