"use strict";
// Stay connected for a while and report what the heartbeat did.
// args: {url, auth, durationMs, pingInterval?, pongTimeout? (client heartbeat, seconds),
//        clientHeartbeat?: bool (default true), dropPongs?: bool (the client's pongs to
//        server pings are swallowed), options?}
module.exports = async function heartbeat(args, lib) {
  const stats = lib.newWireStats();
  const clientHeartbeat = args.clientHeartbeat !== false;
  const heartbeat = clientHeartbeat
    ? { enabled: true, pingInterval: args.pingInterval, pongTimeout: args.pongTimeout }
    : { enabled: false };
  const options = lib.buildOptions(
    { ...(args.options || {}), protocol: { defaultRequestTimeout: 5, heartbeat } },
    stats,
  );
  const domain = await lib.connect(args.url, args.auth, options);
  const events = lib.recordEvents(domain);
  stats.dropPongs = Boolean(args.dropPongs);
  const sessionIdBefore = domain.session().sessionId();
  await lib.sleep(args.durationMs);
  const connectedAtEnd = domain.isConnected();
  const sessionIdAfter = domain.session().sessionId();
  // One request after the quiet period proves the connection still carries traffic.
  let serverTimeOk = false;
  if (connectedAtEnd) {
    try {
      await domain.serverTime();
      serverTimeOk = true;
    } catch (e) {
      serverTimeOk = lib.describeError(e);
    }
  }
  // Snapshot before our own disconnect adds its events and close frames.
  const result = {
    ok: true,
    connectedAtEnd,
    sessionIdBefore,
    sessionIdAfter,
    serverTimeOk,
    events: [...events],
    wire: JSON.parse(JSON.stringify(stats)),
  };
  await lib.safeDisconnect(domain);
  return result;
};
