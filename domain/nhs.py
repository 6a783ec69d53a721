"""NHS numbers: Modulus 11 check digit, normalisation, and test-range generation.

Used by the simulator (to make valid numbers in the reserved 999 range) and by the loaders
(to validate before pseudonymising). Never log the values this module handles.
"""

from __future__ import annotations

import random
from operator import mul

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
TEST_RANGE_PREFIX = "999"


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for 9 digits, or None when the result is 10 (unusable)."""
    if len(first_nine) != 9:
        raise ValueError("check_digit needs exactly 9 digits")
    total = sum(map(mul, map(int, first_nine), WEIGHTS))
    digit = 11 - (total % 11)
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def normalise(value: str) -> str | None:
    """Strip the 3-3-4 spaces feeds.md allows; None unless exactly 10 digits remain."""
    if value is None:
        return None
    v = value.strip()
    if len(v) == 12 and v[3] == " " and v[7] == " ":
        v = v.replace(" ", "")
    if len(v) != 10 or not v.isascii() or not v.isdigit():
        return None
    return v


def is_valid(value: str) -> bool:
    """True for a 10-digit NHS number (3-3-4 spacing allowed) with a correct check digit."""
    v = normalise(value)
    if v is None:
        return False
    expected = check_digit(v[:9])
    return expected is not None and expected == int(v[9])


def random_test_number(rng: random.Random) -> str:
    """A valid NHS number from the reserved test range 999 000 0000 - 999 999 9999."""
    while True:
        body = TEST_RANGE_PREFIX + f"{rng.randrange(0, 1_000_000):06d}"
        digit = check_digit(body)
        if digit is not None:
            return body + str(digit)


def corrupt_check_digit(number: str) -> str:
    """The same number with a wrong check digit (for planting defects)."""
    wrong = (int(number[9]) + 1) % 10
    return number[:9] + str(wrong)
