"""GET /api/kpi/export?…: the dashboard's exports (tables as CSV/XLSX, the PDF report) streamed as an
HTTP response from a signed download link (`services.download_tickets`); the read models check the
role again. The page's handlers hand out the links (`states.kpi_tables`)."""

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
from ..db import session_scope
from ..domain.types import utcnow
from ..services import download_tickets
from ..services.errors import ServiceError, ValidationFailed

EXPORT_PATH = "/api/kpi/export"
TABLE, REPORT = "kpi_table", "kpi_report"


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
    raise ValidationFailed("Неизвестная выгрузка")


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
