"""Paper size codes of PCL 5 (``ESC &l#A``) and PCL XL (``MediaSize`` enumeration)."""

from __future__ import annotations

_IN = 25.4

#: PCL 5 page size code -> (short, long) edge in mm
PCL5_SIZES: dict[int, tuple[float, float]] = {
    1: (7.25 * _IN, 10.5 * _IN),  # executive
    2: (8.5 * _IN, 11 * _IN),  # letter
    3: (8.5 * _IN, 14 * _IN),  # legal
    6: (11 * _IN, 17 * _IN),  # ledger
    24: (105, 148),  # A6
    25: (148, 210),  # A5
    26: (210, 297),  # A4
    27: (297, 420),  # A3
    45: (182, 257),  # JIS B5
    46: (257, 364),  # JIS B4
    71: (100, 148),  # Hagaki
    80: (3.875 * _IN, 7.5 * _IN),  # Monarch
    81: (4.125 * _IN, 9.5 * _IN),  # Com-10
    90: (110, 220),  # DL
    91: (162, 229),  # C5
    100: (176, 250),  # ISO B5
}

#: PCL XL MediaSize enumeration -> (short, long) edge in mm
PCLXL_SIZES: dict[int, tuple[float, float]] = {
    0: (8.5 * _IN, 11 * _IN),  # eLetterPaper
    1: (8.5 * _IN, 14 * _IN),  # eLegalPaper
    2: (210, 297),  # eA4Paper
    3: (7.25 * _IN, 10.5 * _IN),  # eExecPaper
    4: (11 * _IN, 17 * _IN),  # eLedgerPaper
    5: (297, 420),  # eA3Paper
    6: (4.125 * _IN, 9.5 * _IN),  # eCOM10Envelope
    7: (3.875 * _IN, 7.5 * _IN),  # eMonarchEnvelope
    8: (162, 229),  # eC5Envelope
    9: (110, 220),  # eDLEnvelope
    10: (257, 364),  # eJB4Paper
    11: (182, 257),  # eJB5Paper
    12: (176, 250),  # eB5Envelope
    13: (176, 250),  # eB5Paper
    14: (100, 148),  # eJPostcard
    15: (148, 200),  # eJDoublePostcard
    16: (148, 210),  # eA5Paper
    17: (105, 148),  # eA6Paper
    18: (128, 182),  # eJB6Paper
}

#: PCL XL MediaSize given as a name string
PCLXL_NAMES: dict[str, tuple[float, float]] = {
    "LETTER": PCLXL_SIZES[0],
    "LEGAL": PCLXL_SIZES[1],
    "A4": PCLXL_SIZES[2],
    "EXEC": PCLXL_SIZES[3],
    "LEDGER": PCLXL_SIZES[4],
    "A3": PCLXL_SIZES[5],
    "A5": PCLXL_SIZES[16],
    "A6": PCLXL_SIZES[17],
    "JB5": PCLXL_SIZES[11],
    "JB4": PCLXL_SIZES[10],
}


def oriented(size: tuple[float, float], landscape: bool) -> tuple[float, float]:
    short, long_ = size
    return (long_, short) if landscape else (short, long_)
