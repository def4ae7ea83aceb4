"""Each role's home page: the log-in redirect and the pages that refuse a role send users there, so
a citizen is never bounced between the staff queue and the log-in page."""

from pos_dashboard import routes
from pos_dashboard.domain.enums import Role


def test_each_role_has_its_home():
    assert routes.home_for(Role.CITIZEN) == routes.MY_APPEALS == "/my"
    for role in (Role.COORDINATOR, Role.ORG_STAFF, Role.OFFICIAL, Role.ADMIN):
        assert routes.home_for(role) == routes.QUEUE == "/"
    assert routes.home_for("citizen") == "/my"
    assert routes.home_for(None) == routes.LOGIN


def test_url_builders():
    assert routes.appeal(42) == "/appeals/42"
    assert routes.APPEAL == "/appeals/[appeal_id]"
