"""The attachment route's access matrix, through HTTP (Starlette's test client on the mounted app):
who gets the file (200) and who learns nothing (404), with signed links and with a session token."""

import time
from urllib.parse import quote

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from pos_dashboard.analytics.attachments import for_card
from pos_dashboard.api.files import files_api
from pos_dashboard.domain.security import UserSession
from pos_dashboard.services import appeals, sessions
from pos_dashboard.services.file_checks import check_file
from pos_dashboard.services.file_links import signed_url

from .attachment_files import jpeg, pdf
from .factories import ANSWER_TEXT, GOOD_TEXT, T0, build_region, hours


@pytest.fixture()
def served(engine, session, tmp_path, monkeypatch):
    monkeypatch.setenv("POS_ATTACHMENTS_DIR", str(tmp_path / "att"))
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    r = build_region(session)
    photo, act = check_file("яма во дворе.jpg", jpeg()), check_file("акт.pdf", pdf())
    appeal = appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                                   text=GOOD_TEXT, now=T0, files=[photo, act])
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal.id, action="approve_moderation", now=T0 + hours(1))
    appeals.perform(session, actor=r.staff[r.o_uk], appeal_id=appeal.id, action="give_answer", now=T0 + hours(5),
                    text=ANSWER_TEXT, files=[check_file("после.jpg", jpeg(color=(30, 160, 60)))])
    links = {}  # one log-in session per user: links are signed for a session
    for actor in [r.citizen, r.citizen2, r.coordinator, r.official, r.admin, *r.staff.values()]:
        token = sessions.open_session(session, user_id=actor.user_id)
        links[actor.user_id] = (token, session.exec(select(UserSession.id).where(
            UserSession.token_hash == sessions.token_hash(token))).one())
    session.commit()
    rows = for_card(session, appeal.id, actor=r.coordinator, session_id=links[r.coordinator.user_id][1])
    return TestClient(files_api()), r, appeal.id, rows, photo, act, links


def link(links, actor, attachment_id, variant="file", **kw) -> str:
    return signed_url(attachment_id, variant, links[actor.user_id][1], **kw)


def test_who_gets_the_appeals_photo(served):
    client, r, _appeal_id, rows, photo, _act, links = served
    photo_id = rows[0]["id"]
    matrix = {"citizen owner": (r.citizen, 200), "other citizen": (r.citizen2, 404),
              "organisation of the appeal": (r.staff[r.o_uk], 200), "other organisation": (r.staff[r.o_roads], 404),
              "coordinator": (r.coordinator, 200), "official": (r.official, 200), "admin": (r.admin, 200)}
    seen = {who: client.get(link(links, actor, photo_id, "file")).status_code
            for who, (actor, _) in matrix.items()}
    assert seen == {who: status for who, (_, status) in matrix.items()}
    assert client.get(f"/files/{photo_id}/file").status_code == 404  # no session at all
    response = client.get(link(links, r.citizen, photo_id, "file"))
    assert response.content == photo.data and response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == "inline; filename*=utf-8''" + quote("яма во дворе.jpg")
    thumb = client.get(link(links, r.citizen, photo_id, "thumb"))
    assert thumb.status_code == 200 and thumb.content == photo.thumb


def test_forged_expired_and_borrowed_links_get_404(served):
    client, r, _appeal_id, rows, _photo, _act, links = served
    photo_id, other_id = rows[0]["id"], rows[1]["id"]
    good = link(links, r.citizen, photo_id, "file")
    assert client.get(good).status_code == 200
    assert client.get(good.replace("s=", "s=0")).status_code == 404  # signature changed
    assert client.get(good.replace(f"u={links[r.citizen.user_id][1]}", f"u={links[r.citizen2.user_id][1]}")).status_code == 404
    assert client.get(good.replace(f"/{photo_id}/", f"/{other_id}/")).status_code == 404  # another file
    assert client.get(good.replace("/file?", "/thumb?")).status_code == 404  # another variant
    assert client.get(link(links, r.citizen, photo_id, "file", now=time.time() - 7200)).status_code == 404
    assert client.get(link(links, r.citizen2, photo_id, "file")).status_code == 404  # signed, not allowed
    assert client.get("/files/999999/file").status_code == 404
    assert client.get("/files/99999999999/file").status_code == 404
    assert client.get(f"/files/{photo_id}/../../etc").status_code == 404


def test_a_pdf_is_downloaded_under_its_name(served):
    client, r, _appeal_id, rows, _photo, act, links = served
    response = client.get(link(links, r.official, rows[1]["id"], "file"))
    assert response.content == act.data and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment; filename*=utf-8''")
    assert rows[1]["thumb_url"] == "" and client.get(link(links, r.official, rows[1]["id"], "thumb")).status_code == 404


def test_the_answers_photo_reaches_the_citizen_after_approval(served, session):
    client, r, appeal_id, rows, _photo, _act, links = served
    answer_photo = [row for row in rows if row["answer_id"]][0]
    assert [row["name"] for row in for_card(session, appeal_id, actor=r.citizen, session_id=links[r.citizen.user_id][1])] == ["яма во дворе.jpg", "акт.pdf"]
    assert client.get(link(links, r.citizen, answer_photo["id"], "file")).status_code == 404
    assert client.get(link(links, r.staff[r.o_uk], answer_photo["id"], "file")).status_code == 200
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_answer", now=T0 + hours(6))
    assert client.get(link(links, r.citizen, answer_photo["id"], "file")).status_code == 200
    assert [row["name"] for row in for_card(session, appeal_id, actor=r.citizen, session_id=links[r.citizen.user_id][1])][-1] == "после.jpg"
    assert for_card(session, appeal_id, actor=r.citizen2, session_id=links[r.citizen2.user_id][1]) == []


def test_a_session_token_in_the_header_works_like_a_link(served, session):
    client, r, _appeal_id, rows, _photo, _act, links = served
    owner, other = links[r.citizen.user_id][0], links[r.citizen2.user_id][0]
    url = f"/files/{rows[0]['id']}/file"
    assert client.get(url, headers={"Authorization": f"Bearer {owner}"}).status_code == 200
    assert client.get(url, headers={"Authorization": f"Bearer {other}"}).status_code == 404
    assert client.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 404
    sessions.revoke_token(session, owner)
    session.commit()
    assert client.get(url, headers={"Authorization": f"Bearer {owner}"}).status_code == 404


def test_a_log_out_ends_the_links_signed_for_that_session(served, session):
    client, r, _appeal_id, rows, _photo, _act, links = served
    url = link(links, r.citizen, rows[0]["id"])
    assert client.get(url).status_code == 200
    sessions.revoke_token(session, links[r.citizen.user_id][0])
    session.commit()
    assert client.get(url).status_code == 404
