"""One IPP exchange: parse the body through ``IppParser``, check, dispatch, answer.

Every ``IppError`` becomes an IPP answer with its status (HTTP 400 only when not even
the 8-octet header could be read); anything else is logged and answered with
server-error-internal-error, never with a traceback. The answer carries the request's
own version number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from printwarden.ipp.codec import encode
from printwarden.ipp.errors import IppEncodeError, IppError, IppParseError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.parser import IppParser, MessageHeader
from printwarden.ipp.request import response_for, validate_request
from printwarden.ipp.server.body import ClientDisconnected, RequestBody
from printwarden.ipp.server.document_stream import document_stream
from printwarden.ipp.server.limits import ServerLimits
from printwarden.ipp.server.protocol import IppAttributesError, IppRequest, Printer
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["HttpAnswer", "PrinterUris", "exchange"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes
    content_type: str = "application/ipp"
    close: bool = False


@dataclass(frozen=True, slots=True)
class PrinterUris:
    printer_uri: str
    more_info_uri: str


def _error_answer(header: MessageHeader | IppMessage, exc: IppError) -> IppMessage:
    unsupported = exc.unsupported if isinstance(exc, IppAttributesError) else ()
    return response_for(header, exc.status, message=exc.message, unsupported=unsupported)


def _compression(message: IppMessage, printer: Printer) -> str:
    found = message.get(DelimiterTag.OPERATION, "compression")
    value = "none" if found is None else str(found.value)
    if value not in printer.compression_supported:
        raise IppAttributesError(StatusCode.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED,
                                 f"compression {value!r} not supported",
                                 [found] if found is not None else [])
    return value


async def _read_attributes(body: RequestBody, parser: IppParser) -> IppMessage:
    while (chunk := await body.next_chunk()) is not None:
        if parser.feed(chunk):
            return parser.message
    return parser.close()


async def _dispatch(printer: Printer, body: RequestBody, parser: IppParser, uris: PrinterUris,
                    limits: ServerLimits) -> IppMessage:
    message = parser.message
    valid = validate_request(message, operations=printer.operations_supported)
    compression = _compression(message, printer)
    document = document_stream(parser.leftover, body, compression=compression,
                               max_octets=limits.max_document_octets)
    try:
        request = IppRequest(message, valid, uris.printer_uri, uris.more_info_uri, document)
        return await printer.handle(request)
    finally:
        await document.aclose()


async def exchange(printer: Printer, body: RequestBody, uris: PrinterUris,
                   limits: ServerLimits) -> HttpAnswer | None:
    """The HTTP answer to one POST, or ``None`` if the client went away."""
    parser = IppParser(limits.parser)
    try:
        message = await _read_attributes(body, parser)
    except ClientDisconnected:
        return None
    except IppParseError as exc:
        if parser.header is None:
            return HttpAnswer(400, b"not an IPP request\n", "text/plain", close=True)
        answer = _error_answer(parser.header, exc)
        answer.version = parser.header.version
        return HttpAnswer(200, encode(answer), close=not await body.drain(limits.drain_octets))
    try:
        answer = await _dispatch(printer, body, parser, uris, limits)
    except ClientDisconnected:
        return None
    except IppError as exc:
        answer = _error_answer(message, exc)
    except Exception:
        log.exception("IPP operation 0x%04x failed", message.operation_id)
        answer = response_for(message, StatusCode.SERVER_ERROR_INTERNAL_ERROR,
                              message="internal error")
    answer.version = message.version
    try:
        payload = encode(answer)
    except IppEncodeError:
        log.exception("cannot encode the answer to operation 0x%04x", message.operation_id)
        fallback = response_for(message, StatusCode.SERVER_ERROR_INTERNAL_ERROR)
        fallback.version = message.version
        payload = encode(fallback)
    return HttpAnswer(200, payload, close=not await body.drain(limits.drain_octets))
