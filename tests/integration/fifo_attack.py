#!/usr/bin/env python3
"""A traced process that tries to freeze the tracer: it maps a file
executable through an fd opened before it bind-mounts a FIFO over that
file's path (in its own user and mount namespace, so no privilege is
needed). /proc/PID/maps still names the path; a tracer that opens the
path to look for TLS symbols meets the FIFO. Then it writes two JSON-RPC
requests on stdout, which the tracer must still capture.
Run as: setpriv --reuid=nobody ... unshare -Urm python3 fifo_attack.py"""
import ctypes
import mmap
import os
import shutil
import sys
import tempfile

MS_BIND = 4096

d = tempfile.mkdtemp(prefix="mt-fifo-")
lib = os.path.join(d, "libfake.so")
shutil.copy("/bin/true", lib)
fd = os.open(lib, os.O_RDONLY)
fifo = os.path.join(d, "fifo")
os.mkfifo(fifo)
libc = ctypes.CDLL(None, use_errno=True)
if libc.mount(fifo.encode(), lib.encode(), None, MS_BIND, None) != 0:
    sys.stderr.write("fifo_attack: mount: errno %d\n" % ctypes.get_errno())
    sys.exit(3)
m = mmap.mmap(fd, 4096, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_EXEC)
for i in (1, 2):
    sys.stdout.write('{"jsonrpc":"2.0","id":%d,"method":"tools/list"}\n' % i)
    sys.stdout.flush()
