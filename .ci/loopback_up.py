"""Bring up the loopback interface of the current network namespace, then run the command.

CI runs the tests inside `unshare -n` (no route out); a new namespace's `lo` starts down, and
the distributed-build tests start a local Ray cluster on 127.0.0.1. Python's own ioctl does
it, so CI needs no `ip` tool. If it cannot, the command still runs (those tests then skip).
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b""))


if __name__ == "__main__":
    try:
        loopback_up()
    except OSError as exc:
        print(f"ci: loopback stays down ({exc}); Ray tests will skip", file=sys.stderr)
    os.execvp(sys.argv[1], sys.argv[1:])
