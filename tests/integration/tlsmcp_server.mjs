#!/usr/bin/env node
// An MCP server over Streamable HTTP behind HTTPS for test_tls_mcp.sh: the
// SDK's McpServer + StreamableHTTPServerTransport on node:https, so its TLS
// is the OpenSSL linked into the node executable.
//   tools: echo {message} -> "Echo: MESSAGE"
//          big {bytes}    -> one text of BYTES characters (a repeating pattern)
//   --json-response  enableJsonResponse: answers are application/json bodies
//                    (default: a text/event-stream per POST)
// Stateful: a session per initialize, named by Mcp-Session-Id; GET opens the
// session's stream, DELETE ends it.
//
// Usage: node tlsmcp_server.mjs --cert CERT --key KEY [--port N] [--port-file F]
//                               [--json-response] [--keep-alive-ms MS]
// Binds 127.0.0.1 (port 0: a free one), writes the port to --port-file (via a
// rename) and prints "listening on 127.0.0.1:PORT" on stderr once it accepts.
import fs from "node:fs";
import https from "node:https";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

const o = { port: 0, cert: null, key: null, portFile: null, json: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--port") o.port = Number(argv[++i]);
  else if (a === "--cert") o.cert = argv[++i];
  else if (a === "--key") o.key = argv[++i];
  else if (a === "--port-file") o.portFile = argv[++i];
  else if (a === "--json-response") o.json = true;
  else if (a === "--keep-alive-ms") o.keepAlive = Number(argv[++i]);
  else {
    console.error(`tlsmcp_server: unknown argument ${a}`);
    process.exit(2);
  }
}
if (!o.cert || !o.key) {
  console.error("tlsmcp_server: --cert and --key are required");
  process.exit(2);
}

function bigText(n) {
  const pat = "mcptrace-tls-big-0123456789abcdefghijklmnopqrstuvwxyz|";
  return pat.repeat(Math.ceil(n / pat.length)).slice(0, n);
}

function makeServer() {
  const server = new McpServer({ name: "mcptrace-tls-test-server", version: "0.2.0" });
  server.registerTool(
    "echo",
    { description: "Echoes its message", inputSchema: { message: z.string() } },
    async ({ message }) => ({ content: [{ type: "text", text: `Echo: ${message}` }] })
  );
  server.registerTool(
    "big",
    { description: "Returns a text of the given length", inputSchema: { bytes: z.number().int().min(0) } },
    async ({ bytes }) => ({ content: [{ type: "text", text: bigText(bytes) }] })
  );
  return server;
}

const transports = new Map();

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on("data", (d) => parts.push(d));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function jsonError(res, status, code, message, id) {
  const body = JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: id ?? null });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req, res) {
  const url = new URL(req.url, "https://x");
  if (url.pathname !== "/mcp") {
    res.writeHead(404, { "content-length": 0 }).end();
    return;
  }
  if (req.method === "POST") {
    const text = await readBody(req);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      jsonError(res, 400, -32700, "Parse error", null);
      return;
    }
    const sid = req.headers["mcp-session-id"];
    let t = sid ? transports.get(sid) : undefined;
    if (!t && !sid && body?.method === "initialize") {
      const server = makeServer();
      t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: o.json,
        onsessioninitialized: (id) => transports.set(id, t),
      });
      t.onclose = () => {
        if (t.sessionId) transports.delete(t.sessionId);
      };
      await server.connect(t);
    }
    if (!t) {
      jsonError(res, sid ? 404 : 400, sid ? -32001 : -32000, sid ? "Session not found" : "Bad Request: no session", body?.id);
      return;
    }
    await t.handleRequest(req, res, body);
    return;
  }
  if (req.method === "GET" || req.method === "DELETE") {
    const t = transports.get(req.headers["mcp-session-id"]);
    if (!t) {
      res.writeHead(404, { "content-length": 0 }).end();
      return;
    }
    await t.handleRequest(req, res);
    return;
  }
  res.writeHead(405, { allow: "GET, POST, DELETE", "content-length": 0 }).end();
}

const hs = https.createServer({ cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key) }, (req, res) => {
  handle(req, res).catch((e) => {
    console.error("tlsmcp_server:", e?.stack ?? e);
    if (!res.headersSent) jsonError(res, 500, -32603, "Internal server error", null);
  });
});
// --keep-alive-ms: how long idle keep-alive connections stay open. The
// SDK clients ask for the whole test: a client whose event loop is busy
// (a 5 MiB body to log, a loaded machine) can miss its own idle timer and
// reuse a socket the server closed at node's 5 s default, and fetch fails
// with "other side closed". Raw clients that read to EOF keep the default.
if (o.keepAlive) {
  hs.keepAliveTimeout = o.keepAlive;
  hs.headersTimeout = o.keepAlive + 1000;
}
hs.listen(o.port, "127.0.0.1", () => {
  const a = hs.address();
  if (o.portFile) {
    fs.writeFileSync(o.portFile + ".tmp", String(a.port));
    fs.renameSync(o.portFile + ".tmp", o.portFile);
  }
  console.error(`listening on ${a.address}:${a.port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
