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

The modules: ``lock`` (the lock and the read-compute-write ``cycle``), ``owners`` (Excel's and
LibreOffice's owner files), ``readonly`` (mode-bit checks, operating-system refusals), ``changed``
(the fingerprint), ``atomic`` (the atomic write), ``backup`` (kept versions), ``temp`` (temporary
files of killed saves), ``file_clock`` (the age of a lock or temporary file on the clock of the file
system that holds it), ``paths`` (symbolic links written through), ``process`` (who we are, whether
a process lives).
"""
from __future__ import annotations

from .atomic import atomic_write
from .backup import BACKUP_DIR, DEFAULT_BACKUPS, backup_folder, backups
from .changed import Changed, Fingerprint, check_unchanged, fingerprint, read_bytes
from .lock import (LOCK_SUFFIX, RETRIES, STALE_AFTER, WAIT, Locked, acquire, cycle, describe, holds_lock,
                   lock_path, locked, release)
from .owners import OpenInExcel, open_elsewhere, refuse_if_open
from .paths import target
from .process import _safe
from .readonly import ReadOnly, check_writable
from .temp import TEMP_PREFIX, TEMP_STALE_AFTER, clean_temp_files

__all__ = ["atomic_write", "BACKUP_DIR", "DEFAULT_BACKUPS", "backup_folder", "backups", "Changed", "Fingerprint",
           "check_unchanged", "fingerprint", "read_bytes", "LOCK_SUFFIX", "RETRIES", "STALE_AFTER", "WAIT", "Locked", "acquire",
           "cycle", "describe", "holds_lock", "lock_path", "locked", "release", "OpenInExcel", "open_elsewhere",
           "refuse_if_open", "target", "_safe", "ReadOnly", "check_writable", "TEMP_PREFIX", "TEMP_STALE_AFTER",
           "clean_temp_files"]
