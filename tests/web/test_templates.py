"""Template conventions that are easy to get wrong without seeing the page."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "shuzheng"
# button-quiet is white text on transparent and button-light a white face: both are for blue backgrounds.
ON_BLUE = re.compile(r"\bbutton-(quiet|light)\b")
BLUE_BACKGROUNDS = {
    "web/templates/base.html",  # the site header
    "security/templates/landing.html",  # the .hero banner
}


def test_header_style_buttons_are_used_on_blue_backgrounds_only() -> None:
    misused = sorted(
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in PACKAGE.glob("*/templates/**/*.html")
        if str(path.relative_to(PACKAGE)) not in BLUE_BACKGROUNDS
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ON_BLUE.search(line)
    )
    assert not misused, "浅色背景上请用 button-secondary：" + "、".join(misused)
