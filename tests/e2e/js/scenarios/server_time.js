"use strict";
// Ask the server for its time (domain.serverTime()) and report it with local time bounds.
// args: {url, auth, options?}
module.exports = async function serverTime(args, lib) {
  const domain = await lib.connect(args.url, args.auth, lib.buildOptions(args.options, lib.newWireStats()));
  try {
    const localBeforeMs = Date.now();
    const t = await domain.serverTime();
    const localAfterMs = Date.now();
    return {
      ok: true,
      isDate: t instanceof Date,
      serverTimeMs: t instanceof Date ? t.getTime() : null,
      localBeforeMs,
      localAfterMs,
    };
  } finally {
    await lib.safeDisconnect(domain);
  }
};
