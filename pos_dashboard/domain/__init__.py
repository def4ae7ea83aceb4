"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import (accountability, answer_templates, attachments, following, kpi_measures, models,  # noqa: F401
               notifications, participation, security, surveys)
