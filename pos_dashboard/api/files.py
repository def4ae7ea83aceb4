"""GET /files/{id}/{file|thumb}: attachments, served only after the asker is known and allowed.

Who asks: a signed link made by the page for the user's log-in session (services/file_links), or an
`Authorization: Bearer <session token>` header (scripts, the benchmark). Anyone not allowed, like
anyone unknown, gets the same 404 as for a file that does not exist."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..analytics.attachments import actor_of_session, open_file
from ..db import session_scope
from ..services import sessions
from ..services.actors import Actor
from ..services.errors import ServiceError
from ..services.file_links import PREFIX, VARIANTS, verify

_SAFE = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=600",
         "Content-Security-Policy": "default-src 'none'; sandbox", "Referrer-Policy": "no-referrer"}


def _not_found() -> Response:
    return PlainTextResponse("Файл не найден", status_code=404, headers={"X-Content-Type-Options": "nosniff",
                                                                          "Cache-Control": "no-store"})


def _actor(session, request: Request, attachment_id: int, variant: str) -> Actor | None:
    session_id = verify(attachment_id, variant, dict(request.query_params))
    if session_id is not None:
        return actor_of_session(session, session_id)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        resolved = sessions.resolve(session, header[7:].strip())
        return Actor.of(resolved[0]) if resolved else None
    return None


def serve_file(request: Request) -> Response:
    """Synchronous on purpose: Starlette runs it in its thread pool, off the event loop."""
    variant, raw_id = request.path_params["variant"], request.path_params["attachment_id"]
    if variant not in VARIANTS or not raw_id.isdecimal() or len(raw_id) > 10:
        return _not_found()
    attachment_id = int(raw_id)
    try:
        with session_scope() as session:
            actor = _actor(session, request, attachment_id, variant)
            if actor is None:
                return _not_found()
            path, name, content_type = open_file(session, attachment_id, variant, actor=actor)
    except ServiceError:
        return _not_found()
    if not path.is_file():
        return _not_found()
    inline = variant == "thumb" or content_type.startswith("image/")
    return FileResponse(path, media_type=content_type, filename=name, headers=_SAFE,
                        content_disposition_type="inline" if inline else "attachment")


def files_api() -> Starlette:
    return Starlette(routes=[Route(PREFIX + "/{attachment_id}/{variant}", serve_file, methods=["GET", "HEAD"])])
