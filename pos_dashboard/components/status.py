"""Small badges for status and deadline state."""

import reflex as rx

_STATUS_COLORS = {
    "moderation": "gray", "coordination": "violet", "in_work": "blue", "clarification": "amber",
    "interim_answer": "cyan", "answer_review": "iris", "answered": "grass", "control": "orange",
    "closed": "green", "rejected": "red",
}


def status_badge(status: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        *[(code, rx.badge(label, color_scheme=color, variant="soft", high_contrast=True)) for code, color in _STATUS_COLORS.items()],
        rx.badge(label),
    )


def deadline_cell(row: rx.Var[dict]) -> rx.Component:
    return rx.vstack(
        rx.text(row["deadline"], size="2"),
        rx.match(
            row["deadline_state"],
            ("overdue", rx.badge(row["left"], color_scheme="red", variant="solid", high_contrast=True, size="1")),
            ("at_risk", rx.badge("осталось " + row["left"].to(str), color_scheme="orange", high_contrast=True, size="1")),
            rx.cond(row["left"] != "", rx.text("осталось " + row["left"].to(str), size="1",
                                                color=rx.color("gray", 11)), rx.fragment()),
        ),
        spacing="1",
    )
