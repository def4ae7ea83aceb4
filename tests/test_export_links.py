"""Exports as streamed HTTP responses from signed links: a link works for its session, its export and
a couple of minutes only; the route checks the role again; the file holds what `export_table` and
`dashboard_report` build."""

from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from starlette.testclient import TestClient

from pos_dashboard.analytics import dashboard_filter as urls
from pos_dashboard.analytics.dashboard_export import export_table
from pos_dashboard.api.exports import EXPORT_PATH, REPORT, TABLE, api, open_export
from pos_dashboard.services import download_tickets, sessions
from pos_dashboard.services.errors import PermissionDenied, ServiceError
from tests.test_kpi import story  # noqa: F401  (fixture)

DAY = urls.DashboardFilter(period="custom", date_from="2025-03-03", date_to="2025-03-03")
TERRITORIES = {"q": urls.to_query(DAY), "table": "territory", "fmt": "csv", "sort": "group", "desc": "0"}


def _link(session, user_id: int, now, kind=TABLE, params=TERRITORIES) -> dict:
    token = sessions.open_session(session, user_id=user_id, now=now)
    return dict(parse_qsl(download_tickets.issue(session, token=token, kind=kind, params=params, now=now)))


def test_a_link_streams_the_same_file_as_the_export(session, story):
    r, _, now = story
    name, chunks, mime = open_export(session, _link(session, r.official.user_id, now), now=now)
    assert (name, mime) == ("kpi_territories_20250303_20250303.csv", "text/csv; charset=utf-8")
    streamed = list(chunks)
    assert len(streamed) >= 2  # the header first, then the rows
    assert b"".join(streamed) == export_table(session, DAY, "territory", "csv", actor=r.official, now=now)[1]
    report = open_export(session, _link(session, r.official.user_id, now, REPORT, {"q": urls.to_query(DAY)}),
                         now=now)
    assert report[0] == "kpi_report_20250303_20250303.pdf" and b"".join(report[1]).startswith(b"%PDF-")


@pytest.mark.parametrize("change", ["table", "q", "exp", "sid", "mac", "kind"])
def test_a_changed_link_is_refused(session, story, change):
    r, _, now = story
    link = _link(session, r.official.user_id, now)
    link[change] = {"table": "organisation", "q": "period=365", "exp": str(int(link["exp"]) + 60),
                    "sid": str(int(link["sid"]) + 1), "mac": "0" * 64, "kind": REPORT}[change]
    with pytest.raises(PermissionDenied, match="недействительна"):
        open_export(session, link, now=now)


def test_a_link_expires_and_dies_with_its_session(session, story):
    r, _, now = story
    link = _link(session, r.official.user_id, now)
    with pytest.raises(PermissionDenied):
        open_export(session, link, now=now + download_tickets.TTL + timedelta(seconds=2))
    token = sessions.open_session(session, user_id=r.official.user_id, now=now)
    link = dict(parse_qsl(download_tickets.issue(session, token=token, kind=TABLE, params=TERRITORIES, now=now)))
    sessions.revoke_token(session, token, now=now)
    with pytest.raises(PermissionDenied):
        open_export(session, link, now=now)
    for garbage in ({}, {"sid": "x", "exp": "1"}, {"sid": "9" * 40, "exp": "9" * 40, "mac": ""}):
        with pytest.raises(PermissionDenied):
            open_export(session, garbage, now=now)
    with pytest.raises(PermissionDenied):
        download_tickets.issue(session, token="not a token", kind=TABLE, params=TERRITORIES, now=now)


@pytest.mark.parametrize("who", ["citizen", "org_staff"])
def test_a_valid_link_of_another_role_gets_nothing(session, story, who):
    r, _, now = story
    actor = {"citizen": r.citizen, "org_staff": r.staff[r.o_uk]}[who]
    for kind, params in ((TABLE, TERRITORIES), (REPORT, {"q": urls.to_query(DAY)})):
        with pytest.raises(PermissionDenied, match="доступна"):
            name, chunks, _ = open_export(session, _link(session, actor.user_id, now, kind, params), now=now)
            list(chunks)


def test_the_route_streams_with_a_file_name_and_refuses_in_russian(session, story, monkeypatch):
    r, _, _ = story
    from pos_dashboard.domain.types import utcnow

    now = utcnow()  # the route reads the clock: a link made now
    flt = urls.DashboardFilter(period="custom", date_from="2025-03-03", date_to="2025-03-03")
    params = {"q": urls.to_query(flt), "table": "organisation", "fmt": "xlsx", "sort": "received", "desc": "1"}
    link = _link(session, r.official.user_id, now, TABLE, params)
    session.commit()
    monkeypatch.setenv("REFLEX_DB_URL", session.get_bind().url.render_as_string(hide_password=False))
    client = TestClient(api)
    response = client.get(EXPORT_PATH, params=link)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="kpi_organizations_20250303')
    assert response.headers["cache-control"] == "no-store"
    assert response.content == export_table(session, flt, "organisation", "xlsx", actor=r.official, now=now,
                                            sort="received", descending=True)[1]
    refused = client.get(EXPORT_PATH, params={**link, "fmt": "csv"})
    assert refused.status_code == 403 and "недействительна" in refused.text


def test_ratings_links_stream_the_ranking_and_refuse_another_organisations_trend(session, story):
    from pos_dashboard.analytics import rating_views
    from pos_dashboard.analytics.ratings import rating_moment
    from pos_dashboard.analytics.table_export import csv_bytes
    from pos_dashboard.api.exports import RANKING, TREND

    r, _, now = story
    ranking = {"period": "90", "org_type": "all", "sort": "rank", "fmt": "csv"}
    name, chunks, mime = open_export(session, _link(session, r.official.user_id, now, RANKING, ranking), now=now)
    header, rows = rating_views.ranking_table(session, rating_views.RankingQuery(), actor=r.official,
                                              now=rating_moment(now))
    assert (name, mime) == ("rating_90d.csv", "text/csv") and b"".join(chunks) == csv_bytes(header, rows)
    staff = r.staff[r.o_uk]
    own = open_export(session, _link(session, staff.user_id, now, TREND, {"org": str(r.o_uk), "period": "90",
                                                                           "fmt": "xlsx"}), now=now)
    assert own[0] == f"rating_{r.o_uk}_90d.xlsx" and b"".join(own[1]).startswith(b"PK")
    with pytest.raises(PermissionDenied, match="другой организации"):
        open_export(session, _link(session, staff.user_id, now, TREND, {"org": str(r.o_heat), "period": "90",
                                                                         "fmt": "csv"}), now=now)
    for params in ({**ranking, "fmt": "pdf"}, {**ranking, "period": "7"}):
        with pytest.raises(ServiceError):
            list(open_export(session, _link(session, r.official.user_id, now, RANKING, params), now=now)[1])
