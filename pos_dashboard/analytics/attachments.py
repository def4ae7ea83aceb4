"""Read models of attachments: the rows the card shows (with signed links made for the viewer) and
the file a link asks for. Access follows the appeal (`appeal_card.can_view`): the citizen who sent
it, staff of the organisation executing it, coordinators, officials and admins; nobody else learns
that the file exists."""

from pathlib import Path
from typing import TypedDict

from sqlmodel import Session, select

from ..domain.attachments import Attachment
from ..domain.enums import ReviewState, Role
from ..domain.limits import is_out_of_id_range
from ..domain.models import Answer, Appeal
from ..services import attachments as storage
from ..services import sessions
from ..services.actors import Actor
from ..services.errors import NotFound
from ..services.file_checks import is_image
from ..services.file_links import signed_url
from .appeal_card import can_view


class AttachmentRow(TypedDict):
    id: int
    answer_id: int  # 0: the appeal's own file
    name: str
    size: str
    is_image: bool
    url: str
    thumb_url: str


def size_label(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} КБ"
    return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")


def for_card(session: Session, appeal_id: int, *, actor: Actor, session_id: int | None,
             now: float | None = None) -> list[AttachmentRow]:
    """The appeal's files and those of its answers the actor may read (a citizen: approved answers),
    with links signed for the actor's log-in session."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or not can_view(actor, appeal) or session_id is None:
        return []
    stmt = (select(Attachment).outerjoin(Answer, Answer.id == Attachment.answer_id)
            .where(Attachment.appeal_id == appeal_id).order_by(Attachment.id))
    if actor.role == Role.CITIZEN:
        stmt = stmt.where((Attachment.answer_id.is_(None)) | (Answer.review_state == ReviewState.APPROVED))
    return [AttachmentRow(id=a.id, answer_id=a.answer_id or 0, name=a.original_name, size=size_label(a.size),
                          is_image=is_image(a.content_type),
                          url=signed_url(a.id, "file", session_id, now=now),
                          thumb_url=signed_url(a.id, "thumb", session_id, now=now) if a.thumbnail_key else "")
            for a in session.exec(stmt).all()]


def open_file(session: Session, attachment_id: int, variant: str, *, actor: Actor) -> tuple[Path, str, str]:
    """(path, name, content type) of a file the actor may read; NotFound for everything else."""
    missing = NotFound("Файл не найден")
    attachment = None if is_out_of_id_range(attachment_id) else session.get(Attachment, attachment_id)
    if attachment is None:
        raise missing
    appeal = session.get(Appeal, attachment.appeal_id)
    if appeal is None or not can_view(actor, appeal):
        raise missing
    if attachment.answer_id is not None and actor.role == Role.CITIZEN:
        answer = session.get(Answer, attachment.answer_id)
        if answer is None or answer.review_state != ReviewState.APPROVED:
            raise missing
    if variant == "thumb":
        if not attachment.thumbnail_key:
            raise missing
        return storage.path_of(attachment.thumbnail_key), attachment.original_name, "image/jpeg"
    return storage.path_of(attachment.storage_key), attachment.original_name, attachment.content_type


def actor_of_session(session: Session, session_id: int) -> Actor | None:
    user = sessions.user_of_session(session, session_id)
    return Actor.of(user) if user is not None else None


def session_id_of(session: Session, token: str) -> int | None:
    resolved = sessions.resolve(session, token, touch=False)
    return resolved[1].id if resolved else None
