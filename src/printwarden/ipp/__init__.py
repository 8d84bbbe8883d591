"""IPP protocol core: the RFC 8010 codec and RFC 8011 request rules, sans-I/O.

No sockets, no asyncio, no HTTP here: the IPP server and client drive these pieces.

    encode(message) -> bytes            decode(data) -> (message, document_offset)
    IppParser().feed(chunk) -> complete ... .message, .leftover (start of document data)
    validate_request(message) -> ValidRequest | IppRequestError(status, message)
    response_for(request, status, ...) -> IppMessage

Errors (see ``errors``): IppError > IppParseError, IppEncodeError, IppRequestError; each
carries the IPP status code to answer.
"""

from .attributes import (
    Attribute,
    AttributeGroup,
    attr,
    boolean,
    charset,
    collection,
    enum,
    integer,
    keyword,
    mime_media_type,
    name,
    natural_language,
    octet_string,
    out_of_band,
    tag_for,
    text,
    uri,
)
from .codec import decode, encode
from .errors import IppEncodeError, IppError, IppParseError, IppRequestError
from .limits import ParserLimits
from .message import IppMessage
from .operations import Operation
from .parser import IppParser, MessageHeader
from .request import (
    JOB_OPERATIONS,
    SUPPORTED_VERSIONS,
    UNTARGETED_OPERATIONS,
    ValidRequest,
    response_for,
    validate_request,
)
from .status import StatusCode
from .tags import DelimiterTag, ValueTag
from .values import (
    Collection,
    NameWithLanguage,
    OutOfBand,
    RangeOfInteger,
    Resolution,
    ResolutionUnits,
    TextWithLanguage,
    Value,
)

__all__ = [
    "JOB_OPERATIONS",
    "SUPPORTED_VERSIONS",
    "UNTARGETED_OPERATIONS",
    "Attribute",
    "AttributeGroup",
    "Collection",
    "DelimiterTag",
    "IppEncodeError",
    "IppError",
    "IppMessage",
    "IppParseError",
    "IppParser",
    "IppRequestError",
    "MessageHeader",
    "NameWithLanguage",
    "Operation",
    "OutOfBand",
    "ParserLimits",
    "RangeOfInteger",
    "Resolution",
    "ResolutionUnits",
    "StatusCode",
    "TextWithLanguage",
    "ValidRequest",
    "Value",
    "ValueTag",
    "attr",
    "boolean",
    "charset",
    "collection",
    "decode",
    "encode",
    "enum",
    "integer",
    "keyword",
    "mime_media_type",
    "name",
    "natural_language",
    "octet_string",
    "out_of_band",
    "response_for",
    "tag_for",
    "text",
    "uri",
    "validate_request",
]
