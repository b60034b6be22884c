"use strict";
// rc.12's offline mode against the server (issue 13, item 1), all in one Node process so that
// the IndexedDB (fake-indexeddb, in memory) outlives a "page reload":
//   * A (user `a`, offline storage) subscribes three models offline and edits `main` online;
//   * A's network is blocked: its socket is terminated (no close frame, as a dropped link) and
//     every new socket goes to a closed port. A edits `main` offline;
//   * A also edits `dirty` offline (opened before the block);
//   * meanwhile B (user `b`, no offline storage) edits `main`, deletes `gone` and `dirty` and
//     takes A's read permission on `revoked` away;
//   * "reload": A's Domain is abandoned with its network dead for good (a closed tab), and a
//     new Domain A2 over the same IndexedDB starts with initializeOffline, opens `main` from
//     storage and edits more, still offline;
//   * A2 comes back (the block is lifted, a fresh password login, as a reloaded page does)
//     while B keeps editing. Then both must show the same text, every marker exactly once,
//     and A2 must have been told that `gone` was deleted and `revoked` became unreadable; the
//     sync of `dirty` fails ("no model"): rc.12 keeps its resync copy registered as open and
//     so ignores the server's `deleted` for it.
// With `loseAcks`, A's last online edits reach the server but their acks are lost before the
// block, and A2 comes back with A's reconnect token (kept by the app, as a page keeps it in
// localStorage): the server must take those edits as A2's own when A2 resends them.
// Without `openStoreFirst` A logs in straight away, as Convergence.connectWithPassword does.
// args: {url, collection, main, gone, revoked, dirty, a: {username, password}, b: {...},
//        onlineEdits, offlineEdits, reloadEdits, remoteEdits, pauseMs, loseAcks,
//        openStoreFirst}
// fake-indexeddb/auto installs indexedDB as a global, as a browser has it.
const path = require("path");
const { createRequire } = require("module");
const JS_ROOT = process.env.CONVERGENCE_E2E_JS_ROOT || path.resolve(__dirname, "..", "..", "..", "js");
createRequire(path.join(JS_ROOT, "package.json"))("fake-indexeddb/auto");

module.exports = async function offlineSync(args, lib) {
  const { client, sleep } = lib;
  const { ConvergenceDomain, IdbStorageAdapter } = client;
  const log = [];
  const note = (what) => log.push({ at: Date.now(), what });

  // One "network" per Domain: `blocked` sends new sockets to a closed port; `cut()` also
  // kills the socket in use.
  // `deaf` drops every incoming frame (the server's acks are lost on the way back).
  function network() {
    const net = { blocked: false, deaf: false, current: null, sockets: 0 };
    net.factory = (url) => {
      net.sockets += 1;
      const ws = new lib.WebSocket(net.blocked ? "ws://127.0.0.1:9/blocked" : url);
      ws.on("error", () => {});
      const emit = ws.emit.bind(ws);
      ws.emit = (event, ...rest) => (event === "message" && net.deaf ? false : emit(event, ...rest));
      net.current = ws;
      return ws;
    };
    net.cut = () => {
      net.blocked = true;
      if (net.current) net.current.terminate();
    };
    return net;
  }

  function options(net, offline) {
    const o = lib.buildOptions(
      {
        webSocket: { class: lib.WebSocket, factory: net.factory },
        reconnect: { autoReconnect: true, reconnectIntervals: [0.2] },
        protocol: { defaultRequestTimeout: 10 },
      },
      lib.newWireStats(),
    );
    // The default snapshot interval (100 ops): a snapshot taken while local ops are unacked
    // makes rc.12 drop them from its in-flight list after a reload (its rehydration skips
    // every local op up to the snapshot's sequence number, whose data already holds them),
    // so they would never reach the server. This run stays below it.
    if (offline) o.offline = { storage: new IdbStorageAdapter() };
    return o;
  }

  function recordOffline(domain, events) {
    const names = [
      "offline_model_downloaded", "offline_model_updated", "offline_model_deleted",
      "offline_model_permissions_revoked", "offline_model_sync_error",
      "offline_model_sync_completed", "offline_models_sync_completed", "error",
    ];
    for (const name of names) {
      domain.models().on(name, (e) => {
        const id = e.id !== undefined ? e.id : e.modelId !== undefined ? e.modelId : null;
        events.push({ name, id, message: e.message || null,
          version: e.version !== undefined ? e.version : null });
      });
    }
  }

  const eventsA = [];
  const eventsA2 = [];
  const seen = () => ({ eventsA, eventsA2, log });
  async function waitFor(what, pred, ms = 20000) {
    const until = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > until) {
        throw lib.codedError("wait_timeout", `waiting for ${what}; seen: ${JSON.stringify(seen())}`);
      }
      await sleep(25);
    }
  }

  const text = (model) => model.root().get("text").value();
  let serial = 0;
  async function typeMarkers(model, who, count) {
    const made = [];
    for (let k = 0; k < count; k++) {
      const marker = `<${who}.${serial++}>`;
      const t = model.root().get("text");
      t.insert(t.value().length, marker);
      made.push(marker);
      await sleep(args.pauseMs);
    }
    return made;
  }
  const committed = (m) => m.isCommitted();

  // --- B sets the stage ---------------------------------------------------------------
  const netB = network();
  const b = await lib.Convergence.connectWithPassword(args.url, args.b, options(netB, false));
  const world = { read: true, write: true, remove: false, manage: false };
  for (const id of [args.main, args.gone, args.revoked, args.dirty]) {
    await b.models().create({
      collection: args.collection, id, data: { text: "" },
      overrideCollectionWorldPermissions: true, worldPermissions: world,
    });
  }
  const mainB = await b.models().open(args.main);

  // --- A subscribes and edits online --------------------------------------------------
  const netA = network();
  const a = new ConvergenceDomain(args.url, options(netA, true));
  recordOffline(a, eventsA);
  if (args.openStoreFirst) await a.initializeOffline(args.a.username);
  await a.connectWithPassword(args.a);
  const tokenA = a.session().reconnectToken();
  await a.models().subscribeOffline([args.main, args.gone, args.revoked, args.dirty]);
  await waitFor("4 offline downloads",
    () => eventsA.filter((e) => e.name === "offline_model_downloaded").length >= 4);
  const mainA = await a.models().open(args.main);
  const dirtyA = await a.models().open(args.dirty);
  const markers = { a: [], b: [] };
  markers.a.push(...(await typeMarkers(mainA, "a", args.onlineEdits)));
  await waitFor("A online edits committed", () => committed(mainA));
  markers.b.push(...(await typeMarkers(mainB, "b", 2)));
  await waitFor("B's edits reach A", () => text(mainA) === text(mainB) && committed(mainB));
  note("online phase done");

  if (args.loseAcks) {
    netA.deaf = true;
    const unacked = await typeMarkers(mainA, "a", args.loseAcks);
    markers.a.push(...unacked);
    await waitFor("A's unacked edits reach B", () => unacked.every((m) => text(mainB).includes(m)));
    note(`${unacked.length} edits committed, acks lost`);
  }

  // --- A goes offline; B edits, deletes and revokes -------------------------------------
  netA.cut();
  await waitFor("A offline", () => !a.isConnected());
  markers.a.push(...(await typeMarkers(mainA, "a", args.offlineEdits)));
  const lostEdits = await typeMarkers(dirtyA, "d", 2);
  markers.b.push(...(await typeMarkers(mainB, "b", args.remoteEdits)));
  await b.models().remove(args.gone);
  await b.models().remove(args.dirty);
  await b.models().permissions(args.revoked).setWorldPermissions(
    { read: false, write: false, remove: false, manage: false });
  await waitFor("B committed", () => committed(mainB));
  await sleep(300); // A's IndexedDB writes of its offline edits settle (a tab keeps running)
  const beforeReload = text(mainA);
  note("offline phase done");

  // --- "reload": A's page dies; A2 starts offline over the same IndexedDB ----------------
  netA.blocked = true; // for good: the dead tab never reconnects
  const netA2 = network();
  netA2.blocked = true;
  const a2 = new ConvergenceDomain(args.url, options(netA2, true));
  recordOffline(a2, eventsA2);
  await a2.initializeOffline(args.a.username);
  const subscribedAfterReload = (await a2.models().getOfflineSubscriptions()).sort();
  const mainA2 = await a2.models().open(args.main);
  const reloadedText = text(mainA2);
  markers.a.push(...(await typeMarkers(mainA2, "a", args.reloadEdits)));
  await sleep(300);
  note("reload phase done");

  // --- A2 comes back while B keeps editing ----------------------------------------------
  netA2.blocked = false;
  const bEditing = typeMarkers(mainB, "b", args.remoteEdits);
  if (args.loseAcks) await a2.reconnect(tokenA);
  else await a2.connectWithPassword(args.a);
  markers.b.push(...(await bEditing));
  await waitFor("A2 synced and both converged", () =>
    a2.isConnected() && committed(mainA2) && committed(mainB) &&
    text(mainA2) === text(mainB), 30000);
  await waitFor("A2 told of the deleted and the revoked models", () =>
    eventsA2.some((e) => e.name === "offline_model_deleted") &&
    eventsA2.some((e) => e.name === "offline_model_sync_error") &&
    eventsA2.some((e) => e.name === "offline_model_permissions_revoked"), 20000);
  const subscribedAtEnd = (await a2.models().getOfflineSubscriptions()).sort();

  // A fresh client reads what the server stored.
  const netC = network();
  const c = await lib.Convergence.connectWithPassword(args.url, args.b, options(netC, false));
  const fresh = await c.models().open(args.main);
  let dirtyOnServer;
  try {
    await c.models().open(args.dirty);
    dirtyOnServer = "open";
  } catch (e) {
    dirtyOnServer = lib.describeError(e).code;
  }
  const result = {
    ok: true,
    markers,
    beforeReload,
    reloadedText,
    textA2: text(mainA2),
    textB: text(mainB),
    textServer: text(fresh),
    versionServer: fresh.version(),
    subscribedAfterReload,
    lostEdits,
    dirtyOnServer,
    subscribedAtEnd,
    eventsA,
    eventsA2,
    log,
  };
  await fresh.close();
  for (const d of [c, b, a2]) await lib.safeDisconnect(d);
  return result;
};
