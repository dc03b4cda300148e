"""Resource classes reached through the client (``client.environments``...)."""

from .backups import Backups
from .deployments import Deployments, TaskRef
from .environments import Action, ActionOptions, Environments, QuickUpdateMode
from .org import ApiKeys, Org
from .projects import Projects
from .servers import Servers
from .webhooks import Webhooks

__all__ = [
    "Action",
    "ActionOptions",
    "ApiKeys",
    "Backups",
    "Deployments",
    "Environments",
    "Org",
    "Projects",
    "QuickUpdateMode",
    "Servers",
    "TaskRef",
    "Webhooks",
]
