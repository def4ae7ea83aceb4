"""Routes of the pages and the URL builders that point at them (one place for both)."""

LOGIN = "/login"
QUEUE = "/"
APPEAL = "/appeals/[appeal_id]"
RATINGS = "/ratings"
RATING = "/ratings/[organization_id]"


def appeal_url(appeal_id) -> str:
    """Works on ints and on Reflex Vars alike."""
    return "/appeals/" + (appeal_id.to(str) if hasattr(appeal_id, "to") else str(appeal_id))


def rating_url(organization_id=None) -> str:
    if organization_id is None:
        return RATINGS
    return RATINGS + "/" + (organization_id.to(str) if hasattr(organization_id, "to") else str(organization_id))
