#!/usr/bin/env python3
"""A raw MCP client over HTTPS for test_tls_mcp.sh, through Python's ssl and
http.client (the system libssl.so.3: SSL_write_ex / SSL_read_ex): POSTs the
bytes of BODYFILE (an initialize request) to https://127.0.0.1:PORT/mcp with
the Streamable HTTP headers, trusting CAFILE, reads the whole answer, writes
its body to OUTFILE and prints its Content-Type on stdout.

    python3 tlsmcp_client.py PORT CAFILE BODYFILE OUTFILE"""
import http.client
import ssl
import sys

port, cafile, bodyfile, outfile = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=cafile)
conn = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx)
with open(bodyfile, "rb") as f:
    body = f.read()
conn.request("POST", "/mcp", body=body, headers={
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
})
resp = conn.getresponse()
data = resp.read()
with open(outfile, "wb") as f:
    f.write(data)
print(resp.getheader("Content-Type", ""))
conn.close()
sys.exit(0 if resp.status == 200 else 1)
