"use strict";
// A long-lived client driven by one JSON command per stdin line; each command is answered
// with one JSON line. Used when the test must do something (restart the server) while the
// client stays alive.
// Commands: {cmd: "connect", url, auth, options?} | {cmd: "session"} | {cmd: "events"}
//   | {cmd: "waitConnected", notSessionId?, timeoutMs} | {cmd: "serverTime"}
//   | {cmd: "disconnect"} | {cmd: "exit"}; any command may carry debug: true.
const readline = require("readline");

module.exports = async function interactive(lib, send) {
  const state = { domain: null, events: [], stats: lib.newWireStats(), debug: false };

  async function waitConnected(cmd) {
    const deadline = Date.now() + (cmd.timeoutMs || 10000);
    for (;;) {
      const d = state.domain;
      if (d && d.isConnected() && (!cmd.notSessionId || d.session().sessionId() !== cmd.notSessionId)) {
        return { ok: true, session: lib.describeSession(d), events: state.events, wire: state.stats };
      }
      if (Date.now() > deadline) {
        return {
          ok: false,
          code: "wait_timeout",
          message: `not (re)connected within ${cmd.timeoutMs} ms`,
          session: d ? lib.describeSession(d) : null,
          events: state.events,
          wire: state.stats,
        };
      }
      await lib.sleep(50);
    }
  }

  async function handle(cmd) {
    if (cmd.debug && !state.debug) {
      state.debug = true;
      lib.Convergence.configureLogging({ root: "debug" });
    }
    switch (cmd.cmd) {
      case "connect": {
        state.domain = await lib.connect(cmd.url, cmd.auth, lib.buildOptions(cmd.options, state.stats));
        state.events = lib.recordEvents(state.domain);
        return { ok: true, session: lib.describeSession(state.domain) };
      }
      case "session":
        return { ok: true, session: lib.describeSession(state.domain), events: state.events };
      case "events":
        return { ok: true, events: state.events, wire: state.stats };
      case "waitConnected":
        return waitConnected(cmd);
      case "serverTime": {
        const t = await state.domain.serverTime();
        return { ok: true, serverTimeMs: t.getTime(), localMs: Date.now() };
      }
      case "disconnect":
        await lib.safeDisconnect(state.domain);
        return { ok: true };
      case "exit":
        await lib.safeDisconnect(state.domain);
        send({ ok: true });
        process.exit(0);
        return null;
      default:
        throw new Error(`unknown command ${cmd.cmd}`);
    }
  }

  const rl = readline.createInterface({ input: process.stdin });
  // Commands are handled strictly one after another.
  let chain = Promise.resolve();
  rl.on("line", (line) => {
    if (!line.trim()) return;
    chain = chain.then(async () => {
      let cmd;
      try {
        cmd = JSON.parse(line);
        send(await handle(cmd));
      } catch (e) {
        send({ ok: false, ...lib.describeError(e) });
      }
    });
  });
  rl.on("close", () => {
    chain.then(() => lib.safeDisconnect(state.domain)).then(() => process.exit(0));
  });
};
