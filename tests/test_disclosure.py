"""Disclosure control (domain.md): the Python rule on its edges."""

from __future__ import annotations

import pytest

from governance.disclosure import display, publishable_rate, suppress_count, suppress_total


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (0, 0),
        (1, None),
        (7, None),
        (8, 10),
        (10, 10),
        (12, 10),
        (13, 15),
        (17, 15),
        (18, 20),
        (22, 20),
        (23, 25),
        (1002, 1000),
        (1003, 1005),
    ],
)
def test_suppress_count(raw: int, shown: int | None) -> None:
    assert suppress_count(raw) == shown


def test_no_published_count_between_one_and_seven() -> None:
    for n in range(0, 2000):
        out = suppress_count(n)
        assert out is None or out == 0 or out >= 10
        assert out is None or out % 5 == 0


def test_total_from_unrounded_values() -> None:
    # Three cells of 8 show as 10 each, but the total is 24 -> 25, not 30.
    assert [suppress_count(v) for v in (8, 8, 8)] == [10, 10, 10]
    assert suppress_total([8, 8, 8]) == 25
    # Suppressed cells still count in the total.
    assert suppress_total([3, 3, 3]) == 10


def test_rates_need_base_of_eight_and_an_unsuppressed_numerator() -> None:
    assert publishable_rate(3, 7) is None
    assert publishable_rate(8, 16) == 0.5
    assert publishable_rate(0, 9) == 0.0
    # 3 of 8 would be 37.5%: with the base published, the suppressed 3 comes back.
    assert publishable_rate(3, 8) is None


def test_display_and_negative() -> None:
    assert display(None) == "*"
    assert display(15) == "15"
    with pytest.raises(ValueError):
        suppress_count(-1)
