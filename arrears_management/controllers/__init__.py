from . import gateway_status
from . import portal
