"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import (accountability, answer_templates, audit, attachments, kpi_measures, models, notifications,  # noqa: F401
               participation, security, surveys)
