from . import arrears_run_preview
