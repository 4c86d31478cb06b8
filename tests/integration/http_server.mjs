#!/usr/bin/env node
// A small MCP server over Streamable HTTP for mcptrace's integration tests:
// the SDK's McpServer + StreamableHTTPServerTransport on node:http, in the
// modes the SDK's example servers show and server-everything does not:
//   --json-response  enableJsonResponse: true (answers are application/json
//                    bodies, not SSE streams)
//   --stateless      sessionIdGenerator: undefined (no Mcp-Session-Id; a new
//                    server and transport per POST; GET and DELETE get 405
//                    with an empty body)
// Tools: echo {message} -> "Echo: MESSAGE"; fail {how: "throw"|"iserror"}
// -> a result with isError: true (a thrown error becomes one); sleep {ms}.
// A tools/call of the name "http-500" is answered by this file, not the SDK:
// HTTP 500 with the JSON-RPC error {"code":-32603,...} and the request's id
// (the shape of server-everything's answer when the SDK throws, there
// without the id as its express app parses no body).
//
// Usage: node http_server.mjs --port N [--host 127.0.0.1] [--json-response] [--stateless]
// Prints "listening on HOST:PORT" on stderr once it accepts connections.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

const o = { port: 0, host: "127.0.0.1", json: false, stateless: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--port") o.port = Number(argv[++i]);
  else if (a === "--host") o.host = argv[++i];
  else if (a === "--json-response") o.json = true;
  else if (a === "--stateless") o.stateless = true;
  else {
    console.error(`http_server: unknown argument ${a}`);
    process.exit(2);
  }
}

function makeServer() {
  const server = new McpServer({ name: "mcptrace-http-test-server", version: "0.1.0" }, { capabilities: { logging: {} } });
  server.registerTool(
    "echo",
    { description: "Echoes its message", inputSchema: { message: z.string() } },
    async ({ message }) => ({ content: [{ type: "text", text: `Echo: ${message}` }] })
  );
  server.registerTool(
    "fail",
    { description: "Fails: throws, or returns isError", inputSchema: { how: z.enum(["throw", "iserror"]) } },
    async ({ how }) => {
      if (how === "throw") throw new Error("fail tool threw on purpose");
      return { isError: true, content: [{ type: "text", text: "fail tool returned isError on purpose" }] };
    }
  );
  // hold answers only once release names its key: a call answered after
  // others whatever the machine's load, with no timer.
  server.registerTool(
    "hold",
    { description: "Answers once release is called with the same key", inputSchema: { key: z.string() } },
    async ({ key }) => {
      await gate(key);
      return { content: [{ type: "text", text: `released ${key}` }] };
    }
  );
  server.registerTool(
    "release",
    { description: "Lets the hold call of this key answer", inputSchema: { key: z.string() } },
    async ({ key }) => {
      open(key);
      return { content: [{ type: "text", text: `releasing ${key}` }] };
    }
  );
  server.registerTool(
    "sleep",
    { description: "Answers after ms milliseconds", inputSchema: { ms: z.number() } },
    async ({ ms }) => {
      await new Promise((r) => setTimeout(r, ms));
      return { content: [{ type: "text", text: `slept ${ms}` }] };
    }
  );
  return server;
}

const transports = new Map(); // Mcp-Session-Id -> transport (stateful mode)

// hold/release, across sessions and server instances: key -> its gate
const gates = new Map();
function gateOf(key) {
  if (!gates.has(key)) {
    let openIt;
    const p = new Promise((r) => (openIt = r));
    gates.set(key, { p, open: openIt });
  }
  return gates.get(key);
}
const gate = (key) => gateOf(key).p;
const open = (key) => gateOf(key).open();

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
  const url = new URL(req.url, "http://x");
  if (url.pathname !== "/mcp") {
    res.writeHead(404).end();
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
    if (body && body.method === "tools/call" && body.params?.name === "http-500") {
      jsonError(res, 500, -32603, "Internal server error", body.id);
      return;
    }
    if (o.stateless) {
      const server = makeServer();
      const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: o.json });
      res.on("close", () => {
        t.close();
        server.close();
      });
      await server.connect(t);
      await t.handleRequest(req, res, body);
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
      // the SDK's own answer to an unknown session
      jsonError(res, sid ? 404 : 400, sid ? -32001 : -32000, sid ? "Session not found" : "Bad Request: no session", body?.id);
      return;
    }
    await t.handleRequest(req, res, body);
    return;
  }
  if (req.method === "GET" || req.method === "DELETE") {
    if (o.stateless) {
      res.writeHead(405, { allow: "POST", "content-length": 0 }).end();
      return;
    }
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

const hs = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error("http_server:", e?.stack ?? e);
    if (!res.headersSent) jsonError(res, 500, -32603, "Internal server error", null);
  });
});
// Idle keep-alive connections stay open for the whole test: a client
// whose event loop is busy (a 5 MiB body to log, a loaded machine) can
// miss its own idle timer and reuse a socket the server closed at its
// 5 s default, and fetch fails with "other side closed".
hs.keepAliveTimeout = 10 * 60 * 1000;
hs.headersTimeout = hs.keepAliveTimeout + 1000;
hs.listen(o.port, o.host, () => {
  const a = hs.address();
  console.error(`listening on ${a.address}:${a.port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
