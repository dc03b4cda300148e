"""Resource classes reached through the client (``client.environments``...)."""

from .deployments import Deployments, TaskRef
from .environments import Action, Environments, QuickUpdateMode

__all__ = ["Action", "Deployments", "Environments", "QuickUpdateMode", "TaskRef"]
