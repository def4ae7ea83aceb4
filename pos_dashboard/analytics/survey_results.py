"""Results of a survey: per question counts and shares, scale averages and distributions, average
ranking positions, matrix tables; respondents against the eligible population, by age band and
territory; the CSV/XLSX export (one column per question, per-option totals). Refused before the
survey closes unless it shows live results."""

import io
import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import TypedDict

import plotly.graph_objects as go
from openpyxl import Workbook
from sqlmodel import Session, select

from ..domain.participation import Survey, SurveyResponse, SurveySubmission
from ..domain.surveys import QuestionKind, QuestionSpec
from ..services.actors import Actor
from ..services.errors import PermissionDenied
from ..services.surveys import get_survey, question_specs
from .formatting import local_time
from .surveys import KIND_LABELS, answer_text, require_viewer, results_visible
from .table_export import SHEET_TITLE_MAX, csv_bytes
from .votes import AGE_BANDS, BandRow, _band, _band_label, _percent, _territory_names, eligible_population

TEXTS_SHOWN = 20


class ResultLine(TypedDict):
    label: str
    count: int
    share: str
    percent: float


class MatrixLine(TypedDict):
    label: str
    cells: list[str]  # «12 (34,0 %)» per column


class QuestionResult(TypedDict):
    id: int
    number: int
    text: str
    kind: str
    kind_label: str
    answered: int
    summary: str  # «Среднее: 3,8 из 5», «Средняя позиция (1 — первое место)»
    lines: list[ResultLine]
    columns: list[str]  # matrix
    matrix: list[MatrixLine]
    texts: list[str]  # latest free-text answers


def _visible_survey(session: Session, actor: Actor, survey_id, now: datetime) -> Survey:
    require_viewer(actor)
    survey = get_survey(session, survey_id)
    if not results_visible(survey, now):
        raise PermissionDenied(
            f"Результаты будут опубликованы после окончания опроса ({local_time(survey.closes_at())})")
    return survey


def _answers(session: Session, survey: Survey) -> dict[int, list]:
    """Question id → the decoded answers, newest first."""
    by_question: dict[int, list] = defaultdict(list)
    stmt = (select(SurveyResponse.question_id, SurveyResponse.answer)
            .join(SurveySubmission, SurveySubmission.id == SurveyResponse.submission_id)
            .where(SurveySubmission.survey_id == survey.id).order_by(SurveyResponse.id.desc()))
    for question_id, answer in session.exec(stmt):
        by_question[question_id].append(json.loads(answer))
    return by_question


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def question_result(spec: QuestionSpec, number: int, answers: list) -> QuestionResult:
    n = len(answers)
    lines, columns, matrix, texts, summary = [], [], [], [], ""

    def line(label: str, count: int) -> ResultLine:
        return ResultLine(label=label, count=count, share=_percent(count, n),
                          percent=round(100 * count / n, 1) if n else 0.0)

    if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        counts = Counter(v for a in answers for v in ([a] if spec.kind == QuestionKind.SINGLE else a))
        lines = [line(option, counts[k]) for k, option in enumerate(spec.options)]
        if spec.kind == QuestionKind.MULTIPLE:
            summary = "Можно было выбрать несколько вариантов: сумма долей больше 100 %"
    elif spec.kind == QuestionKind.SCALE:
        top = spec.scale_max or 5
        counts = Counter(answers)
        lines = [line(str(k), counts[k]) for k in range(1, top + 1)]
        summary = f"Среднее: {_number(sum(answers) / n)} из {top}" if n else "Ответов нет"
    elif spec.kind == QuestionKind.RANKING:
        positions, firsts = defaultdict(int), Counter(r[0] for r in answers if r)
        for ranking in answers:
            for place, option in enumerate(ranking, start=1):
                positions[option] += place
        order = sorted(range(len(spec.options)), key=lambda k: (positions[k], k))
        lines = [ResultLine(label=spec.options[k], count=firsts[k],
                            share=f"средняя позиция {_number(positions[k] / n)}" if n else "—",
                            percent=round(100 * firsts[k] / n, 1) if n else 0.0) for k in order]
        summary = "От лучшей средней позиции к худшей (1 — первое место); число — сколько раз вариант поставили первым"
    elif spec.kind == QuestionKind.MATRIX:
        columns = list(spec.options)
        for r, row_label in enumerate(spec.rows):
            counts = Counter(a[r] for a in answers if r < len(a))
            matrix.append(MatrixLine(label=row_label, cells=[f"{counts[c]} ({_percent(counts[c], n)})"
                                                             for c in range(len(columns))]))
    else:
        texts = [str(a) for a in answers[:TEXTS_SHOWN]]
        summary = f"Показаны последние {len(texts)} из {n} ответов; все ответы — в выгрузке" if n else "Ответов нет"
    return QuestionResult(id=spec.id, number=number, text=spec.text, kind=spec.kind,
                          kind_label=KIND_LABELS.get(spec.kind, spec.kind), answered=n, summary=summary,
                          lines=lines, columns=columns, matrix=matrix, texts=texts)


def survey_results(session: Session, *, actor: Actor, survey_id, now: datetime) -> dict:
    survey = _visible_survey(session, actor, survey_id, now)
    specs = question_specs(session, survey.id)
    answers = _answers(session, survey)
    ages, territories = Counter(), Counter()
    respondents = 0
    for age, territory_id in session.exec(select(SurveySubmission.respondent_age,
                                                 SurveySubmission.respondent_territory_id)
                                          .where(SurveySubmission.survey_id == survey.id)):
        respondents += 1
        ages[_band(age)] += 1
        territories[territory_id] += 1
    eligible = eligible_population(session, survey)
    names = _territory_names(session, set(territories))
    return {
        "id": survey.id, "title": survey.title, "closed": now >= survey.closes_at(), "respondents": respondents,
        "eligible": eligible, "turnout": _percent(respondents, eligible),
        "questions": [question_result(spec, k, answers.get(spec.id, [])) for k, spec in enumerate(specs, start=1)],
        "by_age": [BandRow(label=label, voters=ages[label], share=_percent(ages[label], respondents))
                   for label in [_band_label(b) for b in AGE_BANDS] + ["возраст не указан"] if ages[label]],
        "by_territory": sorted((BandRow(label=names.get(t, "не указана"), voters=k, share=_percent(k, respondents))
                                for t, k in territories.items()), key=lambda r: -r["voters"]),
    }


def _columns(specs: list[QuestionSpec]) -> list[str]:
    header = ["№ ответа", "Дата ответа", "Возраст", "Территория"]
    for number, spec in enumerate(specs, start=1):
        if spec.kind == QuestionKind.MATRIX:
            header += [f"{number}. {spec.text} — {row}" for row in spec.rows]
        else:
            header.append(f"{number}. {spec.text}")
    return header


def _cells(spec: QuestionSpec, value) -> list:
    if spec.kind == QuestionKind.MATRIX:
        return [spec.options[v] if value is not None and v is not None and 0 <= v < len(spec.options) else ""
                for v in (value or [None] * len(spec.rows))]
    if spec.kind == QuestionKind.SCALE:
        return [value if value is not None else ""]
    return [answer_text(spec, value)]


def export_tables(session: Session, *, actor: Actor, survey_id, now: datetime) -> dict[str, tuple[list, list]]:
    """{"Ответы": (header, rows), "Итоги": (header, rows)}: one row per response and one column per
    question (a matrix: one per row), then the totals per option."""
    survey = _visible_survey(session, actor, survey_id, now)
    specs = question_specs(session, survey.id)
    submissions = session.exec(select(SurveySubmission).where(SurveySubmission.survey_id == survey.id)
                               .order_by(SurveySubmission.id)).all()
    given: dict[int, dict[int, object]] = defaultdict(dict)
    for submission_id, question_id, answer in session.exec(
            select(SurveyResponse.submission_id, SurveyResponse.question_id, SurveyResponse.answer)
            .join(SurveySubmission, SurveySubmission.id == SurveyResponse.submission_id)
            .where(SurveySubmission.survey_id == survey.id)):
        given[submission_id][question_id] = json.loads(answer)
    names = _territory_names(session, {s.respondent_territory_id for s in submissions})
    rows = []
    for k, submission in enumerate(submissions, start=1):
        row = [k, local_time(submission.submitted_at), submission.respondent_age if submission.respondent_age
               is not None else "", names.get(submission.respondent_territory_id, "")]
        for spec in specs:
            row += _cells(spec, given[submission.id].get(spec.id))
        rows.append(row)
    answers: dict[int, list] = defaultdict(list)  # the same answers, per question, for the totals
    for by_question in given.values():
        for question_id, value in by_question.items():
            answers[question_id].append(value)
    totals = []
    for number, spec in enumerate(specs, start=1):
        result = question_result(spec, number, answers.get(spec.id, []))
        for line in result["lines"]:
            totals.append([f"{number}. {spec.text}", line["label"], line["count"], line["share"]])
        for mline in result["matrix"]:
            for column, cell in zip(result["columns"], mline["cells"]):
                totals.append([f"{number}. {spec.text} — {mline['label']}", column, int(cell.split(" ")[0]),
                               cell.split("(")[1].rstrip(")")])
        if spec.kind == QuestionKind.TEXT:
            totals.append([f"{number}. {spec.text}", "ответили", result["answered"], ""])
    return {"Ответы": (_columns(specs), rows),
            "Итоги": (["Вопрос", "Вариант", "Ответов (ранжирование: на первом месте)", "Доля"], totals)}


def export_file(session: Session, *, actor: Actor, survey_id, now: datetime, fmt: str) -> tuple[bytes, str]:
    """`fmt`: "xlsx" (both sheets), "csv" (responses) or "totals.csv"."""
    tables = export_tables(session, actor=actor, survey_id=survey_id, now=now)
    if fmt == "csv":
        return csv_bytes(*tables["Ответы"]), f"survey_{survey_id}.csv"
    if fmt == "totals.csv":
        return csv_bytes(*tables["Итоги"]), f"survey_{survey_id}_totals.csv"
    if fmt != "xlsx":
        raise PermissionDenied("Неизвестный формат выгрузки")
    workbook = Workbook(write_only=True)
    for title, (header, rows) in tables.items():
        sheet = workbook.create_sheet(title[:SHEET_TITLE_MAX])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), f"survey_{survey_id}.xlsx"


def question_figure(result: QuestionResult) -> go.Figure:
    """Bars of one question's result (choices and scales: answers per option; ranking: average
    position; matrix: stacked answers per row); free text has no chart (an empty figure)."""
    figure = go.Figure()
    if result["kind"] == QuestionKind.MATRIX:
        for c, column in enumerate(result["columns"]):
            figure.add_trace(go.Bar(y=[m["label"] for m in result["matrix"]][::-1], orientation="h", name=column,
                                    x=[int(m["cells"][c].split(" ")[0]) for m in result["matrix"]][::-1]))
        figure.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.2})
    elif result["kind"] == QuestionKind.RANKING:
        figure.add_trace(go.Bar(y=[line["label"] for line in result["lines"]][::-1], orientation="h",
                                x=[float(line["share"].split(" ")[-1].replace(",", ".")) if result["answered"] else 0
                                   for line in result["lines"]][::-1], marker_color="#3e63dd"))
        figure.update_xaxes(title_text="средняя позиция (меньше — выше)")
    elif result["lines"]:
        vertical = result["kind"] == QuestionKind.SCALE
        labels, counts = [line["label"] for line in result["lines"]], [line["count"] for line in result["lines"]]
        figure.add_trace(go.Bar(x=labels, y=counts, marker_color="#3e63dd") if vertical else
                         go.Bar(y=labels[::-1], x=counts[::-1], orientation="h", marker_color="#3e63dd"))
    rows = max(len(result["lines"]), len(result["matrix"]), 3)
    figure.update_layout(template=None, height=min(80 + 34 * rows, 420) if result["kind"] != QuestionKind.SCALE
                         else 260, margin={"l": 12, "r": 12, "t": 8, "b": 36}, showlegend=result["kind"] == "matrix")
    figure.update_yaxes(automargin=True)
    return figure
