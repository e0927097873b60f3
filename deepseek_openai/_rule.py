"""One DeepSeek rule as a record, and how our checks apply it: refuse when DeepSeek is known to, else warn."""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass

from ._errors import InvalidRequestError

__all__ = ["EVIDENCE_KINDS", "Rule"]

EVIDENCE_KINDS = ("documented", "observed", "unknown", "accepted")
"""How a row's behaviour is known: stated by DeepSeek's docs, seen on the live API, not known, or known accepted."""
_REFUSED = ("documented", "observed")


def _outside_package() -> int:
    # The warning names the user's line: the first frame that is not this package's code.
    depth, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("deepseek_openai."):
        depth, frame = depth + 1, frame.f_back
    return depth


@dataclass(frozen=True)
class Rule:
    """One thing DeepSeek refuses (or silently mishandles), with the status it answers and the fix."""

    id: str
    """Stable identifier, also carried by our errors as ``.rule``."""
    status: int | None
    """HTTP status DeepSeek answers; ``None`` when DeepSeek accepts the request but the result is wrong."""
    message: str
    """DeepSeek's error message (``{...}`` fields are filled in per request)."""
    fix: str
    """What to change, in one sentence."""
    docs: str
    """The DeepSeek docs page that states the rule."""
    error_type: str = "invalid_request_error"
    """The ``error.type`` field of DeepSeek's error body."""
    note: str = ""
    """Where the message comes from when DeepSeek does not document it."""
    evidence: str = "unknown"
    """One of :data:`EVIDENCE_KINDS`, then where: ``§n`` of the project's API digest, the project issue that saw it
    (``issue n``), or a public tracker quoting DeepSeek's answer (``github owner/repo#n``)."""
    also: tuple[str, ...] = ()
    """Other wordings DeepSeek has used for the same refusal (``explain`` recognises them too)."""
    cause: str = ""
    """What the refusal means, in plain words, when DeepSeek's message does not say it."""

    @property
    def refuses(self) -> bool:
        """Whether our checks raise (DeepSeek is known to refuse: documented or observed) rather than warn."""
        return self.status is not None and self.evidence.partition(" ")[0] in _REFUSED

    def enforce(self, message: str) -> None:
        """Raise :class:`InvalidRequestError` for ``message`` when :attr:`refuses`, else warn (``UserWarning``).

        The warning names the caller's line (the first frame outside this package) and ends with ``Fix: ...``.

        Args:
            message: what is wrong with this request, in one sentence.

        Raises:
            InvalidRequestError: with ``.rule`` this row's id and ``.fix`` its fix.
        """
        if self.refuses:
            raise InvalidRequestError(message, fix=self.fix, rule=self.id)
        warnings.warn(f"{message} Fix: {self.fix}", UserWarning, stacklevel=_outside_package())
