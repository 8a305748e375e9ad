"""``gradsim serve``: textual-serve's server, made to work with no internet.

textual-serve's page loads Roboto Mono from Google Fonts; ours (gradsim/tui/web/app_index.html, built by
docs/make_web_fonts.py) loads the copy bundled with textual-serve and two small fallback faces for the
glyphs Roboto Mono lacks (gradsim/tui/glyphs.py), served from /gradsim-web/.
"""

from __future__ import annotations

from pathlib import Path

WEB = Path(__file__).resolve().parent / "tui" / "web"  # = gradsim.tui.glyphs.WEB (not imported: it would import Textual)

ROUTE = "/gradsim-web"


def make_server(command: str, host: str, port: int, title: str):
    """A textual-serve Server for ``command`` that serves gradsim's page and fonts (imports textual-serve)."""
    from textual_serve.server import Server

    class OfflineServer(Server):
        async def _make_app(self):  # textual-serve's routes, plus the fallback fonts
            app = await super()._make_app()
            app.router.add_static(ROUTE, WEB, name="gradsim-web")
            return app

    return OfflineServer(command, host=host, port=port, title=title, templates_path=WEB)
