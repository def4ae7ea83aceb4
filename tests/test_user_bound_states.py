"""Every page state below AppState is reset at log-out and log-in (the list is derived, so a new
page cannot be forgotten); the base state itself, which holds the token, is not in it."""

from pos_dashboard.states.account import AccountState
from pos_dashboard.states.base import AppState, user_bound_states
from pos_dashboard.states.card import CardState
from pos_dashboard.states.login import LoginState
from pos_dashboard.states.queue import QueueState


def test_every_page_state_is_user_bound():
    found = user_bound_states()
    assert {QueueState, CardState, AccountState, LoginState} <= set(found)
    assert AppState not in found and len(found) == len(set(found))


def test_a_new_page_state_is_covered_without_registration():
    class KpiDashboardState(QueueState):  # a state two levels below AppState
        rows: list[dict] = []

    assert KpiDashboardState in user_bound_states()
