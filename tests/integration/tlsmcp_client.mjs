#!/usr/bin/env node
// An MCP host over HTTPS for test_tls_mcp.sh: the SDK's Client over
// StreamableHTTPClientTransport, its fetch wrapped by http_wire.mjs's WireLog
// so that every JSON-RPC message is logged exactly as it crossed the wire
// (the log format of host.mjs / http_host.mjs, read by check_db.py).
// The server is tlsmcp_server.mjs, given by URL or spawned as a child. The
// self-signed certificate is trusted through NODE_EXTRA_CA_CERTS (the test
// sets it), or not checked with NODE_TLS_REJECT_UNAUTHORIZED=0.
//
// Usage: node tlsmcp_client.mjs --log FILE [--scenario basic,big,bigecho]
//          [--big BYTES] (--url URL --server-pid N
//                         | --spawn --cert CERT --key KEY [--json-response])
// Scenarios: basic    tools/list, echo (non-ASCII), ping
//            big      tools/call big {bytes: BYTES}: a BYTES-character result
//            bigecho  tools/call echo with a BYTES-character message
// Prints nothing on stdout.
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { WireLog } from "./http_wire.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_NAME = "mcptrace-test-host";
const CLIENT_VERSION = "1.0.0";

const o = { log: null, scenarios: [], big: 5 * 1024 * 1024, url: null, serverPid: null, spawn: false, cert: null, key: null, json: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = () => {
    if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
    return argv[++i];
  };
  if (a === "--log") o.log = v();
  else if (a === "--scenario") o.scenarios.push(...v().split(",").filter(Boolean));
  else if (a === "--big") o.big = Number(v());
  else if (a === "--url") o.url = v();
  else if (a === "--server-pid") o.serverPid = Number(v());
  else if (a === "--spawn") o.spawn = true;
  else if (a === "--cert") o.cert = v();
  else if (a === "--key") o.key = v();
  else if (a === "--json-response") o.json = true;
  else throw new Error(`unknown argument ${a}`);
}
if (!o.scenarios.length) o.scenarios = ["basic"];
if (!o.url === !o.spawn) throw new Error("give --url URL --server-pid N, or --spawn --cert C --key K");
if (o.url && !o.serverPid) throw new Error("--url needs --server-pid");

const logFd = o.log ? fs.openSync(o.log, "w") : -1;
const log = (obj) => {
  if (logFd >= 0) fs.writeSync(logFd, JSON.stringify(obj) + "\n");
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (res) => (res?.content ?? []).map((c) => c.text ?? "").join("");
function expect(cond, what) {
  if (!cond) throw new Error(`scenario check failed: ${what}`);
}
function bigText(n) {
  const pat = "mcptrace-tls-big-0123456789abcdefghijklmnopqrstuvwxyz|";
  return pat.repeat(Math.ceil(n / pat.length)).slice(0, n);
}

let child = null;
async function spawnServer() {
  const pf = path.join(fs.mkdtempSync("/tmp/tlsmcp-port."), "port");
  const args = [path.join(here, "tlsmcp_server.mjs"), "--cert", o.cert, "--key", o.key, "--port-file", pf];
  if (o.json) args.push("--json-response");
  args.push("--keep-alive-ms", "600000"); // see tlsmcp_server.mjs
  child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  for (let i = 0; i < 400; i++) {
    if (fs.existsSync(pf)) {
      const port = Number(fs.readFileSync(pf, "utf8"));
      fs.rmSync(path.dirname(pf), { recursive: true });
      return { url: `https://127.0.0.1:${port}/mcp`, pid: child.pid };
    }
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`server did not start: ${err}`);
}

const scenarios = {
  async basic(c) {
    const tools = await c.listTools();
    expect(tools.tools.some((t) => t.name === "big"), "big tool listed");
    const r = await c.callTool({ name: "echo", arguments: { message: "hello over TLS \u00e9\u4e2d" } });
    expect(text(r) === "Echo: hello over TLS \u00e9\u4e2d", "echo answer");
    await c.ping();
  },
  async big(c) {
    const r = await c.callTool({ name: "big", arguments: { bytes: o.big } });
    expect(text(r) === bigText(o.big), `big answer of ${o.big} characters (got ${text(r).length})`);
  },
  async bigecho(c) {
    const m = bigText(o.big);
    const r = await c.callTool({ name: "echo", arguments: { message: m } });
    expect(text(r) === `Echo: ${m}`, "big echo answer");
  },
};

async function main() {
  log({ wall_start_ms: Date.now() });
  let url = o.url;
  let pid = o.serverPid;
  if (o.spawn) ({ url, pid } = await spawnServer());
  const label = "S";
  const u = new URL(url);
  const wire = new WireLog(label, log);
  // no resumption: a stream that ends is not re-opened by a timer
  const transport = new StreamableHTTPClientTransport(u, {
    fetch: wire.fetch,
    reconnectionOptions: { initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1, maxRetries: 0 },
  });
  const client = new Client({ name: CLIENT_NAME, version: CLIENT_VERSION }, { capabilities: {} });
  client.onerror = (e) => {
    if (process.env.HOST_VERBOSE) console.error("client error:", e?.message);
  };
  log({ server: label, server_pid: pid, client_pid: process.pid });
  log({ server: label, transport: "http", url, server_addr: `127.0.0.1:${u.port}` });
  await client.connect(transport);
  log({ server: label, mcp_session_id: transport.sessionId ?? null });
  const sv = client.getServerVersion();
  log({ server: label, client_name: CLIENT_NAME, server_name: sv?.name, server_version: sv?.version });
  for (const s of o.scenarios) {
    if (!scenarios[s]) throw new Error(`unknown scenario ${s}`);
    await scenarios[s](client);
  }
  if (transport.sessionId) await transport.terminateSession();
  await client.close();
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
    console.error("tlsmcp_client: " + (e?.stack ?? e) + (e?.cause ? "\ncause: " + (e.cause?.stack ?? e.cause) : ""));
    if (child) child.kill("SIGTERM");
    process.exit(1);
  }
);
