"""A set of 64-bit hashes at 8 bytes each, for a million batch ids in ~8 MB (a Python ``set`` of ints: ~90 MB)."""

from __future__ import annotations

from array import array
from bisect import bisect_left

__all__ = ["HashSet"]

_BUCKETS = 256  # by the top byte: each bucket is sorted on its own, so sorting never holds more than 1/256 as ints


class HashSet:
    """Add hashes, then :meth:`freeze`; after that, ``in`` is a binary search and :meth:`repeated` finds duplicates."""

    def __init__(self) -> None:
        self._buckets = [array("Q") for _ in range(_BUCKETS)]
        self._frozen = False

    def add(self, value: int) -> None:
        """Add a 64-bit unsigned hash (before :meth:`freeze`)."""
        self._buckets[value >> 56].append(value)
        self._frozen = False

    def freeze(self) -> None:
        """Sort every bucket (once) so lookups can run."""
        if not self._frozen:
            self._buckets = [array("Q", sorted(bucket)) for bucket in self._buckets]
            self._frozen = True

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        self.freeze()
        bucket = self._buckets[value >> 56]
        index = bisect_left(bucket, value)
        return index < len(bucket) and bucket[index] == value

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets)

    def __bool__(self) -> bool:
        return any(self._buckets)

    def unique(self) -> int:
        """Return how many different hashes were added."""
        self.freeze()
        return sum(sum(1 for i in range(len(b)) if i == 0 or b[i] != b[i - 1]) for b in self._buckets)

    def repeated(self) -> set[int]:
        """Return the hashes added more than once."""
        self.freeze()
        return {b[i] for b in self._buckets for i in range(1, len(b)) if b[i] == b[i - 1]}
