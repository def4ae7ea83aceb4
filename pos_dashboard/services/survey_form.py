"""The survey builder's form as plain strings (what the browser holds) and its translation into a
`SurveyInput` command, and back from a stored survey. The state only keeps these dicts; every rule
is checked again by `services.surveys.save_survey`."""

import json
import re
from datetime import datetime, timedelta
from typing import TypedDict

from ..domain.limits import SURVEY_OPTION_MAX, SURVEY_QUESTION_MAX
from ..domain.participation import Eligibility, ResultsVisibility, Survey, SurveyQuestion
from ..domain.surveys import CHOICE_KINDS, KIND_LABELS, OPTION_KINDS, QuestionKind
from ..settings import region_tz
from .errors import ValidationFailed
from .surveys import OPTIONS_MAX, QUESTIONS_MAX, ROWS_MAX, QuestionInput, SurveyInput
from .votes import DESCRIPTION_MAX, TITLE_MAX

CONDITION = re.compile(r"(\d{1,3}):(\d{1,3})")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">
# Longest text a field of the form may hold: longer input is cut in the state and refused by the service.
FIELD_LIMITS = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "text": SURVEY_QUESTION_MAX,
                "options": (SURVEY_OPTION_MAX + 1) * OPTIONS_MAX, "rows": (SURVEY_OPTION_MAX + 1) * ROWS_MAX}


class EditQuestion(TypedDict):
    kind: str
    kind_label: str
    text: str
    required: bool
    options: str  # one option per line
    rows: str  # matrix rows, one per line
    max_choices: str
    scale_max: str  # "5" | "10"
    condition: str  # "" or "<position>:<option>"
    condition_choices: list[list[str]]  # [value, label] of the earlier choice questions' options
    has_options: bool
    is_multiple: bool
    is_scale: bool
    is_matrix: bool


def local_input(moment: datetime) -> str:
    return moment.astimezone(region_tz()).strftime(LOCAL_FORMAT)


def parse_local(value: str, what: str) -> datetime:
    try:
        return datetime.strptime((value or "").strip()[:16], LOCAL_FORMAT).replace(tzinfo=region_tz())
    except ValueError:
        raise ValidationFailed(f"{what}: укажите дату и время") from None


def new_question(kind: str) -> EditQuestion:
    kind = kind if kind in set(QuestionKind) else QuestionKind.SINGLE
    options = "Да\nНет" if kind in CHOICE_KINDS else "Вариант 1\nВариант 2\nВариант 3" \
        if kind == QuestionKind.RANKING else "Плохо\nНормально\nХорошо" if kind == QuestionKind.MATRIX else ""
    return decorate([_question(kind, "", True, options, "Строка 1\nСтрока 2" if kind == QuestionKind.MATRIX else "",
                               "", "5", "")])[0]


def _question(kind, text, required, options, rows, max_choices, scale_max, condition) -> EditQuestion:
    return EditQuestion(kind=kind, kind_label=KIND_LABELS.get(kind, kind), text=text, required=required,
                        options=options, rows=rows, max_choices=max_choices, scale_max=scale_max,
                        condition=condition, condition_choices=[], has_options=kind in OPTION_KINDS,
                        is_multiple=kind == QuestionKind.MULTIPLE, is_scale=kind == QuestionKind.SCALE,
                        is_matrix=kind == QuestionKind.MATRIX)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def decorate(questions: list[EditQuestion]) -> list[EditQuestion]:
    """Fill each question's condition choices (options of earlier choice questions); a condition that
    no longer points at an offered choice (a question moved or its options changed) is cleared."""
    offered: list[list[str]] = []
    result = []
    for position, question in enumerate(questions):
        choices = [list(c) for c in offered]
        condition = question["condition"] if question["condition"] in {c[0] for c in choices} else ""
        result.append(question | {"condition_choices": choices, "condition": condition})
        if question["kind"] in CHOICE_KINDS:
            offered += [[f"{position}:{k}", f"{position + 1}. {question['text'][:40] or 'вопрос'} — «{option[:40]}»"]
                        for k, option in enumerate(lines(question["options"]))]
    return result


def form_of(survey: Survey, rows: list[SurveyQuestion]) -> tuple[dict[str, str], list[EditQuestion]]:
    positions = {row.id: k for k, row in enumerate(rows)}
    fields = {"title": survey.title, "description": survey.description or "",
              "territory": str(survey.territory_id or ""), "starts": local_input(survey.starts_at),
              "ends": local_input(survey.ends_at), "eligibility": survey.eligibility, "min_age": str(survey.min_age),
              "visibility": survey.results_visibility}
    questions = [_question(
        row.kind, row.text, row.required, "\n".join(json.loads(row.options or "[]")),
        "\n".join(json.loads(row.matrix_rows or "[]")), str(row.max_choices or ""), str(row.scale_max or 5),
        f"{positions[row.condition_question_id]}:{row.condition_option}"
        if row.condition_question_id in positions and row.condition_option is not None else "") for row in rows]
    return fields, decorate(questions)


def blank_fields(now: datetime) -> dict[str, str]:
    start = now.astimezone(region_tz()).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {"title": "", "description": "", "territory": "", "starts": local_input(start),
            "ends": local_input(start + timedelta(days=14)), "eligibility": Eligibility.RESIDENTS.value,
            "min_age": "14", "visibility": ResultsVisibility.AFTER_CLOSE.value}


def command_of(fields: dict[str, str], questions: list[EditQuestion]) -> SurveyInput:
    """The form as a command; malformed numbers and dates get a Russian message."""
    if len(questions) > QUESTIONS_MAX:
        raise ValidationFailed(f"В опросе должно быть от 1 до {QUESTIONS_MAX} вопросов")
    territory = fields.get("territory", "")
    min_age = fields.get("min_age", "")
    if not (territory == "" or territory.isdigit() and len(territory) < 10):
        raise ValidationFailed("Выберите территорию из списка")
    if not (min_age.isdigit() and len(min_age) <= 3):
        raise ValidationFailed("Минимальный возраст — число лет")
    commands = []
    for number, q in enumerate(questions, start=1):
        condition = CONDITION.fullmatch(q["condition"] or "")
        if q["condition"] and condition is None:
            raise ValidationFailed(f"Вопрос {number}: выберите условие из списка")
        position, option = (int(condition[1]), int(condition[2])) if condition else (None, None)
        max_choices = q["max_choices"].strip()
        if q["kind"] == QuestionKind.MULTIPLE and max_choices and not (max_choices.isdigit() and len(max_choices) < 4):
            raise ValidationFailed(f"Вопрос {number}: число выбираемых вариантов — целое число")
        commands.append(QuestionInput(
            kind=q["kind"], text=q["text"], required=bool(q["required"]), options=tuple(lines(q["options"])),
            max_choices=int(max_choices) if q["kind"] == QuestionKind.MULTIPLE and max_choices else None,
            scale_max=int(q["scale_max"]) if q["kind"] == QuestionKind.SCALE and q["scale_max"].isdigit() else None,
            rows=tuple(lines(q["rows"])), condition_position=position, condition_option=option))
    return SurveyInput(
        title=fields.get("title", ""), description=fields.get("description", ""),
        territory_id=int(territory) if territory else None,
        starts_at=parse_local(fields.get("starts", ""), "Начало"),
        ends_at=parse_local(fields.get("ends", ""), "Окончание"),
        eligibility=fields.get("eligibility", ""), min_age=int(min_age),
        results_visibility=fields.get("visibility", ""), questions=tuple(commands))
