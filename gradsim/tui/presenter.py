"""The presenter's view: z zooms one panel to the whole screen and back, Z (shift+z) shows the current
equation and the selected layer large, alone, t switches to a high-contrast theme that reads on a
projector; w pages through the panels one at a time, full size (the way to every
panel on a small terminal, where some are hidden or cramped). The main screen's actions call these; the layout rules for big screens
(220×60) and for Z are in gradsim.tcss (MainScreen.-huge, MainScreen.-towering, MainScreen.-presenter)."""

from __future__ import annotations

from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget

PANELS = ("#network", "#equation", "#layer", "#data", "#flow-box", "#loss")

# Pure black and white, saturated accents: every text colour is at least 7:1 against the background (WCAG AAA).
HIGH_CONTRAST = Theme(
    name="gradsim-high-contrast",
    primary="#FFFFFF",
    secondary="#00FFFF",
    accent="#00FFFF",  # forward
    warning="#FFD700",  # backward
    success="#00FF00",  # the update
    error="#FF7777",  # blow-ups
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#262626",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={"text-muted": "#E0E0E0", "text-primary": "#FFFFFF", "text-secondary": "#00FFFF",
               "text-error": "#FF9999", "text-warning": "#FFD700", "text-success": "#00FF00",
               "text-accent": "#00FFFF", "footer-key-foreground": "#FFD700", "block-cursor-background": "#FFD700",
               "block-cursor-foreground": "#000000"},
)


def panel_to_zoom(screen: Screen) -> Widget | None:
    """The panel that holds the focus, else the one under the mouse, else the layer (or data) panel."""
    panels = [p for selector in PANELS for p in screen.query(selector)]  # #data: once d composed it
    shown = [p for p in panels if p.display]
    for widget in (screen.focused, screen.app.mouse_over):
        if widget is None:
            continue
        for panel in shown:
            if widget is panel or panel in widget.ancestors:
                return panel
    return next((p for p in shown if p.id in ("layer", "data")), None)


def panels_in_use(screen: Screen) -> list[Widget]:
    """The panels in the order v pages through them: the layer panel or the data panel, whichever is in use
    (the others are there even when a narrow layout hides them)."""
    data = screen.query_one("#middle").has_class("-data")
    return [p for s in PANELS if s != ("#layer" if data else "#data") for p in screen.query(s)]


def next_panel(screen: Screen) -> Widget | None:
    """Show the next panel alone, full size; after the last, the whole layout again (returns None)."""
    panels = panels_in_use(screen)
    current = screen.maximized
    index = panels.index(current) + 1 if current in panels else 0
    if index >= len(panels):
        screen.minimize()
        return None
    screen.maximized = panels[index]
    return panels[index]


def toggle_zoom(screen: Screen) -> Widget | None:
    """Zoom the chosen panel to the whole screen (the status line and the key bar stay), or bring the layout
    back; returns the zoomed panel, or None."""
    if screen.maximized is not None:
        screen.minimize()
        return None
    panel = panel_to_zoom(screen)
    screen.maximized = panel
    return panel


def toggle_theme(app) -> str:
    """Switch between the high-contrast theme and the one before it; returns the theme now in use."""
    if HIGH_CONTRAST.name not in app.available_themes:
        app.register_theme(HIGH_CONTRAST)
    if app.theme == HIGH_CONTRAST.name:
        app.theme = getattr(app, "_gradsim_theme_before", "textual-dark")
    else:
        app._gradsim_theme_before = app.theme
        app.theme = HIGH_CONTRAST.name
    return app.theme


PRESENTER = "-presenter"  # the main screen's class while Z's layout is on


def toggle_presenter(screen: Screen) -> bool:
    """Z: the equation panel (every line of the phase) above the layer panel (the whole width, so more
    matrix columns), the status line and the key bar, nothing else; Z or escape brings the layout back.
    The layer panel shows even when d, h or v had put another panel in its place. Returns whether it is on."""
    if screen.maximized is not None:
        screen.minimize()
    on = not screen.has_class(PRESENTER)
    screen.set_class(on, PRESENTER)
    return on


def leave_presenter(screen: Screen) -> bool:
    """Escape: leave the presenter layout if it is on; returns whether it was."""
    if not screen.has_class(PRESENTER) or screen.maximized is not None:
        return False
    screen.remove_class(PRESENTER)
    return True
