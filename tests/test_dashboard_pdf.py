"""The dashboard's PDF report on the hand-worked story of tests/test_kpi.py: a valid PDF whose text
(read back through the fonts' ToUnicode maps, below) holds the filter, the Cyrillic KPI names and
definitions, and the same numbers as compute_kpis; only the dashboard's roles get it."""

import re
import zlib

import pytest

from pos_dashboard.analytics import dashboard_filter as urls
from pos_dashboard.analytics.dashboard import CARD_KPIS, HOURS, display
from pos_dashboard.analytics.dashboard_pdf import dashboard_report
from pos_dashboard.analytics.kpi import KPI_DEFINITIONS, compute_kpis
from pos_dashboard.services.errors import PermissionDenied
from tests.test_kpi import story  # noqa: F401  (fixture)

DAY = urls.DashboardFilter(period="custom", date_from="2025-03-03", date_to="2025-03-03")


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes (between the parentheses), escapes resolved."""
    out, i = bytearray(), 0
    simple = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    while i < len(literal):
        byte = literal[i:i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        following = literal[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += simple.get(following, following)
            i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text a reader shows, page after page: each font's ToUnicode map applied to its glyph ids."""
    objects = {}
    for match in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):
        body = match.group(2)
        stream = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        content = stream.group(1) if stream else b""
        if stream and b"/FlateDecode" in body[:stream.start()]:
            content = zlib.decompress(content)
        objects[int(match.group(1))] = (body[:stream.start()] if stream else body, content)
    maps = {}
    for number, (head, _) in objects.items():
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if to_unicode:
            cmap = objects[int(to_unicode.group(1))][1]
            pairs = re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap.split(b"endcodespacerange")[-1])
            maps[number] = {int(glyph, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for glyph, text in pairs}
    text = []
    for number, (head, content) in objects.items():
        if b"/Type /Page" not in head or b"/Type /Pages" in head:
            continue
        fonts = {name.decode(): maps.get(int(ref)) for name, ref in
                 re.findall(rb"/(F\d+) (\d+) 0 R", head + objects.get(_ref(head, b"/Resources"), (b"", b""))[0])}
        stream = objects[_ref(head, b"/Contents")][1]
        font = None
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj|ET", stream, re.S):
            if token.group(1):
                font = fonts.get(token.group(1).decode())
            elif token.group(0) == b"ET":
                text.append("\n")
            else:
                raw = _unescape(token.group(2))
                text.append("".join(font.get(int.from_bytes(raw[k:k + 2], "big"), "?") for k in range(0, len(raw), 2)))
    return "".join(text)


def _ref(head: bytes, key: bytes) -> int | None:
    found = re.search(re.escape(key) + rb" (\d+) 0 R", head)
    return int(found.group(1)) if found else None


def test_the_report_holds_the_filter_the_kpis_and_the_numbers_of_compute_kpis(session, story):
    r, _, now = story
    flt = urls.DashboardFilter(**{**DAY.__dict__, "territory_ids": (r.t_city,)})
    name, data, mime = dashboard_report(session, flt, actor=r.official, now=now)
    assert (name, mime) == ("kpi_report_20250303_20250303.pdf", "application/pdf")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in data  # the font travels inside the file
    text = pdf_text(data)
    assert "Период: 03.03.2025 — 03.03.2025" in text
    assert "Территория: Городской округ Северный" in text
    since, until = urls.period_bounds(flt, now)
    row = compute_kpis(session, since=since, until=until, now=now, selection=flt.selection()).iloc[-1]
    region = compute_kpis(session, since=since, until=until, now=now).iloc[-1]
    lines = [line for line in text.splitlines() if line.strip()]
    for kpi_name in CARD_KPIS:
        label, definition = KPI_DEFINITIONS[kpi_name]
        assert label in lines, kpi_name
        at = lines.index(label)
        shown, region_shown = lines[at + 1], lines[at + 2]
        if kpi_name in HOURS:  # the report reads the rollups: percentiles within 0.5 %
            for value, exact in ((shown, row[kpi_name]), (region_shown.removeprefix("Регион: "), region[kpi_name])):
                assert display(kpi_name, exact) == "—" == value or \
                    abs(float(value.removesuffix(" ч").replace(",", ".")) - exact) <= 0.005 * exact + 0.05
        else:
            assert (shown, region_shown) == (display(kpi_name, row[kpi_name]),
                                             "Регион: " + display(kpi_name, region[kpi_name])), kpi_name
        assert definition.split()[0] in text
    assert row.received == 4 and "Поступило" in lines and lines[lines.index("Поступило") + 1] == "4"
    for title in ("Поступление и ответы по неделям", "Доля ответов в срок по месяцам", "Время до первого ответа",
                  "Оценки заявителей", "Основные категории (поступило)", "Территории"):
        assert title in lines
    assert "Организации (" in text and "Удовлетворён" in text


def test_the_organisation_table_of_the_report_has_every_organisation_in_the_pages_order(session, story):
    r, _, now = story
    text = pdf_text(dashboard_report(session, DAY, actor=r.official, now=now)[1])
    since, until = urls.period_bounds(DAY, now)
    table = compute_kpis(session, group_by="organisation", since=since, until=until, now=now).iloc[:-1]
    assert f"Организации ({len(table)})" in text
    rows = text[text.index("Организации ("):text.index("Территории")].splitlines()
    rows = [line for line in rows if line.strip()]
    # by received, most first; equal counts keep compute_kpis' order (by name, the unassigned last)
    expected = table.sort_values("received", ascending=False, kind="stable")
    shown = [(line, rows[k + 1]) for k, line in enumerate(rows[:-1]) if line in set(expected.group)]
    assert shown == [(record["group"], str(record["received"])) for record in expected.to_dict("records")]


@pytest.mark.parametrize("who", ["citizen", "org_staff", "nobody"])
def test_only_the_dashboards_roles_get_the_report(session, story, who):
    r, _, now = story
    actor = {"citizen": r.citizen, "org_staff": r.staff[r.o_uk], "nobody": None}[who]
    with pytest.raises(PermissionDenied):
        dashboard_report(session, DAY, actor=actor, now=now)
