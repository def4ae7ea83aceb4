"""GET /api/kpi/export?…: the exports of /kpi (tables as CSV/XLSX, the PDF report), of the ratings
pages (the ranking, an organisation's trend) and of the queue (every appeal of its filter) streamed as an HTTP response from a signed download link
(`services.download_tickets`); the read models check the role again. The pages' handlers hand out
the links (`signed_link`)."""

from collections.abc import Iterator, Mapping
from datetime import datetime
from urllib.parse import parse_qsl, quote

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from ..analytics.dashboard_export import BYTE_CHUNK, export_chunks
from ..analytics.dashboard_filter import from_query
from ..analytics.dashboard_pdf import dashboard_report
from ..analytics.queue_export import HEADER as QUEUE_HEADER, SHEET as QUEUE_SHEET, export_filter, export_rows
from ..analytics.rating_views import RankingQuery, ranking_table, trend_table
from ..analytics.ratings import rating_moment
from ..analytics.table_export import FORMATS
from ..analytics.table_export import export_chunks as table_chunks, stream_chunks
from ..db import session_scope
from ..domain.types import utcnow
from ..services import download_tickets
from ..services.errors import ServiceError, ValidationFailed

EXPORT_PATH = "/api/kpi/export"
TABLE, REPORT, RANKING, TREND, QUEUE = "kpi_table", "kpi_report", "ranking", "rating_trend", "queue"


def signed_link(token: str, kind: str, params: Mapping[str, str]) -> str:
    """The URL of a download link for the holder of `token` (PermissionDenied when not logged in)."""
    with session_scope() as session:
        return EXPORT_PATH + "?" + download_tickets.issue(session, token=token, kind=kind, params=params)


def open_export(session: Session, query: Mapping[str, str], *, now: datetime) -> tuple[str, Iterator[bytes], str]:
    """(file name, pieces, MIME type) of the export a link names, for the user it names."""
    actor, kind, params = download_tickets.redeem(session, query, now=now)
    flt = from_query(dict(parse_qsl(params.get("q", ""))))
    sort, descending = params.get("sort", "group"), params.get("desc") == "1"
    if kind == TABLE:
        return export_chunks(session, flt, params.get("table", ""), params.get("fmt", ""), actor=actor, now=now,
                             sort=sort, descending=descending)
    if kind == REPORT:
        name, data, mime = dashboard_report(session, flt, actor=actor, now=now, sort=sort, descending=descending)
        return name, (data[start:start + BYTE_CHUNK] for start in range(0, len(data), BYTE_CHUNK)), mime
    fmt = params.get("fmt", "")
    if kind == QUEUE and fmt in FORMATS:
        queue_filter = export_filter(params, actor)  # the role is checked before the first byte
        return f"appeals_{queue_filter.status}.{fmt}", _queue_chunks(queue_filter, fmt, now), FORMATS[fmt]
    if kind in (RANKING, TREND) and fmt in FORMATS:
        moment = rating_moment(now)
        if kind == RANKING:
            query = RankingQuery(period=params.get("period", ""), org_type=params.get("org_type", ""),
                                 sort=params.get("sort", "rank"))
            header, rows = ranking_table(session, query, actor=actor, now=moment)
            return f"rating_{query.period}d.{fmt}", table_chunks(fmt, header, rows, "Рейтинг организаций"), \
                FORMATS[fmt]
        org = params.get("org", "")
        if org.isdigit() and len(org) < 19:
            header, rows = trend_table(session, int(org), actor=actor, period=params.get("period", ""), now=moment)
            return f"rating_{org}_{params.get('period')}d.{fmt}", \
                table_chunks(fmt, header, rows, "Динамика рейтинга"), FORMATS[fmt]
    raise ValidationFailed("Неизвестная выгрузка")


def _queue_chunks(queue_filter, fmt: str, now: datetime) -> Iterator[bytes]:
    """Rows read in a session of their own while the response streams (the link's is closed by then)."""
    with session_scope() as session:
        yield from stream_chunks(fmt, QUEUE_HEADER, export_rows(session, queue_filter, now=now), QUEUE_SHEET)


def _open(query: Mapping[str, str]):
    with session_scope() as session:
        return open_export(session, query, now=utcnow())


async def kpi_export(request: Request):
    try:
        name, chunks, mime = await run_in_threadpool(_open, dict(request.query_params))
    except ServiceError as exc:
        return PlainTextResponse(exc.message, status_code=403, headers={"Cache-Control": "no-store"})
    ascii_name = name.encode("ascii", "replace").decode("ascii")
    return StreamingResponse(iterate_in_threadpool(chunks), media_type=mime, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


api = Starlette(routes=[Route(EXPORT_PATH, kpi_export, methods=["GET"])])
