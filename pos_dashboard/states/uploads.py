"""Files picked in a form (the appeal form, the answer form): each is checked and cleaned on the
server as soon as it arrives and kept in staging; the form's state holds the staged rows in a
backend var (the browser cannot name a staging key), and shows name and size with a remove button.
A refused file is named in the message; the other files and everything typed stay."""

import asyncio
from typing import TypedDict

import reflex as rx

from ..analytics.attachments import size_label
from ..domain.attachments import MAX_BYTES, MAX_FILES
from ..services import attachments
from ..services.errors import ServiceError
from ..services.file_checks import check_count, check_file, check_size, clean_name

ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "application/pdf": [".pdf"]}


class FileChip(TypedDict):
    key: str
    name: str
    size: str


def _stage(name: str, data: bytes) -> dict:
    return attachments.stage(check_file(name, data)).as_row()


async def stage_uploads(files: list[rx.UploadFile], staged: list[dict]) -> tuple[list[dict], str]:
    """The staged rows after adding `files`, and the Russian message about those refused."""
    rows, refusals = list(staged), []
    for upload in files[: MAX_FILES * 4]:  # a client may send any number: the rest are not read
        name = clean_name(getattr(upload, "name", None) or getattr(upload, "filename", None))
        try:
            check_count(len(rows), 1)
            if upload.size is not None:
                check_size(name, upload.size)
            data = await upload.read(MAX_BYTES + 1)
            rows.append(await asyncio.to_thread(_stage, name, data))
        except ServiceError as exc:
            if exc.message not in refusals:
                refusals.append(exc.message)
    return rows, ". ".join(refusals)


def rejected_message(rejected: list) -> str:
    """The browser's own picker refused files (by type): say so in Russian."""
    names = [clean_name((r.get("file") or {}).get("path")) for r in rejected if isinstance(r, dict)][:MAX_FILES]
    return f"Не приложено: {', '.join(names)} — принимаются фотографии JPG, PNG и документы PDF до 10 МБ"


def without(staged: list[dict], key: str) -> list[dict]:
    kept = [row for row in staged if row["key"] != key]
    for row in staged:
        if row["key"] == key:
            attachments.discard(attachments.Staged.of_row(row))
    return kept


def chips(staged: list[dict]) -> list[FileChip]:
    return [FileChip(key=row["key"], name=row["name"], size=size_label(row["size"])) for row in staged]


def as_files(staged: list[dict]) -> list[attachments.Staged]:
    return [attachments.Staged.of_row(row) for row in staged]


def forget(staged: list[dict]) -> None:
    """After the form was sent: the staging copies go (storage has its own links)."""
    for row in staged:
        attachments.discard(attachments.Staged.of_row(row))
