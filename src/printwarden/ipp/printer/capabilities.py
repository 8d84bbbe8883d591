"""What the printer can do: the job template defaults and supported values (IPP Everywhere).

``job_template_capabilities`` returns the ``*-default``/``*-supported``/``*-ready``
attributes; ``SUPPORTED_TEMPLATE_VALUES`` lets Validate-Job and Print-Job check a request.
"""

from __future__ import annotations

from printwarden.ipp.attributes import Attribute, attr, boolean, enum, integer, keyword
from printwarden.ipp.printer.media import DEFAULT_MEDIA, MEDIA_SIZES, media_col, media_size_col
from printwarden.ipp.values import Collection, RangeOfInteger, Resolution

__all__ = [
    "JOB_TEMPLATE_NAMES",
    "MAX_COPIES",
    "OVERRIDABLE",
    "SUPPORTED_TEMPLATE_VALUES",
    "job_template_capabilities",
    "media_col_supported",
    "page_ranges_supported",
]

MAX_COPIES = 999
RESOLUTIONS = (Resolution(300, 300), Resolution(600, 600))

SUPPORTED_TEMPLATE_VALUES: dict[str, tuple[object, ...]] = {
    "finishings": (3,),
    "job-hold-until": ("no-hold", "indefinite"),
    "job-sheets": ("none",),
    "media": tuple(size.name for size in MEDIA_SIZES),
    "multiple-document-handling": ("separate-documents-uncollated-copies",
                                   "separate-documents-collated-copies"),
    "number-up": (1,),
    "orientation-requested": (3, 4, 5, 6),
    "output-bin": ("face-down",),
    "print-color-mode": ("auto", "color", "monochrome"),
    "print-content-optimize": ("auto", "graphic", "photo", "text", "text-and-graphic"),
    "print-quality": (3, 4, 5),
    "print-rendering-intent": ("auto", "perceptual", "relative"),
    "print-scaling": ("auto", "auto-fit", "fill", "fit", "none"),
    "printer-resolution": RESOLUTIONS,
    "sides": ("one-sided", "two-sided-long-edge", "two-sided-short-edge"),
}
"""Job template attribute -> the values accepted (copies and media-col are checked apart)."""

JOB_TEMPLATE_NAMES: tuple[str, ...] = (
    "copies", "finishings", "job-hold-until", "job-priority", "job-sheets", "media",
    "media-col", "multiple-document-handling", "number-up", "orientation-requested",
    "output-bin", "overrides", "page-ranges", "print-color-mode", "print-content-optimize",
    "print-quality", "print-rendering-intent", "print-scaling", "printer-resolution", "sides",
)
"""job-creation-attributes-supported."""

OVERRIDABLE: tuple[str, ...] = ("media", "media-col", "orientation-requested",
                                "print-color-mode", "sides")
"""Job template attributes an ``overrides`` entry may change (PWG 5100.6)."""

MEDIA_COL_MEMBERS = ("media-bottom-margin", "media-left-margin", "media-right-margin",
                     "media-size", "media-source", "media-top-margin", "media-type")


def _media_attributes() -> list[Attribute]:
    names = [size.name for size in MEDIA_SIZES]
    ready = MEDIA_SIZES[:2]
    database = [media_col(size).value for size in MEDIA_SIZES]
    sizes = [media_size_col(size).value for size in MEDIA_SIZES]
    return [
        keyword("media-default", DEFAULT_MEDIA.name),
        keyword("media-supported", *names),
        keyword("media-ready", *(size.name for size in ready)),
        media_col(DEFAULT_MEDIA, "media-col-default"),
        attr("media-col-ready", *(media_col(size).value for size in ready)),
        attr("media-col-database", *database),
        keyword("media-col-supported", *MEDIA_COL_MEMBERS),
        attr("media-size-supported", *sizes),
        integer("media-bottom-margin-supported", 423),
        integer("media-left-margin-supported", 423),
        integer("media-right-margin-supported", 423),
        integer("media-top-margin-supported", 423),
        keyword("media-source-supported", "auto", "main"),
        keyword("media-type-supported", "stationery", "photographic"),
    ]


def job_template_capabilities(*, color: bool = True,
                              document_handling: tuple[str, ...] = (
                                  "separate-documents-collated-copies",
                                  "separate-documents-uncollated-copies")) -> list[Attribute]:
    values = SUPPORTED_TEMPLATE_VALUES
    color_modes = values["print-color-mode"] if color else ("auto", "monochrome")
    return [
        integer("copies-default", 1),
        attr("copies-supported", RangeOfInteger(1, MAX_COPIES)),
        enum("finishings-default", 3),
        enum("finishings-supported", 3),
        keyword("job-hold-until-default", "no-hold"),
        keyword("job-hold-until-supported", *map(str, values["job-hold-until"])),
        integer("job-priority-default", 50),
        integer("job-priority-supported", 1),
        keyword("job-sheets-default", "none"),
        keyword("job-sheets-supported", "none"),
        *_media_attributes(),
        keyword("multiple-document-handling-default", document_handling[0]),
        keyword("multiple-document-handling-supported", *document_handling),
        integer("number-up-default", 1),
        integer("number-up-supported", 1),
        enum("orientation-requested-default", 3),
        enum("orientation-requested-supported", 3, 4, 5, 6),
        keyword("output-bin-default", "face-down"),
        keyword("output-bin-supported", "face-down"),
        keyword("overrides-supported", "document-number", "document-numbers", "pages",
                *OVERRIDABLE),
        keyword("print-color-mode-default", "auto"),
        keyword("print-color-mode-supported", *map(str, color_modes)),
        keyword("print-content-optimize-default", "auto"),
        keyword("print-content-optimize-supported",
                *map(str, values["print-content-optimize"])),
        keyword("print-rendering-intent-default", "auto"),
        keyword("print-rendering-intent-supported",
                *map(str, values["print-rendering-intent"])),
        enum("print-quality-default", 4),
        enum("print-quality-supported", 3, 4, 5),
        keyword("print-scaling-default", "auto"),
        keyword("print-scaling-supported", *map(str, values["print-scaling"])),
        attr("printer-resolution-default", RESOLUTIONS[1]),
        attr("printer-resolution-supported", *RESOLUTIONS),
        keyword("sides-default", "one-sided"),
        keyword("sides-supported", *map(str, values["sides"])),
        boolean("page-ranges-supported", True),
    ]


def page_ranges_supported(values: tuple[object, ...]) -> bool:
    """Ascending, non-overlapping ranges of pages from 1."""
    previous = 0
    for value in values:
        if not isinstance(value, RangeOfInteger) or not previous < value.lower <= value.upper:
            return False
        previous = value.upper
    return True


def media_col_supported(value: object) -> bool:
    """A media-col the printer can honour: a known size (other members are ignored)."""
    if not isinstance(value, Collection):
        return False
    size = value.get("media-size")
    if size is None or not isinstance(size.value, Collection):
        return "media-size" not in value
    dims = size.value
    x = dims.get("x-dimension")
    y = dims.get("y-dimension")
    return any(x is not None and y is not None and (x.value, y.value) == (s.width, s.length)
               for s in MEDIA_SIZES)
