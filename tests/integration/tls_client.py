# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""HTTPS client for test_tls.sh through Python's ssl (the system libssl,
SSL_read_ex/SSL_write_ex): POSTs BODYFILE to https://127.0.0.1:PORT/mcp,
certificate unchecked, and prints the response body.

    python3 tls_client.py PORT BODYFILE"""
import http.client
import ssl
import sys
import time

# mcptrace hooks libssl when Python maps it (import ssl), a few tens of ms
# after the fact: calls made in that window are missed, a limit the README
# states. This test is about what is captured once hooked, so it waits
# out the window; the race itself is not what it measures.
time.sleep(0.5)

ctx = ssl._create_unverified_context()
conn = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
with open(sys.argv[2], "rb") as f:
    body = f.read()
conn.request("POST", "/mcp", body=body, headers={"Content-Type": "application/json"})
print(conn.getresponse().read().decode())
