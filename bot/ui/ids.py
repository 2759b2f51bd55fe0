"""Custom ids spelled once: the template a ``DynamicItem`` matches and the ids it posts come from one string.

``OPEN = CustomId("roadie:checkin:open:{sid}")`` gives ``OPEN.template`` (the regex for
``DynamicItem[..., template=...]``; each ``{name}`` matches digits unless another pattern is given)
and ``OPEN.format(sid=5)`` (``roadie:checkin:open:5``). State that must survive a restart lives in
the id, so it is checked against Discord's ``custom_id`` limit (≤ 100 chars, API docs).
"""

from __future__ import annotations

import re

from bot.ui.format import CUSTOM_ID_MAX

_FIELD = re.compile(r"\{(\w+)\}")
_DIGITS = r"\d+"


class CustomId:
    """One custom_id format with named fields (``{name}``); ``patterns`` override ``\\d+`` per field."""

    def __init__(self, fmt: str, **patterns: str) -> None:
        self.fmt = fmt
        fields = _FIELD.findall(fmt)
        unknown = set(patterns) - set(fields)
        if unknown:
            raise ValueError(f"{fmt!r} has no field(s) {sorted(unknown)}")
        parts, last = [], 0
        for m in _FIELD.finditer(fmt):
            parts.append(re.escape(fmt[last : m.start()]))
            parts.append(f"(?P<{m[1]}>{patterns.get(m[1], _DIGITS)})")
            last = m.end()
        parts.append(re.escape(fmt[last:]))
        self.template = "".join(parts)
        self._re = re.compile(self.template)

    def format(self, **values: object) -> str:
        """The custom_id for ``values``.

        Raises:
            ValueError: the id would not match the template, or is over :data:`CUSTOM_ID_MAX`.
        """
        cid = self.fmt.format(**values)
        if not self._re.fullmatch(cid) or len(cid) > CUSTOM_ID_MAX:
            raise ValueError(f"custom_id {cid!r} does not fit {self.fmt!r} (≤ {CUSTOM_ID_MAX} chars)")
        return cid

    def __repr__(self) -> str:
        return f"CustomId({self.fmt!r})"
