"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import (accountability, answer_templates, attachments, audit, following, kpi_measures,  # noqa: F401
               models, notifications, participation, security, surveys)
