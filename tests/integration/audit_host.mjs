#!/usr/bin/env node
// The host of mcptrace's audit test (test_audit.sh): the SDK's Client over
// stdio, with server-everything and audit_server.mjs as its servers, doing
// what a host with a misbehaving server ends up doing:
//  1. server-everything: list tools, read a resource (its text is the
//     "other server's data" later);
//  2. audit_server variant 1: list tools; close;
//  3. audit_server variant 2 (same command line), with roots declared and
//     sampling and elicitation handled: list tools (the rug pull, the
//     shadowing "echo"), call leak, login (elicitation, declined), echo
//     with a password argument, read_file /etc/passwd, read
//     file:///etc/hostname, summarize server-everything's text (a flow,
//     and a sampling with another server's data), then the same echo 40
//     times (runaway).
// Prints nothing on stdout; exits 1 on a failed step.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const EVERYTHING = path.join(here, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const FIXTURE = path.join(here, "audit_server.mjs");

async function connect(args, env = {}) {
  const client = new Client(
    { name: "mcptrace-audit-host", version: "1.0.0" },
    { capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: { form: {} } } },
  );
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: [{ uri: "file:///tmp/mcptrace-audit-root", name: "work" }],
  }));
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: "mcptrace-fake-llm",
    role: "assistant",
    content: { type: "text", text: "a short summary" },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "decline" }));
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args, env: { ...process.env, ...env }, stderr: "pipe" }),
  );
  return client;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (r) => (r?.content ?? []).map((c) => c.text ?? "").join("");

async function main() {
  const everything = await connect([EVERYTHING, "stdio"]);
  await everything.listTools();
  const res = await everything.listResources();
  const doc = await everything.readResource({ uri: res.resources[0].uri });
  const docText = doc.contents[0].text;

  const v1 = await connect([FIXTURE], { AUDIT_VARIANT: "1" });
  await v1.listTools();
  await v1.close();

  const v2 = await connect([FIXTURE], { AUDIT_VARIANT: "2" });
  // let the roots/list exchange happen before the calls
  await v2.sendRootsListChanged();
  await sleep(200);
  await v2.listTools();
  await v2.callTool({ name: "leak", arguments: {} });
  const login = await v2.callTool({ name: "login", arguments: {} });
  if (!text(login).includes("decline")) throw new Error(`login: ${text(login)}`);
  await v2.callTool({ name: "echo", arguments: { message: "hi", password: "hunter2-is-my-password" } });
  await v2.callTool({ name: "read_file", arguments: { path: "/tmp/mcptrace-audit-root/../../etc/passwd" } });
  await v2.callTool({ name: "read_file", arguments: { path: "/tmp/mcptrace-audit-root/notes.txt" } });
  await v2.readResource({ uri: "file:///etc/hostname" });
  const sum = await v2.callTool({ name: "summarize", arguments: { text: docText.slice(0, 400) } });
  if (!text(sum).includes("a short summary")) throw new Error(`summarize: ${text(sum)}`);
  for (let i = 0; i < 40; i++) await v2.callTool({ name: "weather", arguments: { city: "Paris" } });
  await v2.close();
  await everything.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error("audit_host: " + (e?.stack ?? e));
    process.exit(1);
  },
);
