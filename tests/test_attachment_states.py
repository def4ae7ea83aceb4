"""The upload handlers of the appeal form and the answer form, called as a forged websocket event
reaches them: only a citizen stages files on the form, only someone the card offers an answer to
stages answer files, a refused file is named and the others and the typed text stay."""

import asyncio
import io
import os
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import select

from pos_dashboard.domain.attachments import Attachment
from pos_dashboard.domain.models import Appeal
from pos_dashboard.services.actors import Actor
from pos_dashboard.states.base import AppState
from pos_dashboard.states.card import CardState
from pos_dashboard.states.new_appeal import NewAppealState

from .attachment_files import EXE, HTML, jpeg, pdf
from .factories import GOOD_TEXT, build_region


@pytest.fixture()
def region(engine, session, tmp_path, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("POS_ATTACHMENTS_DIR", str(tmp_path / "att"))
    return build_region(session)


def acting_as(monkeypatch, actor: Actor | None) -> None:
    async def _actor(self):
        return actor
    monkeypatch.setattr(AppState, "_actor", _actor)


def upload(name: str, data: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))


def staged_on_disk(tmp_path) -> list[str]:
    folder = tmp_path / "att" / "staging"
    return sorted(os.listdir(folder)) if folder.exists() else []


async def _drain(generator):
    async for _ in generator:
        pass


def test_a_refused_file_is_named_and_the_rest_and_the_text_stay(region, monkeypatch, tmp_path):
    acting_as(monkeypatch, region.citizen)
    state = NewAppealState()
    state.set_field("text", GOOD_TEXT)
    asyncio.run(state.add_files([upload("двор.jpg", jpeg()), upload("вирус.jpg", EXE), upload("акт.pdf", pdf())]))
    assert [f["name"] for f in state.files] == ["двор.jpg", "акт.pdf"]
    assert "«вирус.jpg»" in state.file_error and state.text == GOOD_TEXT
    asyncio.run(state.add_files([upload("страница.jpg", HTML)] + [upload(f"ф{i}.jpg", jpeg()) for i in range(4)]))
    assert len(state.files) == 5 and "«страница.jpg»" in state.file_error and "не больше 5 файлов" in state.file_error
    assert len(staged_on_disk(tmp_path)) == 5 + 4  # data of five, thumbnails of four photos
    asyncio.run(state.remove_file(state.files[0]["key"]))
    assert len(state.files) == 4 and len(staged_on_disk(tmp_path)) == 7
    asyncio.run(state.remove_file("../../../etc/passwd"))  # a key it never staged: nothing happens
    assert len(state.files) == 4


@pytest.mark.parametrize("who", ["none", "staff", "coordinator"])
def test_only_a_citizen_stages_files_on_the_appeal_form(region, monkeypatch, tmp_path, who):
    acting_as(monkeypatch, {"none": None, "staff": region.staff[region.o_uk], "coordinator": region.coordinator}[who])
    state = NewAppealState()
    asyncio.run(state.add_files([upload("двор.jpg", jpeg())]))
    assert state.files == [] and state._staged == [] and staged_on_disk(tmp_path) == []


def test_the_sent_form_stores_its_files_with_the_appeal(region, session, monkeypatch, tmp_path):
    acting_as(monkeypatch, region.citizen)
    state = NewAppealState()
    asyncio.run(state.add_files([upload("двор.jpg", jpeg(exif_gps=True)), upload("акт.pdf", pdf())]))
    for name, value in [("category_id", str(region.c_yard)), ("territory_id", str(region.t_city)), ("text", GOOD_TEXT)]:
        state.set_field(name, value)
    asyncio.run(_drain(state.submit()))
    assert state.error == "" and state.sent["id"] > 0 and state.files == []
    rows = session.exec(select(Attachment).where(Attachment.appeal_id == state.sent["id"])).all()
    assert sorted(a.original_name for a in rows) == ["акт.pdf", "двор.jpg"]
    assert staged_on_disk(tmp_path) == []  # staging emptied; storage holds the files
    assert session.get(Appeal, state.sent["id"]).citizen_id == region.citizen.user_id


def test_a_refused_form_keeps_its_files(region, session, monkeypatch):
    acting_as(monkeypatch, region.citizen)
    state = NewAppealState()
    asyncio.run(state.add_files([upload("двор.jpg", jpeg())]))
    state.set_field("text", "коротко")
    asyncio.run(_drain(state.submit()))
    assert state.error and [f["name"] for f in state.files] == ["двор.jpg"] and state.text == "коротко"
    assert session.exec(select(Attachment)).all() == []


@pytest.mark.parametrize("who", ["citizen", "other_org", "none"])
def test_answer_files_are_staged_only_when_the_card_offers_an_answer(region, monkeypatch, tmp_path, who):
    acting_as(monkeypatch, {"citizen": region.citizen, "other_org": region.staff[region.o_roads], "none": None}[who])
    state = CardState()
    state.actions = []  # what the server offers this user on a card that is not theirs to answer
    asyncio.run(state.add_answer_files([upload("после.jpg", jpeg())]))
    assert state.answer_files == [] and staged_on_disk(tmp_path) == []


def test_a_point_finds_the_territory_and_offers_who_reported_nearby(region, session, monkeypatch):
    from .factories import submit
    from .test_nearby import LAT, LON, east, north

    near = submit(session, region, territory_id=region.t_district, latitude=north(200), longitude=LON,
                  actor=region.citizen2)
    submit(session, region, latitude=LAT, longitude=east(300))
    acting_as(monkeypatch, region.citizen)
    state = NewAppealState()
    state.set_field("category_id", str(region.c_yard))
    state.set_field("latitude", str(LAT).replace(".", ","))
    state.set_field("longitude", str(LON))
    asyncio.run(state.check_point())
    assert [(a["id"], a["distance_m"], a["mine"]) for a in state.nearby] == [(near, 200, False)]
    assert state.territory_id == str(region.t_city)  # the district's top-level territory
    state.set_field("text", GOOD_TEXT)
    asyncio.run(_drain(state.submit()))
    stored = session.get(Appeal, state.sent["id"])
    assert (round(stored.latitude, 4), round(stored.longitude, 4)) == (round(LAT, 4), round(LON, 4))
    acting_as(monkeypatch, region.staff[region.o_uk])  # a forged event by staff: nothing looked up
    other = NewAppealState()
    other.set_field("category_id", str(region.c_yard))
    other.set_field("latitude", str(LAT))
    other.set_field("longitude", str(LON))
    asyncio.run(other.check_point())
    assert other.nearby == [] and other.territory_id == ""


def test_a_point_that_is_not_numbers_is_refused_and_kept(region, session, monkeypatch):
    acting_as(monkeypatch, region.citizen)
    state = NewAppealState()
    for name, value in [("category_id", str(region.c_yard)), ("territory_id", str(region.t_city)),
                        ("text", GOOD_TEXT), ("latitude", "север"), ("longitude", "158")]:
        state.set_field(name, value)
    asyncio.run(_drain(state.submit()))
    assert "широту и долготу" in state.error and state.latitude == "север" and state.sent["id"] == 0
