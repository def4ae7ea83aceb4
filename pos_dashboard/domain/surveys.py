"""Pure rules of surveys (no database): question kinds, which questions a respondent is shown, and
the check of a response against the questions. The service and the page use the same functions."""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .limits import SURVEY_ANSWER_MAX
from .participation import Eligibility, age_on


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    TEXT = "text"
    RANKING = "ranking"
    MATRIX = "matrix"


KIND_LABELS = {
    QuestionKind.SINGLE: "Один вариант", QuestionKind.MULTIPLE: "Несколько вариантов",
    QuestionKind.SCALE: "Шкала", QuestionKind.TEXT: "Свободный ответ", QuestionKind.RANKING: "Ранжирование",
    QuestionKind.MATRIX: "Матрица",
}
CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})  # a condition can refer to these
OPTION_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING, QuestionKind.MATRIX})
SCALES = (5, 10)


@dataclass(frozen=True)
class QuestionSpec:
    """A question as the rules see it. `condition` names an earlier question's id and the index of
    the option that must have been chosen there."""

    id: int
    kind: str
    text: str
    required: bool = True
    options: tuple[str, ...] = ()
    max_choices: int | None = None
    scale_max: int | None = None
    rows: tuple[str, ...] = ()
    condition: tuple[int, int] | None = None


class AnswerError(ValueError):
    """A response that does not fit its questions; the message is Russian and names the question."""


@dataclass
class CheckedResponse:
    answers: dict[int, object] = field(default_factory=dict)  # question id → normalised JSON value


def chosen_options(kind: str, value) -> set[int]:
    """The option indices an answer chose (for conditions)."""
    if value is None:
        return set()
    if kind == QuestionKind.SINGLE:
        return {value}
    if kind == QuestionKind.MULTIPLE:
        return set(value)
    return set()


def visible_questions(questions: list[QuestionSpec], answers: dict[int, object]) -> list[int]:
    """Ids of the questions shown, in order: a conditional question only after its condition's
    question is shown and answered with the named option."""
    shown: set[int] = set()
    kinds = {q.id: q.kind for q in questions}
    order = []
    for question in questions:
        if question.condition is not None:
            source, option = question.condition
            if source not in shown or option not in chosen_options(kinds[source], answers.get(source)):
                continue
        shown.add(question.id)
        order.append(question.id)
    return order


def _is_index(value, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def _normalise(question: QuestionSpec, raw):
    """The answer in its stored form, None when it is empty, or AnswerError."""
    name = f"Вопрос «{question.text[:60]}»"
    kind, size = question.kind, len(question.options)
    if raw is None or raw == "" or raw == []:
        return None
    if kind == QuestionKind.SINGLE:
        if not _is_index(raw, size):
            raise AnswerError(f"{name}: выберите вариант из списка")
        return raw
    if kind == QuestionKind.MULTIPLE:
        if not isinstance(raw, list) or not all(_is_index(v, size) for v in raw) or len(set(raw)) != len(raw):
            raise AnswerError(f"{name}: выберите варианты из списка")
        limit = question.max_choices or size
        if len(raw) > limit:
            raise AnswerError(f"{name}: можно выбрать не больше {limit}")
        return sorted(raw)
    if kind == QuestionKind.SCALE:
        top = question.scale_max or 5
        if not (isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= top):
            raise AnswerError(f"{name}: оценка от 1 до {top}")
        return raw
    if kind == QuestionKind.TEXT:
        if not isinstance(raw, str):
            raise AnswerError(f"{name}: ожидается текст")
        text = raw.strip()
        if len(text) > SURVEY_ANSWER_MAX:
            raise AnswerError(f"{name}: не больше {SURVEY_ANSWER_MAX} символов (введено {len(text)})")
        return text or None
    if kind == QuestionKind.RANKING:
        if not isinstance(raw, list) or not all(_is_index(v, size) for v in raw) or sorted(raw) != list(range(size)):
            raise AnswerError(f"{name}: расставьте по порядку все варианты")
        return list(raw)
    if kind == QuestionKind.MATRIX:
        if not isinstance(raw, list) or len(raw) != len(question.rows) or not all(
                v is None or _is_index(v, size) for v in raw):
            raise AnswerError(f"{name}: выберите ответ в каждой строке")
        if all(v is None for v in raw):
            return None
        if any(v is None for v in raw):
            raise AnswerError(f"{name}: выберите ответ в каждой строке")
        return list(raw)
    raise AnswerError(f"{name}: неизвестный тип вопроса")


def check_response(questions: list[QuestionSpec], raw_answers) -> CheckedResponse:
    """Answers keyed by question id (int or its decimal string). Answers to questions of another
    survey are refused; answers to questions hidden by their condition are dropped; a required
    visible question must be answered."""
    if not isinstance(raw_answers, dict):
        raise AnswerError("Ответы не распознаны: обновите страницу")
    by_id = {q.id: q for q in questions}
    parsed: dict[int, object] = {}
    for key, value in raw_answers.items():
        qid = int(key) if isinstance(key, str) and key.isdigit() and len(key) < 10 else key
        if not isinstance(qid, int) or isinstance(qid, bool) or qid not in by_id:
            raise AnswerError("Ответ на вопрос, которого нет в этом опросе")
        parsed[qid] = value
    normalised: dict[int, object] = {}
    for question in questions:  # in order: a condition refers only to earlier questions
        if question.id in parsed:
            normalised[question.id] = _normalise(question, parsed[question.id])
    shown = visible_questions(questions, normalised)
    result = CheckedResponse()
    for qid in shown:
        value = normalised.get(qid)
        if value is None:
            if by_id[qid].required:
                raise AnswerError(f"Ответьте на обязательный вопрос «{by_id[qid].text[:60]}»")
            continue
        result.answers[qid] = value
    if not result.answers:
        raise AnswerError("Ответьте хотя бы на один вопрос")
    return result


def survey_eligibility_refusal(*, eligibility: str, territory_id: int | None, min_age: int,
                               birth_date: date | None, territory_path: list[int], closing_day: date) -> str | None:
    """Why this citizen may not take part in the survey, or None (the rule of votes, in a survey's words)."""
    if birth_date is None:
        return f"Укажите дату рождения в профиле: участвовать можно с {min_age} лет"
    if age_on(birth_date, closing_day) < min_age:
        return f"Участвовать можно с {min_age} лет (возраст на день окончания опроса)"
    if eligibility == Eligibility.RESIDENTS and territory_id is not None:
        if not territory_path:
            return "Укажите в профиле территорию проживания"
        if territory_id not in territory_path:
            return "Опрос проводится для жителей другой территории"
    return None
