"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import attachments, kpi_measures, models, notifications, participation, security  # noqa: F401
