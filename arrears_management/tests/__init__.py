from . import test_access
from . import test_delivery
from . import test_escalation
from . import test_gateway
from . import test_gateway_callback
from . import test_ui
