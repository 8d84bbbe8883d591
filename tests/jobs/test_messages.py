from __future__ import annotations

import pytest

from printwarden.core.errors import ValidationError
from printwarden.jobs.messages import Analysis, AuthorizeRequest, unknown_pages_denial


def request(**changes: object) -> AuthorizeRequest:
    values: dict[str, object] = {"agent_job_key": "1", "queue": "q", "username": "u",
                                 "analysis": Analysis(pages=4, color_pages=1)}
    values.update(changes)
    return AuthorizeRequest(**values)  # type: ignore[arg-type]


def test_the_dominant_paper_size_is_the_one_with_most_pages() -> None:
    sizes = {"iso_a4_210x297mm": 1, "iso_a3_297x420mm": 3}
    assert request(analysis=Analysis(pages=4, sizes=sizes)).media == "iso_a3_297x420mm"
    assert request().media == "iso_a4_210x297mm"


def test_two_sided_printing_is_duplex() -> None:
    assert request(sides="two-sided-long-edge").duplex is True
    assert request().duplex is False


def test_monochrome_mode_bills_no_colour_and_unknown_colour_bills_all() -> None:
    assert request(color_mode="monochrome").billable_color_pages == 0
    assert request().billable_color_pages == 1
    assert request(analysis=Analysis(pages=4)).billable_color_pages == 4


def test_the_unknown_pages_seam_denies_with_the_reason() -> None:
    message = unknown_pages_denial(request(analysis=Analysis(pages=None, reason="encrypted")))
    assert message is not None and "(encrypted)" in message
    assert unknown_pages_denial(request()) is None


@pytest.mark.parametrize("changes", [{"sides": "both"}, {"color_mode": "sepia"},
                                     {"copies": 0}, {"username": ""}])
def test_a_malformed_request_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        request(**changes)
