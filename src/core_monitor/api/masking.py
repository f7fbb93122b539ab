"""The API's JSON answers, with every known secret value masked before they are encoded.

Masking the values (not the encoded body) catches a secret in whatever form the encoder
gives it, and never touches the JSON's own syntax: a secret that also occurs in ordinary
text is masked there too, and the answer stays valid JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from core_monitor.vault import REDACTOR


class MaskedJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return super().render(REDACTOR.mask_value(content))
