"""The workbook's lock: one writer at a time.  An action holds the lock file beside the workbook
(``team.xlsx.ar-xl-lock``, created with ``O_CREAT | O_EXCL``, naming user, machine, process, command and
time) for its whole read-compute-write ``cycle``; a stale lock (its process gone on this machine, or
older than ``STALE_AFTER`` from another) is taken over, a live one is waited for, then refused with
who holds it; a cycle whose file changed underneath is run again from the read."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from ...errors import ArXlError
from .changed import Changed
from .file_clock import age as file_age
from .owners import refuse_if_open
from .paths import target
from .process import _command, _host, _pid_alive, _proc_start, _user
from .readonly import _os_refusal, check_writable
from .temp import clean_temp_files

T = TypeVar("T")

WAIT = 60.0
"""Seconds an action waits for a workbook another run holds (``AR_XL_LOCK_WAIT`` overrides)."""
STALE_AFTER = 15 * 60.0
"""A lock of another machine older than this is a crashed run's (``AR_XL_LOCK_STALE``); a lock of this
machine is stale exactly when its process is gone."""
RETRIES = 3
"""Times ``cycle`` re-runs a read-compute-write whose file changed underneath it."""
LOCK_SUFFIX = ".ar-xl-lock"


class Locked(ArXlError):
    """Another run holds the workbook's lock and did not let go in time; nothing was written."""



def lock_path(path: str | Path) -> Path:
    t = target(path)
    return t.with_name(t.name + LOCK_SUFFIX)


@dataclass
class _Held:
    path: Path
    token: str
    depth: int = 1


_held: dict[str, _Held] = {}


def _lock_info(token: str) -> dict:
    start = _proc_start(os.getpid())
    return {"user": _user(), "host": _host(), "pid": os.getpid(), "proc_start": start,
            "command": _command(), "since": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "time": time.time(), "token": token}


def _read_lock(lp: Path) -> tuple[dict | None, float | None]:
    """The lock file's content (``None`` if unreadable) and its age in seconds (``None`` if gone)."""
    try:
        st = os.stat(lp)
        data = lp.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError:
        return None, 0.0
    age = file_age(lp, st.st_mtime)
    try:
        info = json.loads(data.decode("utf-8"))
        return (info if isinstance(info, dict) else None), age
    except (UnicodeDecodeError, ValueError):
        return None, age


def _stale_after() -> float:
    try:
        return float(os.environ.get("AR_XL_LOCK_STALE", STALE_AFTER))
    except ValueError:
        return STALE_AFTER


def _is_stale(info: dict | None, age: float) -> bool:
    if info is None:
        return age > 5.0  # a run killed between creating the lock file and writing it
    if info.get("host") == _host() and os.name != "nt":  # this machine: its process tells
        try:
            return not _pid_alive(int(info.get("pid", 0)), info.get("proc_start"))
        except (TypeError, ValueError):
            return True
    return age > _stale_after()


def describe(info: dict | None) -> str:
    """Who holds a lock, for a message: user, machine, command, since when."""
    if not info:
        return "another run (its lock file is unreadable)"
    since = str(info.get("since", ""))
    try:
        since = dt.datetime.fromisoformat(since).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        pass
    return (f"{info.get('user', '?')} on {info.get('host', '?')} "
            f"(`{info.get('command', 'ar-xl')}`, pid {info.get('pid', '?')}, since {since})")


def _break_stale(lp: Path, seen: dict | None) -> None:
    """Remove a stale lock, under a short guard file so two runs never remove a fresh lock."""
    guard = lp.with_name(lp.name + ".break")
    try:
        fd = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        with contextlib.suppress(OSError):
            if file_age(guard, os.stat(guard).st_mtime) > 30:
                os.unlink(guard)  # left by a run killed while it broke a lock
        return
    try:
        os.close(fd)
        info, age = _read_lock(lp)
        if age is not None and info == seen and _is_stale(info, age):
            os.unlink(lp)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(guard)


def _wait_limit() -> float:
    try:
        return float(os.environ.get("AR_XL_LOCK_WAIT", WAIT))
    except ValueError:
        return WAIT


def acquire(path: str | Path, wait: float | None = None) -> _Held:
    """Take the workbook's lock (re-entrant within a process); ``Locked`` if it stays taken."""
    real = target(path)
    key = str(real)
    held = _held.get(key)
    if held is not None:
        held.depth += 1
        return held
    lp = lock_path(path)
    token = uuid.uuid4().hex
    deadline = time.monotonic() + (_wait_limit() if wait is None else wait)
    info = None
    while True:
        try:
            fd = os.open(lp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            info, age = _read_lock(lp)
            if age is None:
                continue  # released meanwhile
            if _is_stale(info, age):
                _break_stale(lp, info)
                time.sleep(random.uniform(0, 0.02))
                continue
            if time.monotonic() >= deadline and info is None:
                # the holder may be between creating its lock file and writing into it: a moment more to
                # name it (a file that stays empty is broken as stale above, after a few seconds)
                for _ in range(25):
                    time.sleep(0.01)
                    info, age = _read_lock(lp)
                    if info is not None or age is None:
                        break
                if age is None:
                    continue  # released meanwhile
            if time.monotonic() >= deadline:
                raise Locked(f"{Path(path).name} is being changed by {describe(info)}; waited "
                             f"{_wait_limit() if wait is None else wait:.0f} s, nothing was written. "
                             f"Try again in a moment") from None
            time.sleep(random.uniform(0.05, 0.25))
            continue
        except OSError as e:
            raise _os_refusal(Path(path), e, f"create its lock file {lp.name}") from None
        try:
            os.write(fd, json.dumps(_lock_info(token)).encode("utf-8"))
        except OSError as e:
            with contextlib.suppress(OSError):
                os.unlink(lp)
            raise _os_refusal(Path(path), e, f"write its lock file {lp.name}") from None
        finally:
            os.close(fd)
        held = _Held(lp, token)
        _held[key] = held
        return held


def release(held: _Held) -> None:
    held.depth -= 1
    if held.depth > 0:
        return
    for k, v in list(_held.items()):
        if v is held:
            del _held[k]
    info, _ = _read_lock(held.path)
    if info is not None and info.get("token") == held.token:  # still ours (not broken as stale)
        with contextlib.suppress(OSError):
            os.unlink(held.path)


@contextlib.contextmanager
def locked(path: str | Path, wait: float | None = None) -> Iterator[_Held]:
    """Hold the workbook's lock for the ``with`` block."""
    held = acquire(path, wait)
    try:
        yield held
    finally:
        release(held)


def holds_lock(path: str | Path) -> bool:
    return str(target(path)) in _held


def cycle(path: str | Path, fn: Callable[[], T], wait: float | None = None) -> T:
    """Run ``fn`` (a read-compute-write of the workbook at ``path``) holding its lock.

    Refuses first when Excel has the workbook open or it is read-only; when the file changed
    underneath (``Changed``), waits briefly and runs ``fn`` again from the read, up to ``RETRIES``
    more times."""
    if not Path(path).exists():
        return fn()  # its read says there is no such workbook
    refuse_if_open(path)
    check_writable(path)
    with locked(path, wait):
        clean_temp_files(target(path).parent)
        for attempt in range(RETRIES + 1):
            try:
                return fn()
            except Changed:
                if attempt == RETRIES:
                    raise Changed(f"{Path(path).name}: the workbook kept changing while this action ran "
                                  f"(saved by another program, such as Excel?); tried {RETRIES + 1} times, "
                                  f"nothing was written") from None
                time.sleep(random.uniform(0.2, 0.6))
    raise AssertionError("unreachable")  # pragma: no cover
