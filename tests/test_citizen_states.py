"""The citizen's form state keeps only the fields it knows, bounded, whatever a client sends."""

from pos_dashboard.states.new_appeal import FIELD_LIMITS, NewAppealState


def test_the_form_keeps_known_fields_only_and_bounded():
    state = NewAppealState()
    state.set_field("address", "ул. Ленина, 5" * 1000)
    state.set_field("text", "я" * 100_000)
    state.set_field("auth_token", "forged")
    state.set_field("busy", "yes")
    assert len(state.address) == FIELD_LIMITS["address"]
    assert len(state.text) == FIELD_LIMITS["text"]
    assert (state.auth_token, state.busy) == ("", False)
