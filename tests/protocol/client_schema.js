// Prints, as JSON, the protobuf schema the installed rc.12 client was built with.
// The bundle embeds it as a protobufjs descriptor object literal; we evaluate that literal
// only, at test time, from node_modules (nothing of the client is stored in this repository).
const fs = require("fs");
const bundle = process.argv[2];
const source = fs.readFileSync(bundle, "utf8");
const start = source.indexOf("var nested = {");
const end = source.indexOf("var convergenceProto = {", start);
if (start < 0 || end < 0) {
  console.error("schema literal not found in " + bundle);
  process.exit(2);
}
const literal = source.slice(start + "var nested = ".length, end).trim().replace(/;$/, "");
const nested = new Function("return (" + literal + ");")();
process.stdout.write(JSON.stringify(nested));
