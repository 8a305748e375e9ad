"""gradsim: a terminal simulator of gradient dynamics."""

__version__ = "0.1.0"
