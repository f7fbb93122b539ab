"""Compose's dotenv syntax (values checked against Docker Compose v2's `config`)."""

from __future__ import annotations

import pytest

from core_monitor.compose.dotenv import DotenvError, parse_dotenv, parse_raw

SAMPLE = """\
# comment
export A=1
B="two words"
C='single $A'
E=unquoted # trailing comment
T=a#b
F="multi
line"
G=${X:-dflt}
H
I=
J="esc\\nnl"
K: yaml style
W=$$lit
V='a\\nb'
U="q \\"in\\" q"
R="val" # c
"""


def test_sample_matches_compose() -> None:
    assert parse_dotenv(SAMPLE, {"X": "fromvar", "H": "hv"}) == {
        "A": "1",
        "B": "two words",
        "C": "single $A",
        "E": "unquoted",
        "T": "a#b",
        "F": "multi\nline",
        "G": "fromvar",
        "H": "hv",
        "I": "",
        "J": "esc\nnl",
        "K": "yaml style",
        "W": "$lit",
        "V": "a\\nb",
        "U": 'q "in" q',
        "R": "val",
    }


def test_a_bare_name_without_a_value_is_left_out() -> None:
    assert parse_dotenv("H\nA=1\n", {}) == {"A": "1"}


def test_expansion_prefers_the_lookup_then_earlier_lines() -> None:
    text = "A=1\nD=${A}\nX=infile\nY=${X}\nZ=${Q}\n"
    assert parse_dotenv(text, {"X": "fromvar"}) == {
        "A": "1",
        "D": "1",
        "X": "infile",
        "Y": "fromvar",
        "Z": "",
    }


def test_known_carries_earlier_files() -> None:
    known: dict[str, str] = {}
    parse_dotenv("A=1\n", {}, known)
    assert parse_dotenv("B=${A}\n", {}, known) == {"B": "1"}
    assert known == {"A": "1", "B": "1"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bad line here\n", "key cannot contain a space"),
        ('A="open\n', "unterminated quoted value"),
        ("A-B=1\n", "unexpected character"),
        ("A=${\n", "invalid variable expansion"),
    ],
)
def test_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(DotenvError, match=f"line 1: {message}"):
        parse_dotenv(text, {})


def test_an_expansion_error_never_quotes_the_value() -> None:
    with pytest.raises(DotenvError) as info:
        parse_dotenv("A=${hunter2-secret\n", {})
    assert "hunter2" not in str(info.value)


def test_raw_format_takes_lines_as_they_are() -> None:
    assert parse_raw('H\n# c\nRAW=${X} "q"\n') == {"RAW": '${X} "q"'}
