#!/usr/bin/env node
// An MCP host over HTTP for mcptrace's integration tests: the SDK's Client
// over StreamableHTTPClientTransport (--transport http) or the legacy
// HTTP+SSE SSEClientTransport (--transport sse), talking to
// @modelcontextprotocol/server-everything (`node dist/index.js
// streamableHttp|sse`, port from $PORT) or to http_server.mjs.
//
// The log (--log FILE) has host.mjs's format, so check_db.py reads both:
//   {"server":L,"dir":"c2s"|"s2c","body":TEXT}   every JSON-RPC message, as on the wire
//   {"server":L,"call_id":ID,"method":M,"latency_ms":X}  per answered client request
//   {"server":L,"server_pid":N,"client_pid":N}
//   {"server":L,"client_name":..,"server_name":..,"server_version":..}
//   {"wall_start_ms":..} / {"wall_end_ms":..}
// and, for HTTP:
//   {"server":L,"transport":"http"|"sse","url":..,"server_addr":"127.0.0.1:PORT"}
//   {"server":L,"mcp_session_id":S}   the Mcp-Session-Id, or the legacy endpoint's sessionId
//   {"server":L,"call_id":ID,"http_status":N}  a request whose POST got a non-2xx status
//   {"server":L,"http":METHOD,"status":N,"content_type":..}  each HTTP exchange (information)
//   {"server":L,"endpoint":DATA}      legacy SSE: the endpoint event
// The bodies come from http_wire.mjs: the POST body string, and the JSON
// response body or SSE event data cut from the response bytes.
//
// Usage: node http_host.mjs --transport http|sse --scenario NAME[,NAME...] --log FILE
//          (--url URL --server-pid N | --spawn everything|own [--json-response] [--stateless])
// Scenarios (server-everything): basic progress sampling roots errors concurrent bad-session
//           (http_server.mjs):     own-basic own-errors own-concurrent
// Prints nothing on stdout (mcptrace's own output goes there in tests).
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { CreateMessageRequestSchema, ListRootsRequestSchema, EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { WireLog } from "./http_wire.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const EVERYTHING = path.join(here, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const OWN = path.join(here, "http_server.mjs");
export const CLIENT_NAME = "mcptrace-test-host";
export const CLIENT_VERSION = "1.0.0";

function parseArgs(argv) {
  const o = { transport: "http", scenarios: [], log: null, url: null, serverPid: null, spawn: null, json: false, stateless: false, port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--scenario") o.scenarios.push(...v().split(",").filter(Boolean));
    else if (a === "--transport") o.transport = v();
    else if (a === "--log") o.log = v();
    else if (a === "--url") o.url = v();
    else if (a === "--server-pid") o.serverPid = Number(v());
    else if (a === "--spawn") o.spawn = v();
    else if (a === "--port") o.port = Number(v());
    else if (a === "--json-response") o.json = true;
    else if (a === "--stateless") o.stateless = true;
    else if (a === "--resume") o.resume = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!["http", "sse"].includes(o.transport)) throw new Error("--transport is http or sse");
  if (o.scenarios.length === 0) throw new Error("give --scenario NAME");
  if (!o.url && !o.spawn) throw new Error("give --url URL --server-pid N, or --spawn everything|own");
  if (o.url && !o.serverPid) throw new Error("--url needs --server-pid");
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const logFd = opts.log ? fs.openSync(opts.log, "w") : -1;
function log(obj) {
  if (logFd >= 0) fs.writeSync(logFd, JSON.stringify(obj) + "\n");
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function note(...a) {
  if (process.env.HOST_VERBOSE) console.error("host:", ...a);
}
function expect(cond, what) {
  if (!cond) throw new Error(`scenario check failed: ${what}`);
}
function text(res) {
  return (res?.content ?? []).map((c) => c.text ?? "").join("");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function waitListening(port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.on("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.on("error", () => resolve(false));
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}

let child = null;
async function startServer() {
  const port = opts.port || (await freePort());
  let args;
  if (opts.spawn === "everything") args = [EVERYTHING, opts.transport === "sse" ? "sse" : "streamableHttp"];
  else if (opts.spawn === "own") {
    if (opts.transport !== "http") throw new Error("http_server.mjs speaks Streamable HTTP only");
    args = [OWN, "--port", String(port)];
    if (opts.json) args.push("--json-response");
    if (opts.stateless) args.push("--stateless");
  } else throw new Error(`--spawn everything|own, not ${opts.spawn}`);
  child = spawn(process.execPath, args, { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  if (!(await waitListening(port, 20000))) throw new Error(`server did not listen on ${port}: ${err}`);
  const p = opts.transport === "sse" ? "/sse" : "/mcp";
  return { url: `http://127.0.0.1:${port}${p}`, pid: child.pid };
}

// The SDK client resumes a POST's SSE stream with a GET and Last-Event-ID
// when the stream ends after a priming event without a *result* (an error
// response counts as none), and server-everything's event store then replays
// every later event of every stream: duplicate responses and "{}" events on
// the wire, at times that depend on a 1 s timer. No resumption (maxRetries
// 0) keeps the traffic deterministic; --resume restores the SDK's default.
const NO_RESUME = opts.resume
  ? undefined
  : { initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1, maxRetries: 0 };

const ROOTS = [
  { uri: "file:///tmp/mcptrace-root-a", name: "root a" },
  { uri: "file:///tmp/mcptrace-root-b", name: "root b \u00e9" },
];

// Opens one session. With server-everything, waits for the server's own
// roots/list (sent 350 ms after initialization) so its traffic is over.
async function connect(label, url, serverPid, waitForRoots) {
  const wire = new WireLog(label, log);
  const u = new URL(url);
  const transport =
    opts.transport === "sse"
      ? new SSEClientTransport(u, { fetch: wire.fetch })
      : new StreamableHTTPClientTransport(u, { fetch: wire.fetch, reconnectionOptions: NO_RESUME });
  const client = new Client(
    { name: CLIENT_NAME, version: CLIENT_VERSION },
    { capabilities: { sampling: {}, roots: { listChanged: true } } }
  );
  let rootsAsked = 0;
  let rootsWaiter = null;
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    rootsAsked++;
    if (rootsWaiter) rootsWaiter();
    return { roots: ROOTS };
  });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    const t = req.params.messages.map((m) => m.content?.text ?? "").join(" ");
    return {
      model: "mcptrace-fake-llm",
      role: "assistant",
      stopReason: "endTurn",
      content: { type: "text", text: `fake completion for: ${t.slice(0, 200)}` },
    };
  });
  client.onerror = (e) => note(label, "client error", e?.message);
  log({ server: label, server_pid: serverPid, client_pid: process.pid });
  log({ server: label, transport: opts.transport, url, server_addr: `127.0.0.1:${u.port}` });
  await client.connect(transport);
  let sid = null;
  if (opts.transport === "sse") {
    sid = wire.endpoint ? new URL(wire.endpoint, u).searchParams.get("sessionId") : null;
  } else {
    sid = transport.sessionId ?? null;
  }
  log({ server: label, mcp_session_id: sid });
  const sv = client.getServerVersion();
  log({ server: label, client_name: CLIENT_NAME, server_name: sv?.name, server_version: sv?.version });
  const waitRoots = (n, ms) =>
    new Promise((resolve) => {
      if (rootsAsked >= n) return resolve(true);
      const t = setTimeout(() => resolve(false), ms);
      rootsWaiter = () => {
        if (rootsAsked >= n) {
          clearTimeout(t);
          rootsWaiter = null;
          setTimeout(() => resolve(true), 100); // let the follow-up log notification in
        }
      };
    });
  if (waitForRoots && !(await waitRoots(1, 5000))) throw new Error("server never asked for roots");
  return { label, client, transport, wire, url, serverPid, waitRoots, rootsAsked: () => rootsAsked };
}

async function closeSession(s) {
  if (opts.transport === "http" && s.transport.sessionId) {
    try {
      await s.transport.terminateSession();
    } catch (e) {
      note("terminateSession:", e?.message);
    }
  }
  await s.client.close();
}

const scenarios = {
  async basic(s) {
    const { client } = s;
    const tools = await client.listTools();
    expect(tools.tools.some((t) => t.name === "echo"), "echo tool listed");
    const r = await client.callTool({ name: "echo", arguments: { message: "hello mcptrace \u00e9\u4e2d" } });
    expect(text(r) === "Echo: hello mcptrace \u00e9\u4e2d", "echo answer");
    const sum = await client.callTool({ name: "get-sum", arguments: { a: 19, b: 23 } });
    expect(text(sum).includes("42"), "get-sum answer");
    await client.listPrompts();
    const res = await client.listResources();
    const uri = res.resources[0]?.uri;
    expect(uri, "a resource listed");
    const rd = await client.readResource({ uri });
    expect(rd.contents.length > 0, "resource read");
    await client.ping();
  },

  async progress(s) {
    const seen = [];
    const r = await s.client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.8, steps: 4 } },
      undefined,
      { onprogress: (p) => seen.push(p.progress) }
    );
    expect(text(r).includes("completed"), "long operation completed");
    expect(seen.length >= 3 && seen.length <= 4, `3 or 4 progress callbacks (got ${seen.length})`);
  },

  async sampling(s) {
    const r = await s.client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "say hi", maxTokens: 20 } });
    expect(text(r).includes("mcptrace-fake-llm"), "sampling result came back");
  },

  async roots(s) {
    const r = await s.client.callTool({ name: "get-roots-list", arguments: {} });
    expect(text(r).includes("mcptrace-root-a"), "roots listed by the server");
    const before = s.rootsAsked();
    await s.client.sendRootsListChanged();
    expect(await s.waitRoots(before + 1, 5000), "server asked again after list_changed");
  },

  async errors(s) {
    const { client } = s;
    const r = await client.callTool({ name: "no-such-tool", arguments: {} });
    expect(r.isError === true, "unknown tool gives result.isError");
    let code = null;
    try {
      await client.request({ method: "no/such-method", params: {} }, EmptyResultSchema);
    } catch (e) {
      code = e.code;
    }
    expect(code === -32601, `unknown method gives -32601 (got ${code})`);
    code = null;
    try {
      await client.getPrompt({ name: "no-such-prompt" });
    } catch (e) {
      code = e.code;
    }
    expect(code !== null, "unknown prompt gives an error");
  },

  async concurrent(s) {
    const { client } = s;
    const order = [];
    const long = client
      .callTool({ name: "trigger-long-running-operation", arguments: { duration: 1.0, steps: 2 } })
      .then(() => order.push("long"));
    await sleep(20);
    const quick = [];
    for (let i = 0; i < 4; i++)
      quick.push(
        client.callTool({ name: "echo", arguments: { message: `concurrent ${i}` } }).then((r) => {
          expect(text(r) === `Echo: concurrent ${i}`, "concurrent echo");
          order.push(`echo${i}`);
        })
      );
    quick.push(client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } }).then(() => order.push("sum")));
    // Which comes last is server-everything's timer against the machine's
    // load, so it is logged, not checked: the DB is compared with the log
    // in any order (own-concurrent and test_mcp2026 answer out of order by
    // construction).
    await Promise.all([long, ...quick]);
    log({ answer_order: order });
  },

  // A POST under an Mcp-Session-Id the server does not know: server-everything
  // answers HTTP 400 with {"jsonrpc":"2.0","error":{...}} and no id (its
  // express app parses no body, so req.body.id is undefined). Its own
  // labelled session "X" (its Mcp-Session-Id is the unknown one).
  async "bad-session"(s) {
    if (opts.transport !== "http") throw new Error("bad-session is for --transport http");
    const label = "X";
    const bogus = "mcptrace-no-such-session";
    const wire = new WireLog(label, log);
    log({ server: label, server_pid: s.serverPid, client_pid: process.pid });
    log({ server: label, transport: "http", url: s.url, server_addr: `127.0.0.1:${new URL(s.url).port}` });
    log({ server: label, mcp_session_id: bogus });
    const t = new StreamableHTTPClientTransport(new URL(s.url), { fetch: wire.fetch, sessionId: bogus });
    t.onerror = () => {};
    await t.start();
    let status = null;
    try {
      await t.send({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    } catch (e) {
      status = e.code;
    }
    expect(status === 400, `unknown session gives HTTP 400 (got ${status})`);
    await t.close();
  },

  async "own-basic"(s) {
    const { client } = s;
    const tools = await client.listTools();
    expect(tools.tools.some((t) => t.name === "fail"), "fail tool listed");
    const r = await client.callTool({ name: "echo", arguments: { message: "hello own \u00e9" } });
    expect(text(r) === "Echo: hello own \u00e9", "echo answer");
    await client.ping();
  },

  async "own-errors"(s) {
    const { client } = s;
    const a = await client.callTool({ name: "fail", arguments: { how: "throw" } });
    expect(a.isError === true, "thrown tool error gives isError");
    const b = await client.callTool({ name: "fail", arguments: { how: "iserror" } });
    expect(b.isError === true, "isError result");
    let code = null;
    try {
      await client.request({ method: "no/such-method", params: {} }, EmptyResultSchema);
    } catch (e) {
      code = e.code;
    }
    expect(code === -32601, `unknown method gives -32601 (got ${code})`);
    code = null;
    try {
      await client.callTool({ name: "http-500", arguments: {} });
    } catch (e) {
      code = e.code;
    }
    expect(code === 500, `http-500 gives HTTP 500 (got ${code})`);
    const c = await client.callTool({ name: "echo", arguments: { message: "after 500" } });
    expect(text(c) === "Echo: after 500", "echo after the 500");
  },

  async "own-concurrent"(s) {
    const { client } = s;
    const order = [];
    // The slow call is held by the server until the quick ones are
    // answered: out of order by construction, not by timing.
    const slow = client.callTool({ name: "hold", arguments: { key: "own-concurrent" } }).then(() => order.push("slow"));
    const quick = [];
    for (let i = 0; i < 4; i++)
      quick.push(
        client.callTool({ name: "echo", arguments: { message: `c${i}` } }).then((r) => {
          expect(text(r) === `Echo: c${i}`, "concurrent echo");
          order.push(i);
        })
      );
    await Promise.all(quick);
    await client.callTool({ name: "release", arguments: { key: "own-concurrent" } });
    await slow;
    expect(order[order.length - 1] === "slow", "slow call answered last");
  },
};

async function main() {
  log({ wall_start_ms: Date.now() });
  let url = opts.url;
  let pid = opts.serverPid;
  if (opts.spawn) ({ url, pid } = await startServer());
  const everything = opts.spawn ? opts.spawn === "everything" : !opts.scenarios.some((n) => n.startsWith("own-"));
  const s = await connect("S", url, pid, everything && !opts.stateless);
  for (const name of opts.scenarios) {
    if (!scenarios[name]) throw new Error(`unknown scenario ${name}`);
    await scenarios[name](s);
  }
  await closeSession(s);
  // let the last bytes (DELETE's answer, stream ends) cross before we log the end
  await sleep(100);
  log({ wall_end_ms: Date.now() });
}

main().then(
  async () => {
    if (child) {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    }
    if (logFd >= 0) fs.closeSync(logFd);
    process.exit(0);
  },
  (e) => {
    console.error("host: " + (e?.stack ?? e) + (e?.cause ? "\ncause: " + (e.cause?.stack ?? e.cause) : ""));
    if (child) child.kill("SIGTERM");
    process.exit(1);
  }
);
