"""Imports every domain's models so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from crm import audit  # noqa: F401
from crm.auth import models as auth_models  # noqa: F401
from crm.chains import models as chain_models  # noqa: F401
from crm.companies import models as company_models  # noqa: F401
from crm.dashboard import models as dashboard_models  # noqa: F401
from crm.db import Base
from crm.escalations import models as escalation_models  # noqa: F401
from crm.evaluation import (
    city_models,  # noqa: F401
    grading_models,  # noqa: F401
)
from crm.evaluation import models as evaluation_models  # noqa: F401
from crm.jobs import models as job_models  # noqa: F401
from crm.ladder import models as ladder_models  # noqa: F401
from crm.leads import models as lead_models  # noqa: F401
from crm.parks import models as park_models  # noqa: F401
from crm.projects import models as project_models  # noqa: F401
from crm.taskforces import models as task_force_models  # noqa: F401
from crm.tickets import models as ticket_models  # noqa: F401
from crm.workdays import models as workday_models  # noqa: F401

metadata = Base.metadata
