"""Faults of an import told apart (issue 11): a row's fault skips that appeal with its id, line and
reason (`Skipped`); a fault of the database is retried a few times, then stops the import
(`ImportAborted`); limits of what a person may type apply to imported texts too."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from ..cli.errors import database_problem
from ..domain import limits
from . import spb_mapping as mapping
from .spb_source import APPEALS_FILE, LINE, row_problem

RETRY_DELAYS_S = (1.0, 2.0, 4.0)  # pauses between attempts when the database fails (then the import stops)
DATA_ERRORS = (IntegrityError, DataError)  # the database refuses a value: the appeal's fault, not the server's
DETAIL_MAX = 200  # characters of a rejected value quoted in a skip line

log = logging.getLogger("pos_dashboard.import")


@dataclass(frozen=True)
class Skipped:
    """One appeal left out: its id, the line of appeals.csv.gz where its row starts, why."""

    source_id: object
    line: int | None
    reason: str
    detail: str = ""

    def line_text(self) -> str:
        where = f"{APPEALS_FILE}, строка {self.line}" if self.line else APPEALS_FILE
        detail = f": {self.detail}" if self.detail else ""
        return f"пропущено обращение {self.source_id or '(без номера)'} ({where}): {self.reason}{detail}"


class ImportAborted(Exception):
    """The database failed for longer than the bounded retry; the report says how far the import got."""

    def __init__(self, message: str, report: object):
        super().__init__(message)
        self.message, self.report = message, report


def prepare_row(report, row: dict, events: list[dict]) -> mapping.PreparedAppeal | None:
    """The appeal's rows, or None when it is skipped (every way a row can be wrong ends here)."""
    source_id, line = row.get("id"), row.get(LINE)
    problem = row_problem(row, events)
    if problem:
        report.skip(problem[0], source_id, line, problem[1])
        return None
    try:
        prepared = mapping.prepare_appeal(row, events)
        over = over_limits(prepared)
    except mapping.RowRejected as rejected:
        report.skip(rejected.reason, source_id, line, str(rejected).removeprefix(rejected.reason).lstrip(": "))
        return None
    except Exception as error:  # noqa: BLE001  (a field no rule foresaw: still the row's fault, never a crash)
        log.debug("appeal %s (line %s): unexpected %s", source_id, line, type(error).__name__, exc_info=True)
        report.skip(f"unparsable row ({type(error).__name__})", source_id, line, str(error))
        return None
    if over:
        report.skip("text over the limit", source_id, line, over)
        return None
    return prepared


def over_limits(p: mapping.PreparedAppeal) -> str:
    """What of the appeal is longer than the platform accepts from a person (domain/limits.py), or ""."""
    checks = [("text", len(p.appeal["text"]), limits.APPEAL_TEXT_MAX),
              ("full_address", len(p.appeal["address"] or ""), limits.ADDRESS_MAX)]
    checks += [("answer", len(a["text"] or ""), limits.ANSWER_TEXT_MAX) for a in p.answers]
    checks += [("event detail", max(len(e["reason"] or ""), len(str(e["payload"].get("detail", "")))),
                limits.REASON_MAX) for e in p.events]
    return next((f"{what}: {length} символов при пределе {limit}"
                 for what, length, limit in checks if length > limit), "")


def retrying(report, delays: tuple[float, ...], work: Callable, what: str):
    """Run `work`; when the database fails (not a refused value) try again after each pause of
    `delays`, then give up with ImportAborted. Data errors are raised as they are."""
    for delay in (*delays, None):
        try:
            return work()
        except DATA_ERRORS:
            raise
        except SQLAlchemyError as error:
            reason = database_problem(error)
            if delay is None:
                raise ImportAborted(f"сбой базы данных ({what}): {reason}", report) from error
            log.warning("import-spb: сбой базы данных (%s), повтор через %.0f с: %s", what, delay, reason)
            report.retries += 1
            time.sleep(delay)
    raise AssertionError("unreachable")


def clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX] + "…"
