"""Every route of the app and the URL builders, in one place (as reflex-examples form-designer
`routes.py`), and where each role starts: a page that refuses a role sends it to its own home, so
that a user is never bounced between two pages that both refuse them."""

from .domain.enums import Role

LOGIN = "/login"
QUEUE = "/"
MY_APPEALS = "/my"
NEW_APPEAL = "/my/new"
APPEAL = "/appeals/[appeal_id]"
ACCOUNT = "/account"
TRIAGE = "/triage"
ANSWER_TEMPLATES = "/templates"
KPI = "/kpi"
RATINGS = "/ratings"
RATING = "/ratings/[organization_id]"
VOTES = "/participate"
BALLOT = "/participate/[vote_id]"
VOTE_RESULTS = "/participate/[vote_id]/results"
NOTIFICATIONS = "/notifications"
SURVEY = "/participate/surveys/[survey_id]"
SURVEY_RESULTS = "/participate/surveys/[survey_id]/results"
SURVEY_MANAGE = "/participate/surveys/manage"
SURVEY_NEW = "/participate/surveys/new"
SURVEY_EDIT = "/participate/surveys/[survey_id]/edit"
VOTE_PROGRESS = "/participate/[vote_id]/progress"
VOTE_BUILDER_LIST = "/participate/votes"
VOTE_BUILDER_NEW = "/participate/votes/new"
VOTE_BUILDER = "/participate/votes/[vote_id]"
ADMIN = "/admin"
ADMIN_USERS = "/admin/users"
ADMIN_ORGANIZATIONS = "/admin/organizations"
ADMIN_CATEGORIES = "/admin/categories"
ADMIN_ROUTING = "/admin/routing"
ADMIN_AUDIT = "/admin/audit"


def appeal(appeal_id: int) -> str:
    return APPEAL.replace("[appeal_id]", str(appeal_id))


def home_for(role: Role | str | None) -> str:
    """The page a user of this role lands on after log-in (and is sent to by pages not theirs)."""
    if role is None:
        return LOGIN
    return MY_APPEALS if Role(role) == Role.CITIZEN else QUEUE


def appeal_url(appeal_id) -> str:
    """Works on ints and on Reflex Vars alike."""
    return "/appeals/" + (appeal_id.to(str) if hasattr(appeal_id, "to") else str(appeal_id))


def rating_url(organization_id=None) -> str:
    if organization_id is None:
        return RATINGS
    return RATINGS + "/" + (organization_id.to(str) if hasattr(organization_id, "to") else str(organization_id))


def survey_url(survey_id) -> str:
    """/participate/surveys/<id>; works on ints and on Reflex Vars alike."""
    return "/participate/surveys/" + (survey_id.to(str) if hasattr(survey_id, "to") else str(survey_id))


def audit_url(object_type: str, object_id) -> str:
    """The audit log filtered to one object; works on ints and on Reflex Vars alike."""
    return f"{ADMIN_AUDIT}?object_type={object_type}&object_id=" + (
        object_id.to(str) if hasattr(object_id, "to") else str(object_id))
