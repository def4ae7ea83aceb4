"""The appeals behind a KPI, as SQL conditions on the appeal table: the dashboard's drill-down opens
the queue narrowed by them. The same facts as `services.kpi_facts` counts in bulk."""

from sqlalchemy import exists

from ..domain.enums import AnswerKind, EventKind, Status
from ..domain.kpi_measures import DISPUTE_ACTION, RE_REVIEW_ACTIONS, REWORK_ACTION, SATISFIED_MIN_RATING
from ..domain.models import Answer, Appeal, AppealEvent


def flag_conditions() -> dict:
    """The per-appeal facts the KPIs count, as SQL conditions on the appeal table."""
    a, e, ans = Appeal.__table__, AppealEvent.__table__, Answer.__table__

    def has_event(*conditions):
        return exists().where(e.c.appeal_id == a.c.id, *conditions)

    return {
        "has_interim": exists().where(ans.c.appeal_id == a.c.id, ans.c.kind == AnswerKind.INTERIM.value),
        "has_redirect": has_event(e.c.kind == EventKind.REDIRECT.value),
        "has_category_change": has_event(e.c.kind == EventKind.CATEGORY_CHANGE.value),
        "has_re_review": has_event(e.c.action.in_(RE_REVIEW_ACTIONS)),
        "has_rework": has_event(e.c.action == REWORK_ACTION),
        "has_dispute": has_event(e.c.action == DISPUTE_ACTION),
    }


def drill_condition(kpi_name: str):
    """The appeals a count KPI counts (for a share: its numerator), as a SQL condition on the appeal
    table; None when the KPI counts every appeal of the selection. Overdue and at-risk appeals are
    the queue's own deadline filters."""
    a, flags = Appeal.__table__, flag_conditions()
    answered = a.c.first_answer_at.is_not(None)
    conditions = {
        "answered": answered, "median_hours_to_first_answer": answered, "p90_hours_to_first_answer": answered,
        "answered_with_deadline": answered & a.c.deadline_at.is_not(None),
        "answered_on_time": answered & (a.c.first_answer_at <= a.c.deadline_at),
        "rated": a.c.rating.is_not(None), "average_rating": a.c.rating.is_not(None),
        "satisfaction_share": a.c.rating >= SATISFIED_MIN_RATING,
        "rejected": a.c.status == Status.REJECTED.value,
        "with_interim_answer": flags["has_interim"], "redirected": flags["has_redirect"],
        "category_changed": flags["has_category_change"], "re_reviewed": flags["has_re_review"],
        "returned_for_rework": flags["has_rework"], "disputed": flags["has_dispute"],
    }
    conditions["answered_share"], conditions["on_time_share"] = answered, conditions["answered_on_time"]
    return conditions.get(kpi_name)
