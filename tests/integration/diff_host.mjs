#!/usr/bin/env node
// The host of mcptrace's diff tests (test_diff.sh): the SDK's Client
// spawns diff_server.mjs over stdio (StdioClientTransport, passing
// DIFF_SLOW_MS on) and calls "fast" and "slow" N times each (default 30,
// or the first argument), one call at a time, so every call's latency is
// the server's work plus the pipe. Prints nothing on stdout; exits 1 if a
// call fails.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const count = Number(process.argv[2] || 30);
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [path.join(here, "diff_server.mjs")],
  env: { ...process.env, DIFF_SLOW_MS: process.env.DIFF_SLOW_MS || "0" },
  stderr: "inherit",
});
const client = new Client({ name: "mcptrace-diff-host", version: "1.0.0" });
try {
  await client.connect(transport);
  await client.listTools();
  for (let i = 0; i < count; i++) {
    for (const name of ["fast", "slow"]) {
      const r = await client.callTool({ name, arguments: {} });
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
    }
  }
  await client.close();
} catch (e) {
  process.stderr.write(`diff_host: ${e.stack || e}\n`);
  process.exit(1);
}
