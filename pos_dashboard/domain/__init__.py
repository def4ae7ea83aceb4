"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import (accountability, answer_templates, kpi_measures, models, notifications, participation,  # noqa: F401
               security, surveys)
