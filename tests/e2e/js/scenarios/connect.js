"use strict";
// Connect with one auth method and report the session the client sees.
// args: {url, auth: {method, ...}, options?, profile?: bool}
module.exports = async function connect(args, lib) {
  const stats = lib.newWireStats();
  const started = Date.now();
  const domain = await lib.connect(args.url, args.auth, lib.buildOptions(args.options, stats));
  try {
    const result = { ok: true, session: lib.describeSession(domain), elapsedMs: Date.now() - started };
    if (args.profile) result.profile = lib.describeUser(await domain.identity().profile());
    return result;
  } finally {
    await lib.safeDisconnect(domain);
  }
};
