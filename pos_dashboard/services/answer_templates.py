"""Answer templates: kept by the staff of one organisation for that organisation only, and offered
on the card of an appeal of that organisation (templates of its category, its parents, or any)."""

from sqlmodel import Session, func, select

from ..domain import limits
from ..domain.answer_templates import TEMPLATES_PER_ORGANIZATION_MAX, TITLE_MAX, AnswerTemplate
from ..domain.enums import Role
from ..domain.models import Appeal, Category
from ..domain.types import utcnow
from .actors import Actor
from .appeals import ownership_refusal
from .errors import NotFound, PermissionDenied, ValidationFailed
from .routing import lineage
from .text_input import bounded_text

NOT_STAFF = "Шаблоны ответов ведут сотрудники организации"


def _organization(actor: Actor | None) -> int:
    if actor is None or actor.role != Role.ORG_STAFF or actor.organization_id is None:
        raise PermissionDenied(NOT_STAFF)
    return actor.organization_id


def list_templates(session: Session, *, actor: Actor) -> list[AnswerTemplate]:
    org_id = _organization(actor)
    return list(session.exec(select(AnswerTemplate).where(AnswerTemplate.organization_id == org_id)
                             .order_by(AnswerTemplate.title, AnswerTemplate.id)).all())


def save_template(session: Session, *, actor: Actor, title: str, text: str, category_id: int | None,
                  template_id: int | None = None) -> AnswerTemplate:
    org_id = _organization(actor)
    title = bounded_text(title, limit=TITLE_MAX, minimum=3, what="Название шаблона")
    text = bounded_text(text, limit=limits.ANSWER_TEXT_MAX, minimum=limits.ANSWER_TEXT_MIN, what="Текст шаблона")
    if category_id is not None and (not isinstance(category_id, int) or limits.is_out_of_id_range(category_id)
                                    or session.get(Category, category_id) is None):
        raise ValidationFailed("Выберите категорию из списка")
    if template_id is None:
        count = session.exec(select(func.count()).select_from(AnswerTemplate)
                             .where(AnswerTemplate.organization_id == org_id)).one()
        if count >= TEMPLATES_PER_ORGANIZATION_MAX:
            raise ValidationFailed(f"У организации уже {TEMPLATES_PER_ORGANIZATION_MAX} шаблонов: удалите ненужные")
        template = AnswerTemplate(organization_id=org_id, created_by=actor.user_id, title=title, text=text)
        session.add(template)
    else:
        template = _own(session, actor, template_id)
    template.title, template.text, template.category_id, template.updated_at = title, text, category_id, utcnow()
    session.commit()
    return template


def delete_template(session: Session, *, actor: Actor, template_id: int) -> None:
    session.delete(_own(session, actor, template_id))
    session.commit()


def _own(session: Session, actor: Actor, template_id) -> AnswerTemplate:
    org_id = _organization(actor)
    template = session.get(AnswerTemplate, template_id) \
        if isinstance(template_id, int) and not limits.is_out_of_id_range(template_id) else None
    if template is None or template.organization_id != org_id:  # another organisation's: as if absent
        raise NotFound("Шаблон не найден")
    return template


def templates_for_appeal(session: Session, *, actor: Actor, appeal_id: int) -> list[AnswerTemplate]:
    """The organisation's templates for this appeal's category (or its parents, or any category)."""
    org_id = _organization(actor)
    appeal = session.get(Appeal, appeal_id) if isinstance(appeal_id, int) and not limits.is_out_of_id_range(appeal_id) \
        else None
    if appeal is None:
        raise NotFound("Обращение не найдено")
    if refusal := ownership_refusal(actor, appeal):
        raise PermissionDenied(refusal)
    categories = lineage(session, Category, appeal.category_id)
    return list(session.exec(select(AnswerTemplate).where(
        AnswerTemplate.organization_id == org_id,
        (AnswerTemplate.category_id.is_(None)) | (AnswerTemplate.category_id.in_(categories)))
        .order_by(AnswerTemplate.title, AnswerTemplate.id)).all())
