"""The dashboard as a PDF report: the filter, the KPI cards with their definitions, the charts (drawn
with fpdf2's own lines and rectangles from the series the page shows) and the per-organisation and
per-territory tables. Text in PT Sans from the `fontpkg-pt-sans` package: nothing is fetched at run
time. Every number comes from the same read models as the page (`dashboard`, `dashboard_charts`)."""

from datetime import datetime, timedelta
from pathlib import Path

import fontpkg_pt_sans
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlmodel import Session

from ..services.actors import Actor
from ..settings import region_tz
from . import kpi
from .dashboard import TABLE_KPIS, cards, check_access, grouped, sort_page, table_rows
from .dashboard_charts import COLORS, chart_series
from .dashboard_filter import PERIOD_LABELS, DashboardFilter, period_bounds, period_label
from .dashboard_view import TOP_CATEGORIES, _chips

FONT_DIR = Path(fontpkg_pt_sans.__file__).resolve().parent / "files"
FONT = "PTSans"
MIME = "application/pdf"
_CHIP_TITLES = {"territory": "Территория", "category": "Категория", "org_type": "Тип организации",
                "organization": "Организация"}
_GREY, _TEXT = (110, 110, 110), (20, 20, 20)


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


class _Report(FPDF):
    def __init__(self, subtitle: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.subtitle = subtitle
        self.add_font(FONT, "", str(FONT_DIR / "PT_Sans-Web-Regular.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "PT_Sans-Web-Bold.ttf"))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.set_title("Показатели работы с обращениями")
        self.set_creator("pos_dashboard")

    def footer(self):
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        self.set_text_color(*_GREY)
        self.cell(0, 4, f"{self.subtitle} · стр. {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: float = 12):
        if self.get_y() > self.h - 40:
            self.add_page()
        self.set_font(FONT, "B", size)
        self.set_text_color(*_TEXT)
        self.cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def small(self, text: str, size: float = 8, color=_GREY):
        self.set_font(FONT, "", size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")


def filter_description(session: Session, flt: DashboardFilter, since: datetime, until: datetime) -> list[str]:
    """The filter as sentences: the period and every chosen territory, category, type and organisation."""
    preset = PERIOD_LABELS.get(flt.period, "")
    lines = [f"Период: {period_label(since, until)}" + (f" ({preset.lower()})" if flt.period != "custom" else "")]
    chips = _chips(session, flt)
    for kind, title in _CHIP_TITLES.items():
        names = [chip["label"] for chip in chips if chip["kind"] == kind]
        if names:
            lines.append(f"{title}: " + "; ".join(names))
    if len(lines) == 1:
        lines.append("Весь регион: все территории, категории и организации")
    return lines


def _card_block(pdf: _Report, shown: list) -> None:
    pdf.heading("Показатели")
    width = pdf.epw
    for card in shown:
        if pdf.get_y() > pdf.h - 30:
            pdf.add_page()
        top = pdf.get_y()
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*_TEXT)
        pdf.cell(width * 0.55, 5, card["label"])
        pdf.set_font(FONT, "B", 12)
        pdf.cell(width * 0.2, 5, card["value"], align="R")
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*_GREY)
        pdf.cell(width * 0.25, 5, f"Регион: {card['region']}", align="R", new_x="LMARGIN", new_y="NEXT")
        tone = {"good": (30, 130, 76), "bad": (200, 40, 50)}.get(card["tone"], _GREY)
        pdf.small(card["delta"], 8, tone)
        pdf.small(card["definition"], 7.5)
        pdf.set_draw_color(225, 225, 225)
        pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
        pdf.set_y(max(pdf.get_y() + 2.5, top + 8))


def _axis(pdf: _Report, x: float, y: float, w: float, h: float, top: float, unit: str) -> None:
    """Frame, four grid lines with their values (0…top) and the unit, for a chart area."""
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*_GREY)
    pdf.set_draw_color(220, 220, 220)
    for step in range(5):
        gy = y + h - h * step / 4
        pdf.line(x, gy, x + w, gy)
        value = top * step / 4
        label = f"{value:.0f}" if top >= 8 or value == int(value) else f"{value:.1f}"
        pdf.set_xy(x - 11, gy - 1.5)
        pdf.cell(10, 3, label.replace(".", ","), align="R")
    pdf.set_xy(x - 11, y - 5)
    pdf.cell(30, 3, unit)


def _nice_top(value: float) -> float:
    if value <= 0:
        return 4
    for top in (4, 8, 10, 20, 40, 50, 80, 100):
        if value <= top:
            return top
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float(-(-value // magnitude) * magnitude)


def _legend(pdf: _Report, x: float, y: float, items: list[tuple[str, str]]) -> None:
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(*_TEXT)
    for name, color in items:
        pdf.set_fill_color(*_rgb(color))
        pdf.rect(x, y + 0.8, 3, 2.4, style="F")
        pdf.set_xy(x + 4, y)
        pdf.cell(pdf.get_string_width(name) + 2, 4, name)
        x += pdf.get_string_width(name) + 9


def bar_chart(pdf: _Report, title: str, labels: list[str], bars: list[tuple[str, list[float], str]],
              line: tuple[str, list[float | None], str] | None = None, unit: str = "обращений",
              top: float | None = None, height: float = 38) -> None:
    """Grouped vertical bars (and an optional line over the same x) under a title."""
    pdf.heading(title, 10)
    if pdf.get_y() + height + 14 > pdf.h - pdf.b_margin:
        pdf.add_page()
        pdf.heading(title, 10)
    x, y, w, h = pdf.l_margin + 12, pdf.get_y() + 5, pdf.epw - 14, height
    values = [v for _, series, _ in bars for v in series] + [v for v in (line[1] if line else []) if v is not None]
    top = top or _nice_top(max(values or [0]))
    _axis(pdf, x, y, w, h, top, unit)
    slot = w / max(1, len(labels))
    bar_w = slot * 0.8 / max(1, len(bars))
    for index, label in enumerate(labels):
        for k, (_, series, color) in enumerate(bars):
            bar_h = h * min(series[index], top) / top
            pdf.set_fill_color(*_rgb(color))
            if bar_h > 0:
                pdf.rect(x + index * slot + slot * 0.1 + k * bar_w, y + h - bar_h, bar_w, bar_h, style="F")
        if len(labels) <= 16 or index % max(1, len(labels) // 12) == 0:
            pdf.set_font(FONT, "", 6)
            pdf.set_text_color(*_GREY)
            pdf.set_xy(x + index * slot, y + h + 0.5)
            pdf.cell(slot * (1 if len(labels) <= 16 else max(1, len(labels) // 12)), 3, label, align="C")
    if line:
        pdf.set_draw_color(*_rgb(line[2]))
        pdf.set_line_width(0.5)
        points = [(x + (i + 0.5) * slot, y + h - h * min(v, top) / top) for i, v in enumerate(line[1])
                  if v is not None]
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            pdf.line(x1, y1, x2, y2)
        pdf.set_fill_color(*_rgb(line[2]))
        for px, py in points:
            pdf.ellipse(px - 0.8, py - 0.8, 1.6, 1.6, style="F")
        pdf.set_line_width(0.2)
    _legend(pdf, x, y + h + 4, [(name, color) for name, _, color in bars] + ([(line[0], line[2])] if line else []))
    pdf.set_y(y + h + 10)


def hbar_chart(pdf: _Report, title: str, rows: list[tuple[str, int]], color: str) -> None:
    pdf.heading(title, 10)
    top = _nice_top(max([n for _, n in rows] or [0]))
    label_w, bar_area = 70, pdf.epw - 85
    for label, n in rows:
        if pdf.get_y() > pdf.h - 20:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(*_TEXT)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w, 4.5, label if pdf.get_string_width(label) < label_w - 2 else label[:45] + "…")
        pdf.set_fill_color(*_rgb(color))
        if n:
            pdf.rect(pdf.l_margin + label_w, y + 0.7, bar_area * n / top, 3.1, style="F")
        pdf.set_xy(pdf.l_margin + label_w + bar_area * n / top + 1, y)
        pdf.cell(14, 4.5, f"{n:,}".replace(",", "\u00a0"))
        pdf.set_y(y + 5)
    pdf.ln(3)


def _table(pdf: _Report, title: str, first: str, rows: list) -> None:
    pdf.heading(title)
    headings = [first, *(kpi.KPI_DEFINITIONS[name].label_ru for name in TABLE_KPIS)]
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*_TEXT)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_fill_color(246, 247, 250)  # a page break inside the table re-applies the current colour
    with pdf.table(col_widths=(40, *([14] * len(TABLE_KPIS))), text_align=("LEFT", *(["RIGHT"] * len(TABLE_KPIS))),
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 245)), line_height=3.4,
                   borders_layout="HORIZONTAL_LINES", padding=0.6, cell_fill_color=(246, 247, 250),
                   cell_fill_mode="ROWS") as table:
        table.row(headings)
        for row in rows:
            table.row([row["group"], *row["values"]])
    pdf.ln(4)


def dashboard_report(session: Session, flt: DashboardFilter, *, actor: Actor, now: datetime,
                     sort: str = "received", descending: bool = True) -> tuple[str, bytes, str]:
    """(file name, PDF bytes, MIME type) of the dashboard under the filter; organisations in the
    page's order."""
    check_access(actor)
    since, until = period_bounds(flt, now)
    generated = now.astimezone(region_tz())
    pdf = _Report(f"Показатели работы с обращениями, {period_label(since, until)}")
    pdf.add_page()
    pdf.heading("Показатели работы с обращениями", 16)
    pdf.small(f"Отчёт сформирован {generated:%d.%m.%Y %H:%M} (время региона)", 8)
    pdf.ln(1)
    for line in filter_description(session, flt, since, until):
        pdf.small(line, 9.5, _TEXT)
    pdf.ln(3)
    _card_block(pdf, cards(session, flt, actor=actor, now=now))

    series = chart_series(session, flt, actor=actor, now=now)
    pdf.add_page()
    weeks = series["weekly"]
    bar_chart(pdf, "Поступление и ответы по неделям", [w["week"] for w in weeks],
              [("Поступило", [w["received"] for w in weeks], COLORS["received"]),
               ("Дан ответ", [w["answered"] for w in weeks], COLORS["answered"])],
              ("Из них просрочено сейчас", [w["overdue_now"] for w in weeks], COLORS["overdue"]))
    months = series["monthly"]
    bar_chart(pdf, "Доля ответов в срок по месяцам", [m["month"] for m in months], [],
              ("Доля ответов в срок, %", [m["on_time_share"] for m in months], COLORS["share"]), unit="%", top=100,
              height=30)
    bar_chart(pdf, "Время до первого ответа", [b["label"] for b in series["hours"]],
              [("Обращений с ответом", [b["count"] for b in series["hours"]], COLORS["received"])], height=30)
    bar_chart(pdf, "Оценки заявителей", [b["label"] for b in series["ratings"]],
              [("Оценок", [b["count"] for b in series["ratings"]], COLORS["answered"])], unit="оценок", height=24)
    categories = grouped(session, flt, "category", actor=actor, now=now)
    top = categories.sort_values(["received", "group"], ascending=[False, True]).head(TOP_CATEGORIES)
    hbar_chart(pdf, "Основные категории (поступило)", [(r["group"], int(r["received"])) for r in
                                                       top.to_dict("records")], COLORS["received"])

    pdf.add_page()
    organisations = grouped(session, flt, "organisation", actor=actor, now=now)
    ordered, _ = sort_page(organisations, sort, descending, 0, max(1, len(organisations)))
    _table(pdf, f"Организации ({len(ordered)})", "Организация", table_rows(ordered, flt, "organisation", now))
    territories = grouped(session, flt, "territory", actor=actor, now=now)
    _table(pdf, "Территории", "Территория", table_rows(territories, flt, "territory", now))
    return report_name(flt, now), bytes(pdf.output()), MIME


def report_name(flt: DashboardFilter, now: datetime) -> str:
    since, until = period_bounds(flt, now)
    return f"kpi_report_{since:%Y%m%d}_{until - timedelta(days=1):%Y%m%d}.pdf"
