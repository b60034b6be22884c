"use strict";
// ShareDB 7 as the peer: MemoryDB + MemoryPubSub (its single-process default), ot-text-unicode,
// JSON over `ws` with compression off. SIGUSR2 forces a full GC (run with --expose-gc) so that
// run.py can read RSS after a collection. Prints "READY <port>" once listening.

const { requirePeer } = require("./common");
const http = require("http");
const ShareDB = requirePeer("sharedb");
const WebSocket = requirePeer("ws");
const WebSocketJSONStream = requirePeer("@teamwork/websocket-json-stream");
const textUnicode = requirePeer("ot-text-unicode");

ShareDB.types.register(textUnicode.type);

const port = Number(process.argv[2] || 0);
const backend = new ShareDB({ presence: false });
const server = http.createServer();
const wss = new WebSocket.Server({ server, perMessageDeflate: false });
wss.on("connection", (ws) => {
  backend.listen(new WebSocketJSONStream(ws));
});
process.on("SIGUSR2", () => {
  if (global.gc) global.gc();
  const m = process.memoryUsage();
  process.stderr.write(`gc: heapUsed=${m.heapUsed} rss=${m.rss}\n`);
});
process.on("SIGTERM", () => process.exit(0));
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
