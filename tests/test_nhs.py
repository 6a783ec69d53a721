"""NHS number check digits (domain.md: Modulus 11, weights 10..2)."""

from __future__ import annotations

import random

from domain import nhs


def test_documented_example_is_valid() -> None:
    assert nhs.is_valid("9434765919")
    assert nhs.is_valid("943 476 5919")


def test_wrong_check_digit_and_shapes_are_invalid() -> None:
    assert not nhs.is_valid("9434765918")
    assert not nhs.is_valid("943476591")  # 9 digits
    assert not nhs.is_valid("94347659190")  # 11 digits
    assert not nhs.is_valid("94347 65919")  # wrong spacing
    assert not nhs.is_valid("943476591X")
    assert not nhs.is_valid("")


def test_remainder_ten_is_never_valid() -> None:
    # Find 9-digit bodies whose check would be 10: no final digit makes them valid.
    rng = random.Random(3)
    found = 0
    while found < 20:
        body = f"{rng.randrange(10**8, 10**9)}"
        if nhs.check_digit(body) is None:
            found += 1
            assert not any(nhs.is_valid(body + str(d)) for d in range(10))


def test_generated_numbers_are_valid_and_in_test_range() -> None:
    rng = random.Random(1)
    numbers = [nhs.random_test_number(rng) for _ in range(2000)]
    assert all(n.startswith("999") and len(n) == 10 and nhs.is_valid(n) for n in numbers)
    assert not any(nhs.is_valid(nhs.corrupt_check_digit(n)) for n in numbers)
