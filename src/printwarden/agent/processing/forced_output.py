"""What a job's forced transforms change in what is sent to its device.

``grayscale``: the document sent is the job's grayscale PDF (``grayscale_stage``), so
``document-format`` is ``application/pdf`` and ``print-color-mode`` ``monochrome``
(where the backend speaks IPP or CUPS options).
``duplex``: ``sides`` is ``two-sided-long-edge`` unless the job asked short-edge (IPP,
CUPS); the raw-stream backends (AppSocket, LPD, USB/file) get no job ticket, so a
PostScript document carries a ``setpagedevice`` duplex request after its header
(``ForwardJob.postscript_setup``); any other raw document (a PDF, say) prints with the
device's default, which the log says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from printwarden.agent.model import LocalJob
from printwarden.agent.processing.grayscale_stage import needs_gray_document
from printwarden.agent.storage.spool import Spool
from printwarden.documents.transforms import downstream_attributes, postscript_duplex_setup

__all__ = ["DUPLEX", "RAW_SCHEMES", "ForcedOutput", "forced_output"]

log = logging.getLogger(__name__)
DUPLEX = "duplex"
PDF = "application/pdf"
POSTSCRIPT = "application/postscript"
#: Device URI schemes whose backend streams the document with no job ticket.
RAW_SCHEMES = frozenset({"socket", "lpd", "usb", "file"})


@dataclass(frozen=True)
class ForcedOutput:
    document: Path
    document_format: str
    sides: str
    color_mode: str
    postscript_setup: bytes = b""


def forced_output(job: LocalJob, spool: Spool, document_format: str,
                  device_uri: str) -> ForcedOutput:
    """The document, format, sides, colour mode and raw PostScript setup to send
    ``job`` with (``document_format``: what it would be sent as untransformed)."""
    meta = job.meta
    gray = needs_gray_document(job)
    duplex = DUPLEX in job.transforms and not meta.sides.startswith("two-sided")
    attrs = downstream_attributes(monochrome=gray, duplex=duplex)
    output = ForcedOutput(
        document=spool.gray_path_of(job) if gray else spool.path_of(job),
        document_format=PDF if gray else document_format,
        sides=attrs.get("sides", meta.sides),
        color_mode=attrs.get("print-color-mode", meta.color_mode))
    if DUPLEX not in job.transforms or urlsplit(device_uri).scheme.lower() not in RAW_SCHEMES:
        return output
    if output.document_format == POSTSCRIPT:
        short = output.sides == "two-sided-short-edge"
        return ForcedOutput(output.document, output.document_format, output.sides,
                            output.color_mode, postscript_duplex_setup(short_edge=short))
    log.info("job %s: duplex is forced but %s gets a raw %s stream with no job ticket: "
             "the device's default applies", job.local_id, device_uri,
             output.document_format)
    return output
