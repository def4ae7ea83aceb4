"""The survey pages' states and the builder's form, without a server: what a client sends is kept
only when it fits (indices in range, texts bounded), conditional questions follow the answers, and
the builder's form becomes the command the service checks."""

from datetime import datetime, timedelta, timezone

import pytest

from pos_dashboard.domain.limits import SURVEY_ANSWER_MAX
from pos_dashboard.services import survey_form
from pos_dashboard.services.errors import ValidationFailed
from pos_dashboard.states.survey_builder import SurveyEditorState
from pos_dashboard.states.survey_form import SurveyFormState


def _row(qid, number, kind, options=(), rows=(), required=True, max_choices=0, scale=(), condition=(0, 0)):
    return {"id": qid, "number": number, "text": f"Вопрос {number}", "kind": kind, "kind_label": kind,
            "required": required, "options": list(options), "rows": list(rows), "max_choices": max_choices,
            "scale_values": list(scale), "condition_id": condition[0], "condition_option": condition[1],
            "condition_label": ""}


def _form() -> SurveyFormState:
    state = SurveyFormState()
    state.questions = [
        _row(11, 1, "single", ("Да", "Нет")),
        _row(12, 2, "multiple", ("А", "Б", "В"), max_choices=2, condition=(11, 0)),
        _row(13, 3, "scale", scale=range(1, 6)),
        _row(14, 4, "ranking", ("X", "Y", "Z")),
        _row(15, 5, "matrix", ("плохо", "хорошо"), rows=("р1", "р2")),
        _row(16, 6, "text", required=False),
    ]
    state.picked = [[], [], [], [], [-1, -1], []]
    state.texts = [""] * 6
    state._refresh_visible()
    return state


def test_answers_follow_the_rules_and_conditions():
    state = _form()
    assert state.visible == [True, False, True, True, True, True]
    state.pick(0, 0)
    assert state.visible[1] is True
    state.pick(1, 2)
    state.pick(1, 0)
    state.pick(1, 1)  # a third choice over the limit of 2
    assert state.picked[1] == [0, 2] and "не больше 2" in state.error
    for forged in ((0, 5), (0, -1), (9, 0), ("0", 0), (0, True), (2, 0), (2, 6)):
        state.pick(*forged)
    assert state.picked[0] == [0] and state.picked[2] == []
    state.pick(2, 5)
    for option in (2, 0, 1):
        state.pick(3, option)
    state.pick_cell(4, 1, 1)
    state.pick_cell(4, 0, 7)  # no such column
    state.set_text(5, "я" * (SURVEY_ANSWER_MAX + 50))
    assert len(state.texts[5]) == SURVEY_ANSWER_MAX
    answers = state._answers()
    assert answers == {"11": 0, "12": [0, 2], "13": 5, "14": [2, 0, 1], "15": [None, 1], "16": state.texts[5]}
    state.pick(0, 1)  # «Нет»: question 2 disappears and its answer is not sent
    assert state.visible[1] is False and "12" not in state._answers()


def test_builder_form_becomes_a_checked_command():
    fields = survey_form.blank_fields(datetime(2026, 12, 2, 10, 30, tzinfo=timezone.utc))
    assert fields["starts"] == "2026-12-02T14:00"  # Moscow, the next full hour
    questions = [survey_form.new_question("single"), survey_form.new_question("text")]
    questions[0] |= {"text": "Пользуетесь парком?"}
    questions[1] |= {"text": "Почему?", "condition": "0:1"}
    questions = survey_form.decorate(questions)
    assert questions[1]["condition_choices"] == [["0:0", "1. Пользуетесь парком? — «Да»"],
                                                 ["0:1", "1. Пользуетесь парком? — «Нет»"]]
    command = survey_form.command_of(fields | {"title": "Парк"}, questions)
    assert command.starts_at == datetime(2026, 12, 2, 11, 0, tzinfo=timezone.utc)
    assert command.ends_at - command.starts_at == timedelta(days=14)
    assert (command.questions[1].condition_position, command.questions[1].condition_option) == (0, 1)
    for change, message in ((dict(starts="завтра"), "укажите дату"), (dict(min_age="abc"), "число лет"),
                            (dict(territory="1 OR 1"), "из списка")):
        with pytest.raises(ValidationFailed, match=message):
            survey_form.command_of(fields | change, questions)
    with pytest.raises(ValidationFailed, match="условие"):
        survey_form.command_of(fields, [questions[0], questions[1] | {"condition": "x:1"}])


def test_editor_handlers_need_the_builder_flag_and_keep_conditions_on_moves():
    state = SurveyEditorState()
    state.fields = survey_form.blank_fields(datetime(2026, 12, 2, tzinfo=timezone.utc))
    state.questions = [survey_form.new_question("single")]
    state.add_question("text")  # not loaded by a builder: ignored
    assert len(state.questions) == 1
    state._builder = True
    state.add_question("poll")
    state.add_question("text")
    state.add_question("scale")
    assert [q["kind"] for q in state.questions] == ["single", "text", "scale"]
    state.set_question(1, "condition", "0:0")
    state.set_question(1, "text", "я" * 10_000)
    state.set_field("title", "т" * 10_000)
    state.set_field("auth_token", "forged")
    assert len(state.questions[1]["text"]) == 500 and len(state.fields["title"]) == 200
    assert "auth_token" not in state.fields
    state.move_question(2, -1)  # the scale moves above the conditional text question
    assert [q["kind"] for q in state.questions] == ["single", "scale", "text"]
    assert state.questions[2]["condition"] == "0:0"
    state.move_question(1, -1)  # the scale moves first: the condition follows its question
    assert state.questions[2]["condition"] == "1:0"
    state.remove_question(1)  # the condition's question is gone: the condition is cleared
    assert [q["kind"] for q in state.questions] == ["scale", "text"] and state.questions[1]["condition"] == ""
