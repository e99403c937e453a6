"""Rankings of areas by rate, and the words for a rank (metrics.md, "Rankings").

Rank 1 is the lowest value (the best, for crime rates). Ties share the lower rank and the
next distinct value skips ahead ("1224", standard competition ranking), so a rank always
says how many areas are strictly lower: rank = 1 + that number.
"""

from __future__ import annotations

import math

_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def _rankable(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def rank_ascending(values: dict[str, float | None]) -> dict[str, int | None]:
    """Rank each key by its value, 1 = lowest; ties share the lower rank.

    None (and NaN) values get rank None and take no place, so an area without a rate
    never pushes another down. The result has the same keys in the same order.
    """
    ranked = sorted((v, k) for k, v in values.items() if _rankable(v))
    ranks: dict[str, int | None] = dict.fromkeys(values)
    previous: float | None = None
    current_rank = 0
    for position, (value, key) in enumerate(ranked, start=1):
        if position == 1 or value != previous:
            current_rank = position
            previous = value
        ranks[key] = current_rank
    return ranks


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 22 -> "22nd", 111 -> "111th"."""
    if n < 0:
        raise ValueError(f"no ordinal for a negative number ({n})")
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    return f"{n}{_SUFFIXES.get(n % 10, 'th')}"


def rank_words(rank: int, of: int) -> str:
    """Words for a rank (1 = lowest), derived from the numbers, never typed.

    Ranks in the lower half (rank <= (of + 1) / 2) count from the bottom: "the 4th lowest
    rate of 32"; the rest count from the top: rank 30 of 32 is "the 3rd highest rate of 32"
    (n = of - rank + 1). The ends read "the lowest rate of 32" / "the highest rate of 32".

    Tie caveat: tied areas share the LOWER rank, so on the highest side areas tied for
    the top are described from that shared rank: two areas tied at the top of 32 both
    have rank 31 and read "the 2nd highest rate of 32", not "the highest". The wording
    never overstates how high a rate is.
    """
    if of < 1 or not 1 <= rank <= of:
        raise ValueError(f"rank {rank} of {of} is not a rank: it must be from 1 to {of}")
    if rank <= (of + 1) / 2:
        n, side = rank, "lowest"
    else:
        n, side = of - rank + 1, "highest"
    place = "" if n == 1 else f"{ordinal(n)} "
    return f"the {place}{side} rate of {of}"
