"""A workbook file a team can share: one writer at a time, no lost change, no half-written file.

The rules, for every command that writes a workbook file:

* **Lock.**  An action holds the workbook's lock file for its whole read-compute-write cycle
  (``cycle``).  The lock file sits beside the workbook (``team.xlsx.ar-xl-lock``, like Excel's
  ``~$team.xlsx`` owner file) and names the user, the machine, the process, the command and the
  time.  It is created atomically (``O_CREAT | O_EXCL``, which also works on network shares).
  A lock left by a crashed run is *stale* and is taken over: its process is gone (this machine)
  or it is older than ``STALE_AFTER`` seconds (another machine, whose processes we cannot see).  While a live lock is held by
  someone else the action waits (up to ``AR_XL_LOCK_WAIT`` seconds, default ``WAIT``), then
  stops with a message naming who holds the workbook.  Nothing is written then.
* **Still the file that was read.**  ``load`` takes the workbook's ``fingerprint`` (size,
  modification time and SHA-256) before reading; just before writing, ``atomic_write`` checks the
  file is still that one.  If another program (Excel, a copy) changed it meanwhile, ``Changed``
  is raised and ``cycle`` re-runs the whole read-compute-write (up to ``RETRIES`` times).
* **Open in Excel or LibreOffice.**  When Excel's owner file ``~$team.xlsx`` (or LibreOffice's
  ``.~lock.team.xlsx#``) is beside the workbook, a file-mode command refuses: the message says
  who has it open and to use the ribbon in that Excel.
* **Read-only.**  A workbook without any write permission bit (``chmod 444``, the read-only
  attribute) or in a folder without any is refused by its mode bits, not by trying (root may
  write anyway).  Any other refusal of the operating system is a clear error, not a traceback.
* **Atomic save.**  The new content is written to a temporary file ``.~ar-xl-<pid>@<host>-….xlsx``
  in the same folder, flushed and ``fsync``-ed, then ``os.replace``-d over the workbook and the
  folder is ``fsync``-ed.  A kill at any moment leaves the old workbook or the new one, never a
  mix.  Temporary files of killed saves are removed at the next write in that folder (their
  process is gone, or they are older than ``TEMP_STALE_AFTER``).
* **Symbolic links** are written through: the link's target is replaced, the link stays.
* **Backups.**  The version being replaced is kept in ``ar-xl-backups/<stem>/`` beside the
  workbook, named by the time it was saved; the newest ``keep`` (Config ``backups_kept``) stay.
  A backup is a hard link to the old file (no copy), a copy where links are not possible.

Wall-clock time (``time.time``) is used here only for lock ages and file names, never as the
business "today" (that is ``ar_xl.clock``).
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import shutil
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from ..errors import ArXlError

T = TypeVar("T")

WAIT = 60.0
"""Seconds an action waits for a workbook another run holds (``AR_XL_LOCK_WAIT`` overrides)."""
STALE_AFTER = 15 * 60.0
"""A lock of another machine older than this is a crashed run's (``AR_XL_LOCK_STALE``); a lock of this
machine is stale exactly when its process is gone."""
TEMP_STALE_AFTER = 10 * 60.0
"""A temporary file of another machine's save older than this is left over from a killed save."""
RETRIES = 3
"""Times ``cycle`` re-runs a read-compute-write whose file changed underneath it."""
DEFAULT_BACKUPS = 10
TEMP_PREFIX = ".~ar-xl-"
LOCK_SUFFIX = ".ar-xl-lock"
BACKUP_DIR = "ar-xl-backups"


# ---------------------------------------------------------------- errors

class Locked(ArXlError):
    """Another run holds the workbook's lock and did not let go in time; nothing was written."""


class OpenInExcel(ArXlError):
    """Excel (or LibreOffice) has the workbook open; a file-mode command must not write it."""


class Changed(ArXlError):
    """The workbook changed on disk between reading and writing; nothing was written."""


class ReadOnly(ArXlError):
    """The workbook or its folder may not be written."""


# ---------------------------------------------------------------- who we are

def _host() -> str:
    return socket.gethostname() or "unknown-host"


def _user() -> str:
    from ..book import current_user
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


# ---------------------------------------------------------------- paths

def target(path: str | Path) -> Path:
    """The file a write to ``path`` must replace: the end of its symbolic links."""
    return Path(os.path.realpath(path))


def lock_path(path: str | Path) -> Path:
    t = target(path)
    return t.with_name(t.name + LOCK_SUFFIX)


# ---------------------------------------------------------------- Excel / LibreOffice owner files

def _excel_owner(data: bytes) -> str:
    """The user name in Excel's ``~$`` owner file: a length byte and the name, padded to 54 bytes,
    then (Excel 2007 and later) a 2-byte length and the name again in UTF-16."""
    name = ""
    if len(data) >= 56:
        n = int.from_bytes(data[54:56], "little")
        if 0 < n and 56 + 2 * n <= len(data):
            name = data[56:56 + 2 * n].decode("utf-16-le", "replace").strip("\x00 ")
    if not name and data:
        n = data[0]
        name = data[1:1 + n].decode("cp1252", "replace").strip("\x00 ")
    return name


def _libreoffice_owner(data: bytes) -> str:
    """``name,system user,host,date,profile;`` in LibreOffice's ``.~lock.<file>#``."""
    try:
        row = next(csv.reader(io.StringIO(data.decode("utf-8", "replace").rstrip(";\r\n"))))
    except StopIteration:
        return ""
    name = (row[0] if row else "") or (row[1] if len(row) > 1 else "")
    host = row[2] if len(row) > 2 else ""
    return f"{name} on {host}" if name and host else name


def _beside(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder``, its case ignored (a share mounted from Windows); ``None``."""
    exact = folder / name
    if exact.is_file():
        return exact
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name[:2] in ("~$", ".~") and e.name.lower() == name.lower() and e.is_file():
                    return Path(e.path)
    except OSError:
        pass
    return None


def open_elsewhere(path: str | Path) -> str | None:
    """Who has the workbook open in Excel or LibreOffice, from their owner files; ``None`` if nobody."""
    seen = set()
    for p in (Path(path), target(path)):
        folder, name = p.parent, p.name
        if (folder, name) in seen:
            continue
        seen.add((folder, name))
        excel = _beside(folder, "~$" + name)
        if excel is not None:
            try:
                who = _excel_owner(excel.read_bytes()[:512]) or "someone"
            except OSError:
                who = "someone"
            return (f"{Path(path).name} is open in Excel by {who} (owner file {excel.name}); "
                    f"use the ar-xl ribbon in that Excel, or ask {who} to close the workbook first. "
                    f"If nobody has it open (Excel crashed), delete {excel}. Nothing was changed")
        lo = _beside(folder, f".~lock.{name}#")
        if lo is not None:
            try:
                who = _libreoffice_owner(lo.read_bytes()[:2048]) or "someone"
            except OSError:
                who = "someone"
            return (f"{Path(path).name} is open in LibreOffice by {who} (lock file {lo.name}); "
                    f"close it there first. If nobody has it open, delete {lo}. Nothing was changed")
    return None


def refuse_if_open(path: str | Path) -> None:
    msg = open_elsewhere(path)
    if msg:
        raise OpenInExcel(msg)


# ---------------------------------------------------------------- read-only

def check_writable(path: str | Path) -> None:
    """Refuse a read-only workbook or folder by their permission bits (root could write anyway)."""
    path = Path(path)
    real = target(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and not st.st_mode & 0o222:
        raise ReadOnly(f"{path}: the workbook is marked read-only; nothing was changed "
                       f"(clear its read-only attribute, e.g. chmod u+w, if it should be changed)")
    folder = real.parent
    try:
        fst = os.stat(folder)
    except FileNotFoundError:
        raise ReadOnly(f"{path}: the folder {folder} does not exist") from None
    if not fst.st_mode & 0o222:
        raise ReadOnly(f"{path}: the folder {folder} is read-only, so the workbook cannot be saved "
                       f"there; nothing was changed")


def _os_refusal(path: Path, e: OSError, doing: str) -> ArXlError:
    """A clear error for an operating-system refusal (permissions, full disk, share gone)."""
    reason = e.strerror or str(e)
    if isinstance(e, PermissionError):
        reason = "permission denied (a read-only folder or file, or open in another program?)"
    return ReadOnly(f"{path}: cannot {doing}: {reason}; nothing was changed")


# ---------------------------------------------------------------- fingerprint

@dataclass(frozen=True)
class Fingerprint:
    """What a workbook file was when read: its size, modification time and SHA-256."""
    size: int
    mtime_ns: int
    sha256: str

    def same_content(self, other: "Fingerprint") -> bool:
        return self.size == other.size and self.sha256 == other.sha256


def fingerprint(path: str | Path) -> Fingerprint | None:
    """The file's fingerprint; ``None`` when it does not exist."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            h = hashlib.sha256()
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except FileNotFoundError:
        return None
    return Fingerprint(st.st_size, st.st_mtime_ns, h.hexdigest())


def check_unchanged(path: str | Path, expected: Fingerprint | None) -> None:
    """Raise ``Changed`` when the file is no longer the one read (``expected``): its size or its
    SHA-256 differ.  A file only touched (same bytes, new modification time) loses nothing by being
    replaced, so its time alone does not stop the save."""
    if expected is None:
        return
    now = fingerprint(path)
    if now is None or not now.same_content(expected):
        raise Changed(f"{Path(path)}: the workbook was changed by another program while this action ran; "
                      f"nothing was written")


# ---------------------------------------------------------------- the lock

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
    age = time.time() - st.st_mtime
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
            if time.time() - os.stat(guard).st_mtime > 30:
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


# ---------------------------------------------------------------- temporary files

_TEMP_NAME = re.compile(r"^\.~ar-xl-(\d+)@([A-Za-z0-9_-]*)-")


def _temp_name(suffix: str) -> str:
    return f"{TEMP_PREFIX}{os.getpid()}@{_safe(_host())}-{uuid.uuid4().hex[:8]}{suffix}"


def clean_temp_files(folder: str | Path) -> list[str]:
    """Remove the temporary files of killed saves in ``folder``: this machine's whose process is
    gone, and any older than ``TEMP_STALE_AFTER``.  Returns the names removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for e in entries:
        if not e.name.startswith(TEMP_PREFIX):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        m = _TEMP_NAME.match(e.name)
        if now - st.st_mtime > TEMP_STALE_AFTER:
            stale = True
        elif m and m.group(2) == _safe(_host()):
            stale = int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1)))
        else:
            stale = False
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(e.path)
                removed.append(e.name)
    return removed


# ---------------------------------------------------------------- the atomic write

def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def backup_folder(path: str | Path) -> Path:
    real = target(path)
    return real.parent / BACKUP_DIR / real.stem


def backups(path: str | Path) -> list[Path]:
    """The kept earlier versions of the workbook, oldest first."""
    real = target(path)
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name.startswith(real.stem + " ") and p.suffix == real.suffix)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _backup(real: Path, keep: int) -> Path | None:
    """Keep the current file as a backup (a hard link, or a copy) and drop all but the newest ``keep``."""
    if keep <= 0 or not real.exists():
        return None
    folder = backup_folder(real)
    folder.mkdir(parents=True, exist_ok=True)
    clean_temp_files(folder)  # a copy killed half-way
    kept = backups(real)
    if kept and _same_file(kept[-1], real):
        return None  # already kept (a save killed after its backup, before its replace)
    stamp = dt.datetime.fromtimestamp(real.stat().st_mtime).strftime("%Y-%m-%d %H%M%S.%f")
    for n in range(1000):
        dest = folder / f"{real.stem} {stamp}{'' if n == 0 else f'-{n}'}{real.suffix}"
        try:
            os.link(real, dest)
            break
        except FileExistsError:
            continue
        except OSError:  # no hard links on this file system: copy, then rename into place
            if dest.exists():
                continue
            part = folder / _temp_name(".part")
            shutil.copy2(real, part)
            os.replace(part, dest)
            break
    else:  # pragma: no cover
        return None
    for old in backups(real)[:-keep]:
        with contextlib.suppress(OSError):
            os.unlink(old)
    return dest


def atomic_write(path: str | Path, write: Callable[[str], None], expected: Fingerprint | None = None,
                 keep: int = DEFAULT_BACKUPS, backup: bool = True) -> Fingerprint:
    """Write the file at ``path`` through ``write(temp_name)`` and put it in place atomically.

    Holds the workbook's lock (taken here unless the caller's ``cycle`` holds it), refuses an
    owner file of Excel, a read-only file or folder, and a file that is no longer ``expected``;
    keeps the replaced version as a backup (``keep`` versions).  Returns the new file's fingerprint."""
    path = Path(path)
    real = target(path)
    existed = real.exists()
    if existed:
        refuse_if_open(path)
    check_writable(path)
    with locked(path):
        check_unchanged(real, expected)
        folder = real.parent
        clean_temp_files(folder)
        if existed:
            mode = real.stat().st_mode & 0o777  # a shared workbook keeps its permissions
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        tmp = folder / _temp_name(real.suffix or ".xlsx")
        try:
            try:
                fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except OSError as e:
                raise _os_refusal(path, e, f"create a temporary file in {folder}") from None
            write(str(tmp))
            fd = os.open(tmp, os.O_RDWR)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(tmp, mode)
            new = fingerprint(tmp)
            made = _backup(real, keep) if (backup and existed) else None
            try:
                os.replace(tmp, real)
            except BaseException:
                if made is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(made)
                raise
            _fsync_dir(folder)
        except PermissionError as e:
            raise _os_refusal(path, e, "save the workbook (is it open in Excel?)") from None
        except OSError as e:
            raise _os_refusal(path, e, "save the workbook") from None
        finally:
            if tmp.exists():
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        assert new is not None
        return new
