"""Who we are and whether a process lives: the user, the machine and the command that a lock or a
temporary file names, and whether a process of this machine still runs (a reused pid, or a killed
process not yet reaped, counts as gone)."""
from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path


def _host() -> str:
    return socket.gethostname() or "unknown-host"


def _user() -> str:
    from ...book import current_user
    return current_user()


def _safe(text: str, n: int = 32) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", text)[:n] or "host"


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux); ``None`` elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
        return stat[stat.rindex(")") + 2:].split()
    except (OSError, ValueError):
        return None


def _proc_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def _pid_alive(pid: int, start: str | None = None) -> bool:
    """Whether process ``pid`` of this machine runs (and is the one that started at ``start``)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate it on Windows; the lock's age decides there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's live process
    except OSError:
        return True
    fields = _proc_stat(pid)
    if fields:
        if fields[0] in ("Z", "X"):
            return False  # killed, not yet reaped by its parent
        if start is not None and len(fields) > 19 and fields[19] != start:
            return False  # the pid was reused by a later process
    return True


def _command() -> str:
    argv = [Path(sys.argv[0]).name] + sys.argv[1:2] if sys.argv and sys.argv[0] else []
    if argv and argv[0] in ("__main__.py", "-m", "-c"):
        argv[0] = "ar-xl"
    return " ".join(argv) or "ar-xl"

