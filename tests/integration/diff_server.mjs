#!/usr/bin/env node
// A tiny MCP server for mcptrace's diff tests (test_diff.sh): the SDK's
// low-level Server over stdio with two tools, "fast" (answers at once) and
// "slow" (sleeps DIFF_SLOW_MS milliseconds first, 0 when unset). Running the
// same workload with two delays gives a BASE and a HEAD trace that differ
// in exactly one tool.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const slowMs = Number(process.env.DIFF_SLOW_MS || 0);
if (!Number.isFinite(slowMs) || slowMs < 0) {
  process.stderr.write(`diff_server: bad DIFF_SLOW_MS ${process.env.DIFF_SLOW_MS}\n`);
  process.exit(2);
}

const server = new Server(
  { name: "mcptrace-diff-server", version: "1.0.0" },
  { capabilities: { tools: {} } },
);
const schema = { type: "object", properties: {} };
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    { name: "fast", description: "answers at once", inputSchema: schema },
    { name: "slow", description: "sleeps DIFF_SLOW_MS ms, then answers", inputSchema: schema },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => {
  const name = req.params.name;
  if (name === "fast") return { content: [{ type: "text", text: "fast" }] };
  if (name === "slow") {
    if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
    return { content: [{ type: "text", text: `slow ${slowMs}` }] };
  }
  return { content: [{ type: "text", text: `no tool ${name}` }], isError: true };
});
await server.connect(new StdioServerTransport());
