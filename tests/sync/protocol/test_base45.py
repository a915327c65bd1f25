"""Base45 against RFC 9285's own examples, plus properties over arbitrary input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol.base45 import ALPHABET, b45decode, b45encode
from sync.protocol.errors import Base45Error

VECTORS = json.loads((Path(__file__).parents[2] / "data" / "rfc9285-base45.json").read_text(encoding="utf-8"))


def test_alphabet_is_the_rfc_table() -> None:
    assert ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    assert len(set(ALPHABET)) == 45


@pytest.mark.parametrize("case", VECTORS["encode"], ids=lambda c: c["ascii"])
def test_rfc_encoding_examples(case: dict) -> None:
    assert b45encode(case["ascii"].encode("ascii")) == case["base45"]
    assert b45decode(case["base45"]) == case["ascii"].encode("ascii")


@pytest.mark.parametrize("case", VECTORS["decode"], ids=lambda c: c["base45"])
def test_rfc_decoding_example(case: dict) -> None:
    assert b45decode(case["base45"]) == case["ascii"].encode("ascii")


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: repr(c["base45"]))
def test_rfc_invalid_inputs_raise(case: dict) -> None:
    with pytest.raises(Base45Error):
        b45decode(case["base45"])


def test_ggw_is_the_smallest_triplet_over_65535() -> None:
    assert b45decode("FGW") == b"\xff\xff"  # 15 + 16*45 + 32*2025 = 65535: the largest legal
    with pytest.raises(Base45Error, match="65536"):
        b45decode("GGW")


def test_largest_legal_final_pair() -> None:
    assert b45decode("U5") == b"\xff"  # 30 + 5*45 = 255
    with pytest.raises(Base45Error):
        b45decode("V5")  # 256


def test_empty() -> None:
    assert b45encode(b"") == ""
    assert b45decode("") == b""


@settings(max_examples=300)
@given(st.binary(max_size=512))
def test_round_trip_any_bytes(data: bytes) -> None:
    text = b45encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)
    assert b45decode(text) == data


@settings(max_examples=300)
@given(st.one_of(st.text(alphabet=ALPHABET, max_size=60), st.text(max_size=60)))
def test_decode_any_text_is_canonical_or_base45error(text: str) -> None:
    try:
        data = b45decode(text)
    except Base45Error:
        return
    assert b45encode(data) == text
