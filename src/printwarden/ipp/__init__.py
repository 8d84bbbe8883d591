"""IPP protocol core: the RFC 8010 codec and RFC 8011 request rules, sans-I/O.

No sockets, no asyncio, no HTTP here: the IPP server and client drive these pieces.

    encode(message) -> bytes            decode(data) -> (message, document_offset)
    IppParser().feed(chunk) -> complete ... .message, .leftover (start of document data)
    validate_request(message) -> ValidRequest | IppRequestError(status, message)
    response_for(request, status, ...) -> IppMessage

Errors (see ``errors``): IppError > IppParseError, IppEncodeError, IppRequestError; each
carries the IPP status code to answer.
"""

from printwarden.ipp.attributes import (
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
from printwarden.ipp.codec import decode, encode
from printwarden.ipp.errors import IppEncodeError, IppError, IppParseError, IppRequestError
from printwarden.ipp.limits import ParserLimits
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation
from printwarden.ipp.parser import IppParser, MessageHeader
from printwarden.ipp.request import (
    JOB_OPERATIONS,
    SUPPORTED_VERSIONS,
    UNTARGETED_OPERATIONS,
    ValidRequest,
    response_for,
    validate_request,
)
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag
from printwarden.ipp.values import (
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
