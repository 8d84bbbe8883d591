"""How a job's figures become what is priced: its paper size and its colour pages.

One definition for the server's authorize and for an agent pricing a job offline
(tracker mode), so a job costs the same whichever of them priced it.
"""

from __future__ import annotations

from collections.abc import Mapping

from printwarden.core.media import DEFAULT_MEDIA_NAME


def dominant_media(sizes: Mapping[str, int]) -> str:
    """The paper size with the most pages (ties: the first name in order); A4 when the
    analysis could not tell."""
    counted = {name: count for name, count in sizes.items() if count > 0}
    if not counted:
        return DEFAULT_MEDIA_NAME
    return max(sorted(counted), key=lambda name: counted[name])


def billable_color_pages(color_mode: str, color_pages: int | None,
                         pages: int | None) -> int | None:
    """Colour pages to price: none in monochrome; every page when colour is unknown."""
    if color_mode == "monochrome":
        return 0
    if color_pages is not None:
        return color_pages
    return pages
