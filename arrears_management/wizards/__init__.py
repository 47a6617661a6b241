from . import arrears_run_preview
from . import arrears_fee_waive
