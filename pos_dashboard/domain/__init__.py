"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import answer_templates, kpi_measures, models, notifications, participation, security, surveys  # noqa: F401
