"""The ``oec`` command line (install the ``cli`` extra: ``pip install 'oec-async[cli]'``).

Only this package imports click and rich; the SDK itself never does.
"""

from ._app import cli, main

__all__ = ["cli", "main"]
