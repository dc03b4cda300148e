"""Races around the rate governor that the chaos soak found or could find.

The governor is driven by a fake clock; "sending" is an ``acquire`` returning.
"""

from __future__ import annotations
