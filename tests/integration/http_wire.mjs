// Wire-level logging for the HTTP host (http_host.mjs): a fetch that the
// SDK's StreamableHTTPClientTransport and SSEClientTransport use, which logs
// every JSON-RPC message exactly as it crosses the wire:
//   c2s: the POST body (the SDK sends the string JSON.stringify(message),
//        which is what fetch writes as the body, byte for byte);
//   s2c: the text of an application/json response body, or the data of each
//        SSE event on a text/event-stream response (POST streams and GET
//        streams), cut from the bytes as they pass, before the SDK parses them.
// The response handed to the SDK is a new Response over a pass-through
// stream of the same bytes, so the SDK sees exactly what it would have.
import { performance } from "node:perf_hooks";

// SSE parsing per the WHATWG EventSource rules, on bytes: lines end at CRLF,
// LF or CR; "data:" lines are joined with LF; a blank line dispatches; a
// line starting with ":" is a comment; one space after the colon is dropped.
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buf = Buffer.alloc(0);
    this.data = null;
    this.event = "";
    this.id = null;
    this.started = false;
  }
  push(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    if (!this.started && this.buf.length >= 3) {
      if (this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.buf = this.buf.subarray(3);
      this.started = true;
    }
    let start = 0;
    for (;;) {
      let i = start;
      while (i < this.buf.length && this.buf[i] !== 0x0a && this.buf[i] !== 0x0d) i++;
      if (i >= this.buf.length) break;
      let next = i + 1;
      if (this.buf[i] === 0x0d) {
        if (i + 1 >= this.buf.length) break; // CR at the end: wait to see if LF follows
        if (this.buf[i + 1] === 0x0a) next = i + 2;
      }
      this.line(this.buf.subarray(start, i));
      start = next;
    }
    this.buf = this.buf.subarray(start);
  }
  end() {
    if (this.buf.length) {
      // a final CR alone ends a line; an unterminated line is dropped (spec)
      if (this.buf[this.buf.length - 1] === 0x0d) this.line(this.buf.subarray(0, this.buf.length - 1));
      this.buf = Buffer.alloc(0);
    }
  }
  line(b) {
    if (b.length === 0) {
      if (this.data !== null) this.onEvent({ event: this.event || "message", data: this.data, id: this.id });
      this.data = null;
      this.event = "";
      return;
    }
    if (b[0] === 0x3a) return; // comment
    const c = b.indexOf(0x3a);
    const field = (c === -1 ? b : b.subarray(0, c)).toString("utf8");
    let value = c === -1 ? Buffer.alloc(0) : b.subarray(c + 1);
    if (value.length && value[0] === 0x20) value = value.subarray(1);
    const v = value.toString("utf8");
    if (field === "data") this.data = this.data === null ? v : this.data + "\n" + v;
    else if (field === "event") this.event = v;
    else if (field === "id") this.id = v;
  }
}

function isJsonRpc(o) {
  return o !== null && typeof o === "object" && !Array.isArray(o) && o.jsonrpc === "2.0";
}

// A logging fetch for one labelled connection to a server.
//   log(obj)            writes one JSONL line
//   hooks.onEndpoint(s) legacy SSE: the endpoint event's data
export class WireLog {
  constructor(label, log, baseFetch = globalThis.fetch) {
    this.label = label;
    this.log = log;
    this.baseFetch = baseFetch;
    this.pending = new Map(); // request id JSON text -> {t0, method}
    this.exchanges = []; // {method, status, contentType, requestIds}
    this.endpoint = null;
    this.sessionId = null; // last Mcp-Session-Id response header
    this.fetch = this.fetch.bind(this);
  }

  c2s(body) {
    this.log({ server: this.label, dir: "c2s", body });
    let o;
    try {
      o = JSON.parse(body);
    } catch {
      return [];
    }
    const msgs = Array.isArray(o) ? o : [o];
    const ids = [];
    for (const m of msgs) {
      if (m && m.method !== undefined && m.id !== undefined) {
        const k = JSON.stringify(m.id);
        this.pending.set(k, { t0: performance.now(), method: m.method });
        ids.push(k);
      }
    }
    return ids;
  }

  s2c(text) {
    const t1 = performance.now();
    let o;
    try {
      o = JSON.parse(text);
    } catch {
      this.log({ server: this.label, not_jsonrpc: text.slice(0, 200) });
      return;
    }
    if (!isJsonRpc(o)) {
      this.log({ server: this.label, not_jsonrpc: text.slice(0, 200) });
      return;
    }
    this.log({ server: this.label, dir: "s2c", body: text });
    if (o.method === undefined && o.id !== undefined) {
      const k = JSON.stringify(o.id);
      const p = this.pending.get(k);
      if (p) {
        this.pending.delete(k);
        this.log({ server: this.label, call_id: k, method: p.method, latency_ms: t1 - p.t0 });
      }
    }
  }

  async fetch(url, init = {}) {
    const method = (init.method ?? "GET").toUpperCase();
    let reqIds = [];
    if (init.body !== undefined && init.body !== null) {
      if (typeof init.body !== "string") throw new Error("http_wire: a non-string request body cannot be logged exactly");
      reqIds = this.c2s(init.body);
    }
    const res = await this.baseFetch(url, init);
    const ct = (res.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    const sid = res.headers.get("mcp-session-id");
    if (sid) this.sessionId = sid;
    const ex = { server: this.label, http: method, status: res.status, content_type: ct || null };
    if (reqIds.length) ex.request_ids = reqIds;
    this.log(ex);
    if (!res.ok && reqIds.length) {
      // The failed exchange answers its requests whatever the body says:
      // the client's latency ends with the status line.
      const t1 = performance.now();
      for (const k of reqIds) {
        this.log({ server: this.label, call_id: k, http_status: res.status });
        const p = this.pending.get(k);
        if (p) {
          this.pending.delete(k);
          this.log({ server: this.label, call_id: k, method: p.method, latency_ms: t1 - p.t0 });
        }
      }
    }
    if (!res.body || [101, 204, 205, 304].includes(res.status)) return res;
    let onChunk, onEnd;
    if (ct === "text/event-stream") {
      const p = new SseParser((ev) => {
        if (ev.event === "endpoint") {
          this.endpoint = ev.data;
          this.log({ server: this.label, endpoint: ev.data });
        } else if (ev.event === "message" && ev.data !== "") {
          this.s2c(ev.data);
        }
      });
      onChunk = (c) => p.push(c);
      onEnd = () => p.end();
    } else {
      const parts = [];
      onChunk = (c) => parts.push(Buffer.from(c));
      onEnd = () => {
        const text = Buffer.concat(parts).toString("utf8");
        if (ct === "application/json" && text.length) this.s2c(text);
      };
    }
    const self = this;
    const tee = new TransformStream({
      transform(chunk, ctl) {
        onChunk(chunk);
        ctl.enqueue(chunk);
      },
      flush() {
        onEnd();
        self.log({ server: self.label, http_end: method, status: res.status });
      },
    });
    return new Response(res.body.pipeThrough(tee), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }
}
