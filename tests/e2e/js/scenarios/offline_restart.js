"use strict";
// Offline subscriptions across a server restart (issue 13, item 1). A (offline storage,
// auto-reconnect) subscribes `main` and `gone` without opening them and writes `readyFile`;
// the test restarts the server and touches `goFile`. A reconnects by itself (and resends its
// subscriptions, as rc.12 does on every connect); then B, connecting after the restart, sets
// `main`'s text and deletes `gone`. A must get offline updates for both, and its stored copy
// of `main` (opened offline afterwards) must hold the new text.
// args: {url, collection, main, gone, a: {username, password}, b: {...}, readyFile, goFile}
// fake-indexeddb/auto installs indexedDB as a global, as a browser has it.
const path = require("path");
const { createRequire } = require("module");
const JS_ROOT = process.env.CONVERGENCE_E2E_JS_ROOT || path.resolve(__dirname, "..", "..", "..", "js");
createRequire(path.join(JS_ROOT, "package.json"))("fake-indexeddb/auto");
const fs = require("fs");

module.exports = async function offlineRestart(args, lib) {
  const { client, sleep } = lib;
  const { ConvergenceDomain, IdbStorageAdapter } = client;

  // One "network" per Domain; A's is blocked at the end to read what A stored.
  function network() {
    const net = { blocked: false, current: null };
    net.factory = (url) => {
      const ws = new lib.WebSocket(net.blocked ? "ws://127.0.0.1:9/blocked" : url);
      ws.on("error", () => {});
      net.current = ws;
      return ws;
    };
    return net;
  }
  const options = (net, offline) => {
    const o = lib.buildOptions(
      {
        webSocket: { class: lib.WebSocket, factory: net.factory },
        reconnect: { autoReconnect: true, reconnectIntervals: [0.3] },
        protocol: { defaultRequestTimeout: 10 },
      },
      lib.newWireStats(),
    );
    if (offline) o.offline = { storage: new IdbStorageAdapter() };
    return o;
  };
  const events = [];
  const seen = () => events;
  async function waitFor(what, pred, ms = 30000) {
    const until = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > until) {
        throw lib.codedError("wait_timeout", `waiting for ${what}; seen: ${JSON.stringify(seen())}`);
      }
      await sleep(25);
    }
  }

  const b = await lib.Convergence.connectWithPassword(args.url, args.b, options(network(), false));
  for (const id of [args.main, args.gone]) {
    await b.models().create({
      collection: args.collection, id, data: { text: "before" },
      overrideCollectionWorldPermissions: true,
      worldPermissions: { read: true, write: true, remove: false, manage: false },
    });
  }
  await b.disconnect();

  let connects = 0;
  const net = network();
  const a = new ConvergenceDomain(args.url, options(net, true));
  a.on("connected", () => { connects += 1; });
  for (const name of ["offline_model_downloaded", "offline_model_updated",
    "offline_model_deleted", "offline_model_permissions_revoked", "error"]) {
    a.models().on(name, (e) => events.push({
      name, id: e.id !== undefined ? e.id : null,
      version: e.version !== undefined ? e.version : null, message: e.message || null,
    }));
  }
  await a.initializeOffline(args.a.username); // the store first: see offline_sync.js
  await a.connectWithPassword(args.a);
  await a.models().subscribeOffline([args.main, args.gone]);
  await waitFor("downloads", () =>
    events.filter((e) => e.name === "offline_model_downloaded").length >= 2);
  fs.writeFileSync(args.readyFile, "ready");

  await waitFor("the restart", () => fs.existsSync(args.goFile), 60000);
  await waitFor("A reconnected", () => connects >= 2 && a.isConnected(), 30000);

  const b2 = await lib.Convergence.connectWithPassword(args.url, args.b, options(network(), false));
  const mainB = await b2.models().open(args.main);
  mainB.root().get("text").value("after restart");
  await waitFor("B committed", () => mainB.isCommitted());
  const versionAfter = mainB.version();
  await mainB.close();
  await b2.models().remove(args.gone);
  await waitFor("A told of the edit and the deletion", () =>
    events.some((e) => e.name === "offline_model_updated" && e.id === args.main &&
      e.version === versionAfter) &&
    events.some((e) => e.name === "offline_model_deleted"));
  const subscribedAtEnd = (await a.models().getOfflineSubscriptions()).sort();

  // What A stored: opened with the network down, from IndexedDB alone.
  net.blocked = true;
  if (net.current) net.current.terminate();
  await waitFor("A offline", () => !a.isConnected());
  const stored = await a.models().open(args.main);
  const storedText = stored.root().get("text").value();

  await lib.safeDisconnect(b2);
  return {
    ok: true,
    reconnected: connects >= 2,
    events,
    versionAfter,
    textAfter: "after restart",
    storedText,
    subscribedAtEnd,
  };
};
