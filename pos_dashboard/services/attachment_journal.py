"""The journal of files a transaction is placing in storage: one small file per transaction in
`<attachments>/pending/<database>/`, listing the storage keys, written (and fsynced) before each
file is placed and removed when the transaction commits or rolls back. A journal that outlives
its process names exactly the files that process may have left without a row; the database part
of the path keeps two databases that share one attachments folder out of each other's journals."""

import hashlib
import os
import uuid
from pathlib import Path

from sqlmodel import Session

from .. import settings

_JOURNAL = "attachment_journal"


def database_folder(session: Session) -> Path:
    url = session.get_bind().url.render_as_string(hide_password=True)
    return Path(settings.attachments_dir()) / "pending" / hashlib.sha256(url.encode()).hexdigest()[:16]


def record(session: Session, key: str) -> None:
    journal = session.info.get(_JOURNAL)
    if journal is None:
        journal = database_folder(session) / f"{uuid.uuid4().hex}.keys"
        journal.parent.mkdir(parents=True, exist_ok=True)
        session.info[_JOURNAL] = journal
    with open(journal, "a", encoding="ascii") as out:
        out.write(key + "\n")
        out.flush()
        os.fsync(out.fileno())


def close(session: Session) -> None:
    journal = session.info.pop(_JOURNAL, None)
    if journal is not None:
        Path(journal).unlink(missing_ok=True)


def keys_of(journal: Path) -> list[str]:
    return [line.strip() for line in journal.read_text(encoding="ascii", errors="replace").splitlines() if line.strip()]
