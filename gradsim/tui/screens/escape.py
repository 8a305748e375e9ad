"""Escape followed at once by a key, in a dialog.

A terminal sends escape as the byte ESC, and a key with alt held as ESC followed by the key, so when a
key follows escape within the parser's wait (fast typing; always in the browser, where xterm.js delivers
both in one write) Textual reads the pair as alt+key and the dialog's escape binding never runs: Escape
then r left the editor open (issue 13). A dialog with this mix-in reads an alt+key that nothing bound as
what was typed: it cancels (its escape action) and hands the key to the screen underneath.
"""

from __future__ import annotations

from textual import events


class EscapeThenKey:
    """Mix-in for a ModalScreen whose escape runs ``action_cancel``."""

    async def on_key(self, event: events.Key) -> None:
        key = event.key
        if not key.startswith("alt+") or self.app.active_bindings.get(key) is not None:
            return
        rest = key[len("alt+"):]
        character = rest if len(rest) == 1 else (" " if rest == "space" else None)
        if character is None:  # alt+backspace, alt+left …: keys an Input or a Select may mean
            return
        event.stop()
        event.prevent_default()
        app = self.app
        self.action_cancel()  # what escape does: dismiss the dialog

        def replay() -> None:
            app.post_message(events.Key(rest, character))  # as if typed on the screen underneath

        app.call_after_refresh(replay)
