// A one-shot HTTPS server on Deno for test_blind.sh: answers one POST with
// a JSON-RPC result, then shuts down. Deno's TLS is rustls inside its
// executable, so mcptrace cannot read this server's side either.
//
// Usage: deno run --allow-net --allow-read --allow-write deno_serve.js CERT KEY PORT_FILE
const [certFile, keyFile, portFile] = Deno.args;
if (!certFile || !keyFile || !portFile) {
  console.error("usage: deno_serve.js CERT KEY PORT_FILE");
  Deno.exit(2);
}
const ac = new AbortController();
Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    cert: Deno.readTextFileSync(certFile),
    key: Deno.readTextFileSync(keyFile),
    signal: ac.signal,
    onListen({ port }) {
      // Written whole, then renamed: a reader never sees half a number.
      Deno.writeTextFileSync(portFile + ".tmp", String(port));
      Deno.renameSync(portFile + ".tmp", portFile);
    },
  },
  async (req) => {
    const body = await req.json();
    // Shut down once this answer is out: the connection is then closed.
    setTimeout(() => ac.abort(), 0);
    return Response.json({ jsonrpc: "2.0", id: body.id ?? null, result: { served: "deno" } });
  },
);
