from . import gateway_status
