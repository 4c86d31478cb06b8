#!/usr/bin/env node
// An MCP host for mcptrace's integration tests: the SDK's Client over
// StdioClientTransport, talking to @modelcontextprotocol/server-everything
// (spawned as `node <its dist/index.js> stdio`), running named scenarios.
//
// With --log FILE it writes one JSON object per line:
//   {"server":L,"dir":"c2s"|"s2c","body":TEXT}   every JSON-RPC message, as on the wire
//   {"server":L,"call_id":ID,"method":M,"latency_ms":X}  per answered client request
//   {"server":L,"server_pid":N,"client_pid":N}   when a server is spawned
//   {"server":L,"client_name":..,"server_name":..}  after initialize
//   {"marker":"go"}                                attach scenario: the go point
//   {"wall_start_ms":..} / {"wall_end_ms":..}      first and last lines
//
// The SDK's stdio transport writes JSON.stringify(msg) + "\n", so the c2s body
// is JSON.stringify(msg) taken in send(); the s2c body is the raw line cut from
// the read buffer before the SDK parses it (parsing may reorder or drop keys).
//
// Usage: node host.mjs --scenario NAME [--scenario NAME...] [--log FILE]
//        [--pid-file FILE --go-file FILE] [--count N] [--server-args JSON]
// --server-args: node's arguments for the server instead of server-everything's
//   stdio transport, as a JSON array (a gateway such as mcp-remote in front of it)
// Scenarios: basic concurrent cancel unknown-tool sampling roots progress big
//            two-servers attach bench
// It prints nothing on stdout (mcptrace's own output goes there in tests).
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CreateMessageRequestSchema,
  ListRootsRequestSchema,
  EmptyResultSchema,
} from "@modelcontextprotocol/sdk/types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const SERVER_ENTRY = path.join(here, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
export const CLIENT_NAME = "mcptrace-test-host";
export const CLIENT_VERSION = "1.0.0";

function parseArgs(argv) {
  const o = { scenarios: [], log: null, pidFile: null, goFile: null, count: 3000, serverArgs: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--scenario") o.scenarios.push(...v().split(",").filter(Boolean));
    else if (a === "--log") o.log = v();
    else if (a === "--pid-file") o.pidFile = v();
    else if (a === "--go-file") o.goFile = v();
    else if (a === "--count") o.count = Number(v());
    else if (a === "--server-args") o.serverArgs = JSON.parse(v());
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.scenarios.length === 0) throw new Error("give --scenario NAME");
  return o;
}

const opts = parseArgs(process.argv.slice(2));
let logFd = opts.log ? fs.openSync(opts.log, "w") : -1;
function log(obj) {
  if (logFd >= 0) fs.writeSync(logFd, JSON.stringify(obj) + "\n");
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function note(...a) {
  if (process.env.HOST_VERBOSE) console.error("host:", ...a);
}

// A StdioClientTransport that logs what it sends and receives.
class LoggingTransport extends StdioClientTransport {
  constructor(label, params) {
    super(params);
    this.label = label;
    this.pending = new Map(); // rpc id JSON text -> {t0, method}
    this.onServerRequest = null; // (method) => void, for waiting on server requests
  }
  async send(message, options) {
    const body = JSON.stringify(message);
    if (message.method !== undefined && message.id !== undefined)
      this.pending.set(JSON.stringify(message.id), { t0: performance.now(), method: message.method });
    log({ server: this.label, dir: "c2s", body });
    return super.send(message, options);
  }
  // Same loop as the SDK's, but the raw line is logged before parsing.
  processReadBuffer() {
    const rb = this._readBuffer;
    for (;;) {
      const buf = rb._buffer;
      if (!buf) break;
      const nl = buf.indexOf("\n");
      if (nl === -1) break;
      const t1 = performance.now();
      const raw = buf.toString("utf8", 0, nl).replace(/\r$/, "");
      log({ server: this.label, dir: "s2c", body: raw });
      let message;
      try {
        message = rb.readMessage();
      } catch (e) {
        this.onerror?.(e);
        continue;
      }
      if (message === null) break;
      if (message.method === undefined && message.id !== undefined) {
        const key = JSON.stringify(message.id);
        const p = this.pending.get(key);
        if (p) {
          this.pending.delete(key);
          log({ server: this.label, call_id: key, method: p.method, latency_ms: t1 - p.t0 });
        }
      } else if (message.method !== undefined && message.id !== undefined) {
        this.onServerRequest?.(message.method);
      }
      this.onmessage?.(message);
    }
  }
}

const ROOTS = [
  { uri: "file:///tmp/mcptrace-root-a", name: "root a" },
  { uri: "file:///tmp/mcptrace-root-b", name: "root b \u00e9" },
];

// Spawns one server and initializes a session with it. Waits for the
// server's own roots/list request (sent ~350 ms after initialization) so the
// traffic it causes is over before the scenario starts.
async function connect(label) {
  const transport = new LoggingTransport(label, {
    command: process.execPath,
    args: opts.serverArgs ?? [SERVER_ENTRY, "stdio"],
    stderr: "pipe",
  });
  let stderrText = "";
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
    const text = req.params.messages.map((m) => m.content?.text ?? "").join(" ");
    return {
      model: "mcptrace-fake-llm",
      role: "assistant",
      stopReason: "endTurn",
      content: { type: "text", text: `fake completion for: ${text.slice(0, 200)}` },
    };
  });
  client.onerror = (e) => note(label, "client error", e?.message);
  await client.connect(transport);
  transport.stderr?.on("data", (d) => (stderrText += d));
  log({ server: label, server_pid: transport.pid, client_pid: process.pid });
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
          setTimeout(() => resolve(true), 50); // let the follow-up log notification in
        }
      };
    });
  if (!(await waitRoots(1, 5000))) note(label, "server never asked for roots");
  return { label, client, transport, waitRoots, stderr: () => stderrText, rootsAsked: () => rootsAsked };
}

function text(res) {
  return (res?.content ?? []).map((c) => c.text ?? "").join("");
}
function expect(cond, what) {
  if (!cond) throw new Error(`scenario check failed: ${what}`);
}

const scenarios = {
  async basic(s) {
    const { client } = s;
    const tools = await client.listTools();
    expect(tools.tools.some((t) => t.name === "echo"), "echo tool listed");
    const r = await client.callTool({ name: "echo", arguments: { message: "hello mcptrace" } });
    expect(text(r) === "Echo: hello mcptrace", "echo answer");
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

  async concurrent(s) {
    const { client } = s;
    const order = [];
    const long = client
      .callTool({ name: "trigger-long-running-operation", arguments: { duration: 1.5, steps: 3 } })
      .then(() => order.push("long"));
    await sleep(20);
    const quick = [];
    for (let i = 0; i < 4; i++)
      quick.push(
        client
          .callTool({ name: "echo", arguments: { message: `concurrent ${i}` } })
          .then((r) => {
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

  async cancel(s) {
    const { client } = s;
    const ac = new AbortController();
    const p = client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 1.2, steps: 2 } },
      undefined,
      { signal: ac.signal }
    );
    await sleep(300);
    ac.abort("test cancels");
    let aborted = false;
    try {
      await p;
    } catch {
      aborted = true;
    }
    expect(aborted, "cancelled call rejected");
    // Let the server finish the operation it was running (it does not watch
    // the signal; the SDK then drops the response) so nothing is in flight.
    await sleep(1300);
    const r = await client.callTool({ name: "echo", arguments: { message: "after cancel" } });
    expect(text(r) === "Echo: after cancel", "echo after cancel");
  },

  async "unknown-tool"(s) {
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

  async sampling(s) {
    const { client } = s;
    const r = await client.callTool({
      name: "trigger-sampling-request",
      arguments: { prompt: "say hi", maxTokens: 20 },
    });
    expect(text(r).includes("mcptrace-fake-llm"), "sampling result came back");
  },

  async roots(s) {
    const { client } = s;
    const r = await client.callTool({ name: "get-roots-list", arguments: {} });
    expect(text(r).includes("mcptrace-root-a"), "roots listed by the server");
    const before = s.rootsAsked();
    await client.sendRootsListChanged();
    expect(await s.waitRoots(before + 1, 5000), "server asked again after list_changed");
  },

  async progress(s) {
    const { client } = s;
    const seen = [];
    const r = await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.8, steps: 4 } },
      undefined,
      { onprogress: (p) => seen.push(p.progress) }
    );
    expect(text(r).includes("completed"), "long operation completed");
    // The last progress notification can share a read with the response:
    // the SDK then drops its progress handler before that notification's turn
    // comes, so onprogress sees 3 or 4 (the log has all that came).
    expect(seen.length >= 3 && seen.length <= 4, `3 or 4 progress callbacks (got ${seen.length})`);
  },

  async big(s) {
    const { client } = s;
    // 5 MiB of mixed text: ASCII, characters JSON escapes, multi-byte UTF-8.
    const unit = 'abcdefghijklmnopqrstuvwxyz0123456789 "quoted" \\ back\tslash\n \u00e9\u4e2d\u{1f600} ';
    const msg = unit.repeat(Math.ceil((5 * 1024 * 1024) / Buffer.byteLength(unit)));
    const r = await client.callTool({ name: "echo", arguments: { message: msg } });
    expect(text(r) === `Echo: ${msg}`, "big echo round trip");
    const r2 = await client.callTool({ name: "echo", arguments: { message: "small after big" } });
    expect(text(r2) === "Echo: small after big", "echo after big");
  },

  async bench(s) {
    const { client } = s;
    const n = opts.count;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await client.callTool({ name: "echo", arguments: { message: `m${i}` } });
    const dt = (performance.now() - t0) / 1000;
    console.error(`bench: ${n} calls in ${dt.toFixed(3)} s = ${(n / dt).toFixed(1)} calls/s`);
  },
};

async function closeAll(sessions) {
  for (const s of sessions) {
    await s.client.close();
  }
}

async function main() {
  log({ wall_start_ms: Date.now() });
  let cur = null; // the session the plain scenarios share
  for (const name of opts.scenarios) {
    if ((name === "two-servers" || name === "attach") && cur) {
      await closeAll([cur]);
      cur = null;
    }
    if (name === "two-servers") {
      const a = await connect("A");
      const b = await connect("B");
      await Promise.all([scenarios.basic(a), scenarios.basic(b)]);
      await Promise.all([scenarios.concurrent(a), scenarios.concurrent(b)]);
      await closeAll([a, b]);
    } else if (name === "attach") {
      if (!opts.pidFile || !opts.goFile) throw new Error("attach needs --pid-file and --go-file");
      const s = await connect("S");
      await s.client.listTools();
      fs.writeFileSync(opts.pidFile + ".tmp", `${s.transport.pid}\n`);
      fs.renameSync(opts.pidFile + ".tmp", opts.pidFile);
      const deadline = Date.now() + 60000;
      while (!fs.existsSync(opts.goFile)) {
        if (Date.now() > deadline) throw new Error("no go file within 60 s");
        await sleep(20);
      }
      log({ marker: "go" });
      await scenarios.basic(s);
      await scenarios.progress(s);
      await scenarios.sampling(s);
      await closeAll([s]);
    } else if (scenarios[name]) {
      if (!cur) cur = await connect("S");
      await scenarios[name](cur);
    } else {
      throw new Error(`unknown scenario ${name}`);
    }
  }
  if (cur) await closeAll([cur]);
  log({ wall_end_ms: Date.now() });
}

main().then(
  () => {
    if (logFd >= 0) fs.closeSync(logFd);
    process.exit(0);
  },
  (e) => {
    console.error("host: " + (e?.stack ?? e) + (e?.cause ? "\ncause: " + (e.cause?.stack ?? e.cause) : ""));
    process.exit(1);
  }
);
