"use strict";
// A bare websocket (no Convergence client): optionally send frames, then watch for `waitMs`
// and report what came back and whether/when the server closed the socket.
// args: {url, send?: [hex string | {text: string}], waitMs}
module.exports = async function rawSocket(args, lib) {
  const ws = new lib.WebSocket(args.url);
  const received = [];
  const started = Date.now();
  let openedAt = null;
  let closed = null;
  const done = new Promise((resolve) => {
    ws.on("close", (code, reason) => {
      closed = { code, reason: reason ? reason.toString() : "", afterMs: Date.now() - (openedAt || started) };
      resolve();
    });
    ws.on("error", (e) => received.push({ error: String(e && e.message) }));
  });
  ws.on("message", (data, isBinary) => {
    received.push(isBinary ? { hex: Buffer.from(data).toString("hex") } : { text: data.toString() });
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  openedAt = Date.now();
  for (const frame of args.send || []) {
    if (typeof frame === "string") ws.send(Buffer.from(frame, "hex"));
    else ws.send(frame.text);
  }
  await Promise.race([done, lib.sleep(args.waitMs)]);
  if (!closed) ws.terminate();
  return { ok: true, closed, received };
};
