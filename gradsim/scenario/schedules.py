"""The [optimizer.schedule] table → the engine's ``ScheduleSpec``, driven by the ``SCHEDULES`` registry.

    [optimizer.schedule]
    name = "warmup"
    warmup = 50

``schedule = "cosine"`` alone takes the schedule's default parameters; no schedule is ``constant``.
"""

from __future__ import annotations

from typing import Any

from ..engine.schedules import SCHEDULES, ScheduleSpec
from ..errors import show, type_name
from .fields import _MISSING, _err, entry


def read_schedule(v: Any, path: str = "optimizer.schedule") -> ScheduleSpec:
    if v is _MISSING or v is None:
        return ScheduleSpec()
    if isinstance(v, str):
        v = {"name": v}
    if not isinstance(v, dict):
        raise _err(path, 'a schedule name such as "cosine", or a table such as { name = "warmup", warmup = 50 }',
                   got=f"{type_name(v)} {show(v)}")
    return ScheduleSpec(*entry(v, path, SCHEDULES))

