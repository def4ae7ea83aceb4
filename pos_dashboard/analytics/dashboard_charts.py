"""The dashboard's chart series (small aggregated lists) and the plotly figures drawn from them.

The weekly and monthly series apply the KPI registry (`kpi.kpi_row`) to the appeals of each week or
month of one frame, so a point means exactly what the card of the same name means."""

from datetime import datetime, timedelta
from typing import TypedDict

import pandas as pd
import plotly.graph_objects as go
from sqlmodel import Session

from ..settings import region_tz
from . import kpi, kpi_rollups
from .dashboard import Bubble, check_access, clean, display, week_start
from .dashboard_filter import DashboardFilter, day_start, period_bounds
from ..services.actors import Actor

MONTHS = 12
# Bounds of the time-to-first-answer bins, in hours, and their labels.
HOUR_BINS = (0, 4, 8, 24, 48, 72, 120, 240, 480, 720, float("inf"))
HOUR_BIN_LABELS = ("до 4 ч", "4–8 ч", "8–24 ч", "1–2 дн.", "2–3 дн.", "3–5 дн.", "5–10 дн.", "10–20 дн.",
                   "20–30 дн.", "более 30 дн.")
COLORS = {"received": "#3e63dd", "answered": "#30a46c", "overdue": "#e5484d", "share": "#8e4ec6"}


class WeekPoint(TypedDict):
    week: str
    received: int
    answered: int
    overdue_now: int


class MonthPoint(TypedDict):
    month: str
    on_time_share: float | None  # percent
    on_time_text: str
    answered_with_deadline: int


class CountBar(TypedDict):
    label: str
    count: int


def _month_start(moment: datetime) -> datetime:
    local = moment.astimezone(region_tz())
    return day_start(local.date().replace(day=1))


def _add_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return day_start(start.date().replace(year=index // 12, month=index % 12 + 1, day=1))


def chart_series(session: Session, flt: DashboardFilter, *, actor: Actor, now: datetime, exact: bool = False) -> dict:
    """Weekly volumes, monthly on-time share (the 12 months up to the period's end), the
    distribution of time to first answer and of ratings, all under the filter: from the rollups
    (`kpi_rollups.series_sums`) with the KPI registry applied to each week's and month's sums, or,
    when the selection is finer than the rollups' keys (or `exact`), from one scan of the appeals."""
    check_access(actor)
    since, until = period_bounds(flt, now)
    first_month = _add_months(_month_start(until - timedelta(days=1)), 1 - MONTHS)
    # Each week and month is counted within the period's bounds; the labels are their first days.
    week_starts = [week_start(since)]
    while week_starts[-1] + timedelta(days=7) < until:
        week_starts.append(week_starts[-1] + timedelta(days=7))
    week_edges = [since, *week_starts[1:], until]
    month_edges = [*(_add_months(first_month, offset) for offset in range(MONTHS)), until]
    conn, selection = session.connection(), flt.selection()
    answers = () if exact else (kpi_rollups.series_sums(conn, week_edges, now, selection),
                                kpi_rollups.series_sums(conn, month_edges, now, selection, months=True),
                                kpi_rollups.rating_counts(conn, since, until, selection),
                                kpi_rollups.hours_values(conn, since, until, selection))
    if exact or any(answer is None for answer in answers):
        return _scanned_series(session, flt, since, until, first_month, week_starts, week_edges, month_edges, now)
    weekly, monthly, ratings, hours = answers
    weeks = [_week_point(start, row) for start, row in zip(week_starts, kpi.kpi_values(weekly).to_dict("records"))]
    months = [_month_point(edge, row) for edge, row in zip(month_edges, kpi.kpi_values(monthly).to_dict("records"))]
    binned = pd.cut(pd.Series(hours.index), bins=list(HOUR_BINS), labels=list(HOUR_BIN_LABELS), right=False)
    per_bin = pd.Series(hours.to_numpy()).groupby(binned.to_numpy(), observed=False).sum() if len(hours) else {}
    return _series(weeks, months, {label: int(per_bin.get(label, 0)) for label in HOUR_BIN_LABELS}, ratings)


def _week_point(start: datetime, row) -> WeekPoint:
    return WeekPoint(week=f"{start.astimezone(region_tz()):%d.%m}", received=int(row["received"]),
                     answered=int(row["answered"]), overdue_now=int(row["overdue_now"]))


def _month_point(start: datetime, row) -> MonthPoint:
    share = clean(row["on_time_share"])
    return MonthPoint(month=f"{start.astimezone(region_tz()):%m.%Y}",
                      on_time_share=None if share is None else round(share * 100, 1),
                      on_time_text=display("on_time_share", share),
                      answered_with_deadline=int(row["answered_with_deadline"]))


def _series(weeks, months, hours: dict, ratings: dict) -> dict:
    return {
        "weekly": weeks, "monthly": months,
        "hours": [CountBar(label=label, count=int(hours.get(label, 0))) for label in HOUR_BIN_LABELS],
        "ratings": [CountBar(label=str(score), count=int(ratings.get(score, 0))) for score in range(1, 6)],
    }


def _scanned_series(session, flt, since, until, first_month, week_starts, week_edges, month_edges, now) -> dict:
    frame = kpi.appeal_frame(session, min(since, first_month), until, flt.selection())
    in_period = frame[(frame.created_at >= since) & (frame.created_at < until)]
    weeks = [_week_point(label, kpi.kpi_row(in_period[(in_period.created_at >= start) & (in_period.created_at < end)],
                                            now, ("received", "answered", "overdue_now")))
             for label, start, end in zip(week_starts, week_edges, week_edges[1:])]
    months = [_month_point(start, kpi.kpi_row(frame[(frame.created_at >= start) & (frame.created_at < end)], now,
                                              ("on_time_share", "answered_with_deadline")))
              for start, end in zip(month_edges, month_edges[1:])]
    hours = pd.cut(in_period.hours_to_first_answer.dropna(), bins=list(HOUR_BINS), labels=list(HOUR_BIN_LABELS),
                   right=False).value_counts()
    ratings = in_period.rating.dropna().astype(int).value_counts()
    return _series(weeks, months, hours.to_dict(), ratings.to_dict())


def _layout(figure: go.Figure, y_title: str = "") -> go.Figure:
    figure.update_layout(template=None, height=280, margin={"l": 48, "r": 12, "t": 12, "b": 40},
                         paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", font={"size": 12},
                         legend={"orientation": "h", "y": -0.2}, yaxis={"title": {"text": y_title},
                                                                        "gridcolor": "#e0e0e0"})
    return figure


def weekly_figure(weeks: list[WeekPoint]) -> go.Figure:
    x = [w["week"] for w in weeks]
    return _layout(go.Figure([
        go.Bar(x=x, y=[w["received"] for w in weeks], name="Поступило", marker_color=COLORS["received"]),
        go.Bar(x=x, y=[w["answered"] for w in weeks], name="Дан ответ", marker_color=COLORS["answered"]),
        go.Scatter(x=x, y=[w["overdue_now"] for w in weeks], name="Из них просрочено сейчас", mode="lines+markers",
                   line={"color": COLORS["overdue"]}),
    ]), "обращений")


def monthly_figure(months: list[MonthPoint]) -> go.Figure:
    figure = go.Figure([go.Scatter(x=[m["month"] for m in months], y=[m["on_time_share"] for m in months],
                                   mode="lines+markers", name="Доля ответов в срок", line={"color": COLORS["share"]})])
    return _layout(figure, "%").update_yaxes(range=[0, 100])


def bars_figure(bars: list[CountBar], color: str, y_title: str = "обращений", horizontal: bool = False) -> go.Figure:
    labels, counts = [b["label"] for b in bars], [b["count"] for b in bars]
    bar = go.Bar(y=labels[::-1], x=counts[::-1], orientation="h") if horizontal else go.Bar(x=labels, y=counts)
    bar.marker.color = color
    figure = _layout(go.Figure([bar]), "" if horizontal else y_title)
    if horizontal:
        figure.update_layout(margin={"l": 220, "r": 12, "t": 12, "b": 40}, yaxis={"automargin": True})
    return figure


def bubble_figure(bubbles: list[Bubble], kpi_label: str, higher_is_better: bool) -> go.Figure:
    """Territories at the mean point of their appeals, sized by volume, coloured by the KPI (grey
    where it is undefined)."""
    largest = max([b["received"] for b in bubbles] or [1]) or 1

    def trace(points: list[Bubble], name: str, color) -> go.Scatter:
        return go.Scatter(
            x=[b["lon"] for b in points], y=[b["lat"] for b in points], mode="markers", name=name,
            text=[b["territory"] for b in points],
            customdata=[[b["text"], b["received"]] for b in points], showlegend=False,
            hovertemplate="%{text}<br>" + kpi_label + ": %{customdata[0]}<br>Поступило: %{customdata[1]}<extra></extra>",
            marker={"size": [12 + 40 * (b["received"] / largest) ** 0.5 for b in points], "color": color,
                    "line": {"width": 1, "color": "#555"}})

    valued = [b for b in bubbles if b["value"] is not None]
    coloured = trace(valued, kpi_label, [b["value"] for b in valued])
    coloured.marker.update(colorscale="RdYlGn", reversescale=not higher_is_better, showscale=True)
    figure = _layout(go.Figure([coloured, trace([b for b in bubbles if b["value"] is None], "нет данных", "#bbbbbb")]),
                     "широта")
    figure.update_layout(height=360, xaxis={"title": {"text": "долгота"}, "gridcolor": "#e0e0e0"},
                         yaxis={"scaleanchor": "x", "scaleratio": 1.6})
    return figure
