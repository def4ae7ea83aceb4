"""Issue 10, items 4, 5 and 8: the imported region shows only what the source says.

Each item is checked on a hand-written folder and on a slice of the real folder (every 20th appeal
of ../shared/data/spb_our_city, about 2,500 appeals, imported once for this module; skipped with a
message when the folder is absent). Expectations come from the CSV columns read here with pandas,
not from the importer's helpers."""

import os
from datetime import datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from pos_dashboard.analytics.kpi import NO_GROUP_LABEL, TOTAL_LABEL, compute_kpis
from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import Appeal, Organization
from pos_dashboard.importers.spb import import_spb
from tests.conftest import SPB_DIR
from tests.test_spb_import import _separate_database, appeal_row, timeline_rows, write_folder

NOW = datetime(2026, 12, 2, 12, tzinfo=timezone.utc)  # long after the source: history must not drift
SLICE_EVERY = 20
needs_spb = pytest.mark.skipif(not os.path.isdir(SPB_DIR),
                               reason=f"real data absent: {os.path.abspath(SPB_DIR)} not found (../shared is "
                                      "not mounted); the real-slice checks of issue 10 items 4, 5, 8 are skipped")


@pytest.fixture(scope="module")
def source_slice(tmp_path_factory):
    """Every SLICE_EVERY-th appeal of the real folder with its whole timeline, as a folder and as frames."""
    appeals = pd.read_csv(os.path.join(SPB_DIR, "appeals.csv.gz"), dtype=str, keep_default_na=False)
    events = pd.read_csv(os.path.join(SPB_DIR, "events.csv.gz"), dtype=str, keep_default_na=False)
    appeals = appeals.iloc[::SLICE_EVERY].reset_index(drop=True)
    events = events[events.appeal_id.isin(set(appeals.id))].reset_index(drop=True)
    folder = tmp_path_factory.mktemp("spb_slice")
    appeals.to_csv(folder / "appeals.csv.gz", index=False)
    events.to_csv(folder / "events.csv.gz", index=False)
    return str(folder), appeals, events


@pytest.fixture(scope="module")
def real(source_slice, tmp_path_factory):
    if not os.path.isdir(SPB_DIR):
        pytest.skip("real data absent")
    url = os.environ.get("POS_TEST_DATABASE_URL")
    url = _separate_database(url) if url else "sqlite:///" + str(tmp_path_factory.mktemp("truth") / "slice.db")
    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    report = import_spb(engine, source_slice[0])
    assert report.imported == len(source_slice[1]) and not report.skipped
    yield engine, source_slice[1], source_slice[2]
    SQLModel.metadata.drop_all(engine)
    engine.dispose()


def _by_organisation(engine, exact: bool = True) -> pd.Series:
    frame = compute_kpis(engine, group_by="organisation", now=NOW, exact=exact)
    return frame[frame.group != TOTAL_LABEL].set_index("group").received.astype(int)


# --- item 8: KPIs per organisation by the source's executor ---

def test_an_appeal_counts_under_its_executor_and_nowhere_while_the_source_names_none(engine, tmp_path):
    coordinator = "СПб ГКУ ЖА Невского района"
    rows = [appeal_row(1, executor_organization="Администрация Невского района", coordinator_organization=coordinator),
            appeal_row(2, executor_organization="", final_status="Рассмотрение", first_answer_at="",
                       coordinator_organization=coordinator, controller_organization="Администрация Невского района")]
    events = timeline_rows(1) + [e for e in timeline_rows(2, last_status="Рассмотрение") if e["event"] != "answer"]
    import_spb(engine, write_folder(tmp_path / "spb", rows, events))
    for exact in (True, False):
        counts = _by_organisation(engine, exact)
        assert counts.to_dict() == {"Администрация Невского района": 1, NO_GROUP_LABEL["organisation"]: 1}, exact
    with Session(engine) as session:
        open_one = session.scalars(select(Appeal).where(Appeal.external_ref == "spb:appeal:2")).one()
        assert open_one.organization_id is None
        assert session.scalars(select(Organization.name).where(Organization.name == coordinator)).first() \
            == coordinator  # still known: it is named in the route comment


@needs_spb
def test_kpis_per_organisation_equal_the_source_executor_field(real):
    engine, appeals, _ = real
    expected = appeals[appeals.executor_organization != ""].groupby("executor_organization").size()
    unnamed = int((appeals.executor_organization == "").sum())
    for exact in (True, False):
        counts = _by_organisation(engine, exact)
        assert counts.pop(NO_GROUP_LABEL["organisation"]) == unnamed
        assert counts.sort_index().to_dict() == expected.sort_index().to_dict()
