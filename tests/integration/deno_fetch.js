// A one-shot MCP client on Deno for test_blind.sh: fetch() POSTs one
// initialize request over HTTPS and prints the answer's status and body.
// Deno's TLS is rustls, compiled into its executable: mcptrace cannot read
// its plaintext and must say so (a blind connection). The self-signed
// certificate is trusted through --cert or DENO_CERT.
//
// With --hold it then reads its stdin to the end before it exits, keeping
// the connection open: a test can see that mcptrace spoke while the
// connection was alive, not at the end.
//
// Usage: deno run --allow-net deno_fetch.js URL CLIENT_NAME [--hold]
const [url, name, hold] = Deno.args;
if (!url || !name || (hold && hold !== "--hold")) {
  console.error("usage: deno_fetch.js URL CLIENT_NAME [--hold]");
  Deno.exit(2);
}
const body = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name, version: "0.0.1" },
  },
});
const res = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
  body,
});
console.log(res.status, await res.text());
if (hold) {
  for await (const _ of Deno.stdin.readable);
}
