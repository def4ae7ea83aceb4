"""Files left without their row. A rolled-back transaction removes its files (services.attachments),
but a process killed between placing a file and committing its row (kill -9, power loss) leaves
the file, and perhaps the «.tmp-» file of a write cut short, behind. Such a transaction's journal
(services.attachment_journal) outlives it: once a journal is older than any transaction lasts
(GRACE_S), the sweep removes the files it names that have no row, their temporary files, and the
journal. Only this database's journals are read, so a folder shared with another database loses
nothing. Run hourly by the app's timers and by `python -m pos_dashboard attachments-sweep`."""

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import Session, select

from ..domain.attachments import Attachment
from .attachment_journal import database_folder, keys_of
from .attachments import path_of

GRACE_S = 3600


@dataclass(frozen=True)
class Sweep:
    journals: int
    removed: int


def _with_rows(session: Session, keys: list[str]) -> set[str]:
    rows = session.exec(select(Attachment.storage_key, Attachment.thumbnail_key).where(
        or_(Attachment.storage_key.in_(keys), Attachment.thumbnail_key.in_(keys)))).all()
    return {key for row in rows for key in row if key}


def _remove(key: str, limit: float) -> int:
    """The file and the old temporary files beside it (a younger one belongs to a write in flight)."""
    try:
        path = path_of(key)
    except ValueError:  # not a key of ours: a damaged journal line
        return 0
    temporary = [t for t in path.parent.glob(".tmp-*") if t.stat().st_mtime < limit] if path.parent.is_dir() else []
    removed = 0
    for leftover in [path, *temporary]:
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def sweep_orphans(session: Session, *, now: float | None = None, grace_s: float = GRACE_S) -> Sweep:
    folder = database_folder(session)
    if not folder.is_dir():
        return Sweep(0, 0)
    limit = (now if now is not None else time.time()) - grace_s
    journals = [path for path in folder.glob("*.keys") if path.stat().st_mtime < limit]
    removed = 0
    for journal in journals:
        keys = keys_of(journal)
        committed = _with_rows(session, keys) if keys else set()
        removed += sum(_remove(key, limit) for key in keys if key not in committed)
        Path(journal).unlink(missing_ok=True)
    return Sweep(journals=len(journals), removed=removed)
