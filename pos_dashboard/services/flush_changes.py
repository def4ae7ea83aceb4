"""The appeals a session's flush is about to insert, update and delete: read by the flush hooks
that keep per-appeal tallies (queue_counters, search_terms) in the same transaction."""

from sqlmodel import Session

from ..domain.models import Appeal


def appeals_in_flush(session: Session) -> tuple[list[Appeal], list[Appeal], list[Appeal]]:
    """(new, modified, deleted) appeals of the coming flush."""
    new = [obj for obj in session.new if isinstance(obj, Appeal)]
    dirty = [obj for obj in session.dirty if isinstance(obj, Appeal) and session.is_modified(obj)]
    deleted = [obj for obj in session.deleted if isinstance(obj, Appeal)]
    return new, dirty, deleted
