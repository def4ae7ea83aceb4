"""Page frame: header with the product name, navigation and the logged-in user."""

import reflex as rx

from .. import routes
from ..domain.enums import ROLE_LABELS, Role
from ..states.base import AppState
from .bell import bell
from .ready import ready_marker


def header() -> rx.Component:
    # Flex rows that wrap: on a phone the navigation and the user go below the product name.
    return rx.flex(
        rx.flex(
            rx.icon("messages-square", size=26, color=rx.color("accent", 9)),
            rx.vstack(
                rx.text("Платформа обратной связи", weight="bold", size="4"),
                rx.text("Центр управления регионом", size="1", color=rx.color("gray", 11),
                        display=rx.breakpoints(initial="none", sm="block")),
                spacing="0",
            ),
            rx.el.nav(
                rx.hstack(
                    rx.cond(AppState.home_url == routes.MY_APPEALS,
                            rx.link("Мои обращения", href=routes.MY_APPEALS, size="2", id="nav-home"),
                            rx.link("Очередь обращений", href=routes.QUEUE, size="2", id="nav-home")),
                    rx.cond((AppState.user_role_label == ROLE_LABELS[Role.COORDINATOR])
                            | (AppState.user_role_label == ROLE_LABELS[Role.ADMIN]),
                            rx.link("Распределение", href=routes.TRIAGE, size="2", id="nav-triage")),
                    rx.cond(AppState.user_role_label == ROLE_LABELS[Role.ORG_STAFF],
                            rx.link("Шаблоны ответов", href=routes.ANSWER_TEMPLATES, size="2", id="nav-templates")),
                    rx.cond(AppState.show_kpi_link, rx.link("Показатели", href=routes.KPI, size="2", id="nav-kpi")),
                    rx.cond(AppState.rating_nav_label != "",
                            rx.link(AppState.rating_nav_label, href=AppState.rating_nav_href, size="2",
                                    id="nav-ratings")),
                    rx.link("Голосования", href=routes.VOTES, size="2", id="nav-votes"),
                    rx.cond(AppState.user_role_label == ROLE_LABELS[Role.ADMIN],
                            rx.link("Администрирование", href=routes.ADMIN, size="2", id="nav-admin")),
                    spacing="4", wrap="wrap",
                ),
                aria_label="Разделы", margin_left=rx.breakpoints(initial="0", md="24px"),
            ),
            align="center",
            spacing="3",
            wrap="wrap",  # narrow phones: the links go under the product name
        ),
        rx.spacer(),
        rx.cond(
            AppState.user_name != "",
            rx.hstack(
                bell(),
                rx.vstack(
                    rx.text(AppState.user_name, size="2", weight="medium", id="current-user"),
                    rx.text(AppState.user_role_label, size="1", color=rx.color("gray", 11)),
                    spacing="0",
                    align="end",
                ),
                rx.link("Сеансы и пароль", href="/account", size="2", id="account-link"),
                rx.button("Выйти", variant="soft", size="1", on_click=AppState.logout, id="logout"),
                align="center",
            ),
        ),
        padding_x="20px",
        padding_y="10px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        width="100%",
        align="center",
        wrap="wrap",
        spacing="3",
    )


def skip_link() -> rx.Component:
    """The first stop of the Tab key: straight to the page's content, past the header."""
    return rx.el.a("Перейти к содержимому", href="#main-content", class_name="skip-link")


def page_frame(*children: rx.Component) -> rx.Component:
    return rx.box(
        ready_marker(),
        skip_link(),
        rx.el.header(header()),
        rx.el.main(*children, id="main-content", tab_index=-1, padding=rx.breakpoints(initial="12px", sm="20px"),
                   width="100%", max_width="1480px", margin_x="auto"),
        background=rx.color("gray", 2),
        min_height="100vh",
    )
