"use strict";
// Get a JWT from the Jupyter login bridge over HTTP (optionally with the Jupyter token),
// then connect the real client with it.
// args: {bridgeUrl, jupyterToken?: string|null, options?}
module.exports = async function loginBridge(args, lib) {
  const headers = { "Content-Type": "application/json" };
  if (args.jupyterToken) headers.Authorization = `token ${args.jupyterToken}`;
  const response = await fetch(args.bridgeUrl, { method: "POST", headers, body: "{}" });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch (_) {
    body = text;
  }
  if (response.status !== 200) {
    return { ok: false, code: `http_${response.status}`, message: String(text).slice(0, 500), status: response.status };
  }
  const url = args.url || body.realtimeUrl;
  const domain = await lib.connect(url, { method: "jwt", jwt: body.jwt }, lib.buildOptions(args.options, lib.newWireStats()));
  try {
    return { ok: true, status: response.status, bridge: body, usedUrl: url, session: lib.describeSession(domain) };
  } finally {
    await lib.safeDisconnect(domain);
  }
};
