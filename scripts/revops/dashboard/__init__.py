"""The executive funnel dashboard: one self-contained HTML page from the marts.

`render` / `write_dashboard` (render.py) build it; each section reads its
marts (sections/), every text comes from one dictionary (i18n.py) and every
number is formatted once (formatting.py). See docs/dashboard.md.
"""

from revops.dashboard.render import Rendered, render, write_dashboard

__all__ = ["Rendered", "render", "write_dashboard"]
