"""Benches that send WebRTC traffic run in a network namespace with only loopback up."""

from __future__ import annotations

import os
import shlex
import sys

import ifaddr


def has_other_interfaces() -> bool:
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            addr = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            if not (addr.startswith("127.") or addr == "::1"):
                return True
    return False


def ensure_loopback_namespace() -> None:
    """Re-run this script inside `unshare -n` (as root) unless only loopback is up already."""
    if not has_other_interfaces():
        return
    if os.geteuid() != 0:
        sys.exit("run this bench as root (it makes a loopback-only network namespace)")
    cmd = " ".join(shlex.quote(a) for a in [sys.executable, *sys.orig_argv[1:]])
    os.execvp("unshare", ["unshare", "-n", "--", "sh", "-c", f"ip link set lo up && exec {cmd}"])
