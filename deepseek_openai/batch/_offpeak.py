"""The off-peak schedule of a batch: when the next off-peak (half-price) minute begins."""

from __future__ import annotations

from datetime import datetime, timedelta

from .._usage import is_peak

__all__ = ["next_off_peak"]

_STEP = timedelta(minutes=1)
_HORIZON = timedelta(days=60)


def next_off_peak(at: datetime) -> datetime:
    """Return the first moment at or after ``at`` when :func:`~deepseek_openai.is_peak` is false.

    Steps forward a minute at a time with ``is_peak`` (the one source of truth for peak hours and holidays).

    Raises:
        ValueError: no off-peak minute within 60 days (``is_peak`` cannot be right then).
    """
    moment = at
    if not is_peak(moment):
        return moment
    moment = moment.replace(second=0, microsecond=0)
    end = at + _HORIZON
    while moment < end:
        moment += _STEP
        if not is_peak(moment):
            return moment
    raise ValueError(f"no off-peak time within 60 days of {at.isoformat()}")
