"""Masking values before they are encoded: every string of an answer, and container output
line by line however the engine cut it into frames."""

from __future__ import annotations

import json

from core_monitor.monitor.logs import lines
from core_monitor.monitor.redact import masked_frames
from core_monitor.vault import MASK, Redactor

QUOTED = 'a "quoted" \\ secret é'
SPANNING = "first-half\nsecond-half"


def test_every_string_of_a_value_is_masked_and_the_structure_stays() -> None:
    redactor = Redactor()
    redactor.learn([QUOTED, '"line":"'])
    value = {"line": f"x{QUOTED}y", "items": [QUOTED, 3, None], '"line":"': True}
    masked = redactor.mask_value(value)
    assert masked == {"line": f"x{MASK}y", "items": [MASK, 3, None], '"line":"': True}
    text = json.dumps(masked)
    assert json.loads(text) == masked
    assert json.dumps(QUOTED)[1:-1] not in text


def test_each_line_of_a_secret_that_spans_lines_is_masked_but_not_short_ones() -> None:
    redactor = Redactor()
    redactor.learn([SPANNING, "short\nab"])
    assert redactor.mask("first-half") == MASK
    assert redactor.mask("said second-half") == f"said {MASK}"
    assert redactor.mask(SPANNING) == MASK
    assert redactor.mask("ab cd") == "ab cd"  # a line under the minimum length is no secret


def test_a_secret_cut_across_frames_is_masked_in_its_line() -> None:
    from core_monitor.vault import REDACTOR

    REDACTOR.learn(["frame-spanning-secret"])
    frames = [(b"pw=frame-span", None), (b"ning-secret\nok\n", b"err frame-spanning-secret")]
    out = [(line.stream, line.line) for line in lines(masked_frames(frames), timestamps=False)]
    assert out == [("stdout", f"pw={MASK}"), ("stdout", "ok"), ("stderr", f"err {MASK}")]
