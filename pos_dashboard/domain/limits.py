"""Length limits of everything a person types, defined once: the services refuse longer input, the
forms show the limit with a counter, the queue cuts its filters to these lengths.

Without them one organisation stored a 900,000-character interim answer, and the card of that
appeal became 900 KB of state for everyone who opened it."""

APPEAL_TEXT_MIN = 10
APPEAL_TEXT_MAX = 5_000
ANSWER_TEXT_MIN = 10
ANSWER_TEXT_MAX = 10_000  # interim and final answers
REASON_MAX = 2_000  # reasons, comments, review remarks, the rating comment
CITIZEN_TEXT_MAX = APPEAL_TEXT_MAX  # the citizen's clarification and dispute are written like the appeal
ADDRESS_MAX = 500

SURVEY_ANSWER_MAX = 2_000  # a free-text answer to a survey question
SURVEY_QUESTION_MAX = 500  # the text of a survey question
SURVEY_OPTION_MAX = 200  # an option (or a matrix row) of a survey question

# Directories kept by administrators (/admin)
ORGANIZATION_NAME_MAX = 300
CATEGORY_NAME_MAX = 200
DEADLINE_DAYS_MAX = 365  # working or calendar days of a category's deadline rule
PASSWORD_INPUT_MAX = 128  # = services.auth.MAX_PASSWORD_LENGTH, for the forms

SEARCH_MAX = 200  # the queue's search box: an appeal number or a few words
ORGANIZATION_QUERY_MAX = 200  # words of an organisation's name

# Actions whose free text is written by the citizen (the reason field carries it).
_CITIZEN_TEXT_ACTIONS = frozenset({"clarify", "dispute"})

# Row ids are PostgreSQL `integer` columns (SQLite accepts 64 bits): a larger number cannot name a row.
ID_MAX = 2**31 - 1


def reason_limit(action: str) -> int:
    """How long the free text given with a workflow action may be."""
    return CITIZEN_TEXT_MAX if action in _CITIZEN_TEXT_ACTIONS else REASON_MAX


def is_valid_id(value: int) -> bool:
    return 1 <= value <= ID_MAX


def is_out_of_id_range(value) -> bool:
    """A number no row can have (the database driver would raise on it rather than find nothing)."""
    return isinstance(value, int) and not is_valid_id(value)
