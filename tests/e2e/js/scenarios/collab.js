"use strict";
// Several real clients in one process, driven by a list of steps; used by the presence,
// activity and chat e2e tests.
// args: {url, steps: [step]} where a step is one of
//   {c, op: "connect", auth, options?}       connect client c (options merge into lib defaults)
//   {c, op: "disconnect"}                    clean disconnect
//   {c, op: "freeze"}                        the socket goes silent without closing: nothing is
//                                            sent or read any more (a hung or vanished peer)
//   {c, op: "terminate"}                     drop the TCP connection without a close frame
//   {op: "sleep", ms}
//   {c, op: "waitFor", where, timeoutMs?, since?}  wait until an event recorded for c satisfies
//                                            the JS predicate `where` (over `e`); value = the
//                                            event; `since` names a saved "mark" to skip older ones
//   {c, op: "mark", save}                    the number of events recorded for c so far
//   {c, js, save?}                           run an async JS body with (d, ctx, h, lib, vars):
//                                            d = the domain, h = helpers (below), vars = saved
//                                            values; its return value is the step's value and is
//                                            stored in vars[save]
// Result: {ok: true, results: [{ok, value} | {ok: false, code, message}], events: {c: [...]},
//          frameHeads: {c: [first two bytes of each received frame, hex]}}.
// A failing step does not stop the others unless it has `required: true`.

function describeValue(v) {
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}

function userName(u) {
  return u ? u.username : null;
}

module.exports = async function collab(args, lib) {
  const clients = {};
  const vars = {};
  const results = [];

  function client(name) {
    if (!clients[name]) clients[name] = { events: [], domain: null, ws: null };
    return clients[name];
  }

  function helpers(name) {
    const c = client(name);
    const record = (kind, data) => c.events.push({ kind, at: Date.now(), ...data });
    return {
      record,
      watchPresence(sub) {
        sub.events().subscribe((e) =>
          record("presence", {
            name: e.name,
            user: userName(e.user),
            available: e.available,
            state: e.state ? describeValue(e.state) : undefined,
            keys: e.keys,
          }),
        );
        return sub;
      },
      watchActivity(activity) {
        activity.events().subscribe((e) =>
          record("activity", {
            name: e.name,
            activity: activity.id(),
            user: userName(e.user),
            sessionId: e.sessionId,
            local: e.local,
            key: e.key,
            value: e.value,
            reason: e.reason,
          }),
        );
        return activity;
      },
      watchChat(chat) {
        chat.events().subscribe((e) =>
          record("chat", {
            name: e.name,
            chatId: e.chatId,
            eventNumber: e.eventNumber,
            user: userName(e.user),
            message: e.message,
            addedUser: userName(e.addedUser),
            removedUser: userName(e.removedUser),
            chatName: e.chatName,
            topic: e.topic,
          }),
        );
        return chat;
      },
      participants(activity) {
        return activity
          .participants()
          .map((p) => ({
            sessionId: p.sessionId,
            user: userName(p.user),
            local: p.local,
            state: describeValue(p.state),
          }))
          .sort((x, y) => (x.sessionId < y.sessionId ? -1 : 1));
      },
      chatInfo(info) {
        return {
          chatId: info.chatId,
          chatType: info.chatType,
          membership: info.membership,
          name: info.name,
          topic: info.topic,
          lastEventNumber: info.lastEventNumber,
          maxSeenEventNumber: info.maxSeenEventNumber,
          members: (info.members || [])
            .map((m) => ({ user: userName(m.user), maxSeenEventNumber: m.maxSeenEventNumber }))
            .sort((x, y) => (x.user < y.user ? -1 : 1)),
        };
      },
      historyEntry(h) {
        return {
          type: h.type,
          eventNumber: h.eventNumber,
          user: userName(h.user),
          message: h.message,
          name: h.name,
          topic: h.topic,
          addedUser: userName(h.addedUser),
          removedUser: userName(h.removedUser),
          members: h.members ? h.members.map(userName).sort() : undefined,
        };
      },
      userId: lib.DomainUserId,
      session: () => lib.describeSession(c.domain),
    };
  }

  async function runStep(step) {
    if (step.op === "sleep") {
      await lib.sleep(step.ms);
      return null;
    }
    const c = client(step.c);
    switch (step.op) {
      case "connect": {
        const options = lib.buildOptions(step.options, lib.newWireStats());
        const make = options.webSocket.factory;
        options.webSocket.factory = (url) => {
          c.ws = make(url);
          // First two bytes of every incoming frame: the envelope's first field tag, enough
          // to tell which message kinds reached this client (e.g. "9a19" = field 403).
          c.frameHeads = c.frameHeads || [];
          c.ws.on("message", (data) => {
            c.frameHeads.push(Buffer.from(data).subarray(0, 2).toString("hex"));
          });
          return c.ws;
        };
        c.domain = await lib.connect(args.url, step.auth, options);
        return lib.describeSession(c.domain);
      }
      case "disconnect":
        await c.domain.disconnect();
        return null;
      case "freeze":
        c.frozen = true;
        c.ws.send = () => {};
        c.ws._socket.pause();
        c.ws.removeAllListeners("message");
        return null;
      case "terminate":
        // A ping already read from the socket would otherwise reach rc.12 after the close,
        // and its pong throws "WebSocket is not open" out of the message handler.
        c.ws.removeAllListeners("message");
        c.ws.terminate();
        return null;
      case "mark":
        return c.events.length;
      case "waitFor": {
        const pred = new Function("e", `return (${step.where});`);
        const skip = step.since ? vars[step.since] : 0;
        const deadline = Date.now() + (step.timeoutMs || 5000);
        const start = Date.now();
        for (;;) {
          const hit = c.events.slice(skip).find((e) => {
            try {
              return pred(e);
            } catch (_) {
              return false;
            }
          });
          if (hit) return { ...hit, waitedMs: Date.now() - start };
          if (Date.now() > deadline) {
            throw lib.codedError("wait_timeout", `no event matching ${step.where} for ${step.c}`);
          }
          await lib.sleep(25);
        }
      }
      default:
        if (step.js !== undefined) {
          const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
          const body = new AsyncFunction("d", "ctx", "h", "lib", "vars", step.js);
          return await body(c.domain, c, helpers(step.c), lib, vars);
        }
        throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
  }

  try {
    for (const step of args.steps || []) {
      let entry;
      try {
        const value = await runStep(step);
        if (step.save) vars[step.save] = value;
        entry = { ok: true, value: value === undefined ? null : value };
      } catch (e) {
        entry = { ok: false, ...lib.describeError(e) };
      }
      results.push(entry);
      if (!entry.ok && step.required) break;
    }
  } finally {
    for (const c of Object.values(clients)) {
      if (c.frozen && c.ws) c.ws.terminate();
      else await lib.safeDisconnect(c.domain);
    }
  }
  const events = {};
  const frameHeads = {};
  for (const [name, c] of Object.entries(clients)) {
    events[name] = c.events;
    frameHeads[name] = c.frameHeads || [];
  }
  return { ok: true, results, events, frameHeads };
};
