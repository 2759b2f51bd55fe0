"""The one kind of view Roadie posts: no timeout, ever, so its components live as long as the message.

discord.py gives every ``View`` a monotonic-clock timeout (180 s by default) and, when a view with
``timeout=None`` is sent as an *ephemeral* interaction response, silently sets it to 15 minutes
(``InteractionResponse.send_message`` and ``Webhook.send`` in discord.py 2.7). Either way the view
stops after a while, which a restart-proof component must not. :class:`PersistentView` pins the
timeout to None. Its items are :class:`discord.ui.DynamicItem` s registered at start-up (state in
the ``custom_id``), so a click is served by whichever process is running, not by this object.
"""

from __future__ import annotations

import discord


class PersistentView(discord.ui.View):
    """A ``discord.ui.View`` whose ``timeout`` is always None (assignments, e.g. discord.py's
    15-minute default for ephemeral responses, are ignored)."""

    def __init__(self, *items: discord.ui.Item) -> None:
        super().__init__(timeout=None)
        for item in items:
            self.add_item(item)

    @property
    def timeout(self) -> float | None:
        """Always None: this view never times out."""
        return None

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        """Ignored (see the module docstring)."""
