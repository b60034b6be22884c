"use strict";
// Open many connections at once (one real client each), report each outcome, disconnect all.
// args: {url, auths: [auth, ...], holdMs?}
module.exports = async function connectMany(args, lib) {
  const started = Date.now();
  const outcomes = await Promise.allSettled(
    args.auths.map((auth) => lib.connect(args.url, auth, lib.buildOptions(args.options, lib.newWireStats()))),
  );
  const connectedMs = Date.now() - started;
  const domains = outcomes.filter((o) => o.status === "fulfilled").map((o) => o.value);
  const results = outcomes.map((o) =>
    o.status === "fulfilled"
      ? { ok: true, session: lib.describeSession(o.value) }
      : { ok: false, ...lib.describeError(o.reason) },
  );
  if (args.holdMs) await lib.sleep(args.holdMs);
  const stillConnected = domains.filter((d) => d.isConnected()).length;
  await Promise.all(domains.map((d) => lib.safeDisconnect(d)));
  return { ok: true, connectedMs, stillConnected, results };
};
