from . import cso_sla_report
from . import cso_survey_report
