"""Stored attachments. Files go to settings.attachments_dir() under generated keys, each written
atomically (a temporary file in the same folder, fsync, rename), and in step with the database:
a file written in a transaction that rolls back (a refusal, a failed commit) is removed by the
session's rollback hook, so no file outlives its row. The other way round (a row without its file)
cannot happen: the files are in place before the commit that makes the rows visible. A process
killed before either hook runs leaves its files in the transaction's journal (`pending/`), which
`attachment_sweep` reads.

Files picked in the form are checked and cleaned at once and kept in a staging folder under a random
key that only the server-side state knows; sending the form links them into storage."""

import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, func
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from .. import settings
from ..domain.attachments import Attachment
from ..domain.types import utcnow
from . import attachment_journal
from .actors import Actor
from .errors import ValidationFailed
from .file_checks import Prepared, check_count

_WRITTEN = "attachment_files_written"
_KEY = re.compile(r"^[0-9a-f]{32}$")
STAGING_TTL_S = 24 * 3600


def root() -> Path:
    return Path(settings.attachments_dir())


def path_of(key: str) -> Path:
    """Where a stored key lives: two levels of folders keep each folder small."""
    if not re.fullmatch(r"[0-9a-f]{32}(_t)?\.(jpg|png|pdf)", key or ""):
        raise ValueError("bad storage key")
    return root() / key[:2] / key[2:4] / key


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _place(path: Path, source: Path) -> None:
    """A staged file enters storage by a hard link (no copy of 10 MB); a copy where links fail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, path)
    except OSError:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, path)


def _remember(session: Session, path: Path) -> None:
    """Before the file is placed: the session's rollback removes it, the journal outlives a kill."""
    attachment_journal.record(session, path.name)
    session.info.setdefault(_WRITTEN, []).append(path)


@event.listens_for(OrmSession, "after_commit")
def _committed(session) -> None:
    if session.info.pop(_WRITTEN, None):
        attachment_journal.close(session)


@event.listens_for(OrmSession, "after_rollback")
def _rolled_back(session) -> None:
    written = session.info.pop(_WRITTEN, [])
    for path in written:
        Path(path).unlink(missing_ok=True)
    if written:
        attachment_journal.close(session)


# --- staging: checked files waiting for the form to be sent ---

@dataclass(frozen=True)
class Staged:
    key: str
    name: str
    content_type: str
    size: int
    sha256: str
    has_thumb: bool

    def as_row(self) -> dict:
        return {"key": self.key, "name": self.name, "content_type": self.content_type, "size": self.size,
                "sha256": self.sha256, "has_thumb": self.has_thumb}

    @classmethod
    def of_row(cls, row: dict) -> "Staged":
        return cls(**{name: row[name] for name in ("key", "name", "content_type", "size", "sha256", "has_thumb")})


def _staging(key: str, suffix: str) -> Path:
    if not _KEY.match(key or ""):
        raise ValueError("bad staging key")
    return root() / "staging" / f"{key}{suffix}"


def stage(prepared: Prepared) -> Staged:
    key = uuid.uuid4().hex
    _write_atomic(_staging(key, ".data"), prepared.data)
    if prepared.thumb is not None:
        _write_atomic(_staging(key, ".thumb"), prepared.thumb)
    _sweep_staging()
    return Staged(key, prepared.name, prepared.content_type, prepared.size, prepared.sha256, prepared.thumb is not None)


def discard(staged: Staged) -> None:
    for suffix in (".data", ".thumb"):
        _staging(staged.key, suffix).unlink(missing_ok=True)


def _sweep_staging(now: float | None = None) -> None:
    """Staged files of forms never sent go after a day."""
    folder, limit = root() / "staging", (now or time.time()) - STAGING_TTL_S
    for entry in os.scandir(folder):
        if entry.is_file() and entry.stat().st_mtime < limit:
            Path(entry.path).unlink(missing_ok=True)


# --- storing: rows and files in one transaction ---

def count_for(session: Session, appeal_id: int, answer_id: int | None) -> int:
    owner = Attachment.answer_id == answer_id if answer_id is not None else Attachment.answer_id.is_(None)
    return session.exec(select(func.count()).select_from(Attachment)
                        .where(Attachment.appeal_id == appeal_id, owner)).one()


def attach(session: Session, *, actor: Actor, appeal_id: int, answer_id: int | None = None,
           files: list[Prepared | Staged], now=None) -> list[Attachment]:
    """Add the files to an appeal (answer_id None) or to one of its answers. Called by the services
    that create the appeal or the answer, inside their transaction (they check who may act); the
    caller commits. Files are placed now; a rollback removes them."""
    if not files:
        return []
    check_count(count_for(session, appeal_id, answer_id), len(files))
    now = now or utcnow()
    rows = []
    for item in files:
        if not isinstance(item, (Prepared, Staged)):
            raise ValidationFailed("Файл не принят")
        base = uuid.uuid4().hex
        ext = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}[item.content_type]
        key, thumb_key = base + ext, None
        if isinstance(item, Prepared):
            _remember(session, path_of(key))
            _write_atomic(path_of(key), item.data)
            if item.thumb is not None:
                thumb_key = base + "_t.jpg"
                _remember(session, path_of(thumb_key))
                _write_atomic(path_of(thumb_key), item.thumb)
        else:
            source = _staging(item.key, ".data")
            if not source.is_file():
                raise ValidationFailed(f"Файл «{item.name}» больше не доступен: приложите его снова")
            _remember(session, path_of(key))
            _place(path_of(key), source)
            if item.has_thumb:
                thumb_key = base + "_t.jpg"
                _remember(session, path_of(thumb_key))
                _place(path_of(thumb_key), _staging(item.key, ".thumb"))
        rows.append(Attachment(appeal_id=appeal_id, answer_id=answer_id, uploaded_by=actor.user_id,
                               original_name=item.name, content_type=item.content_type, size=item.size,
                               sha256=item.sha256, storage_key=key, thumbnail_key=thumb_key, created_at=now))
    session.add_all(rows)
    session.flush()
    return rows
