"""A small asynchronous IPP client over httpx, built on the ``printwarden.ipp`` codec.

    async with IppClient("ipp://host:631/ipp/print", verify=True) as client:
        answer = await client.call(Operation.GET_PRINTER_ATTRIBUTES, [...])

``call`` streams an optional document after the encoded request (an async iterator of
chunks, so a large file is never read whole) and returns the decoded response.
Transport problems raise ``IppTransportError`` (connection refused, timeout, an HTTP
error status, a response that is not IPP), always with ``retryable`` set: an untrusted
TLS certificate is permanent (retrying will not change it), a refused or timed-out
connection is transient.
"""

from __future__ import annotations

import itertools
import ssl
from collections.abc import AsyncIterator, Iterable
from types import TracebackType

import httpx

from printwarden.agent.forwarding.uris import parse_network_uri
from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    IppParseError,
    Operation,
    charset,
    decode,
    encode,
    name,
    natural_language,
    uri,
)

__all__ = ["IppClient", "IppTransportError", "http_url"]

_RETRYABLE_HTTP = {408, 429, 500, 502, 503, 504}


class IppTransportError(Exception):
    def __init__(self, detail: str, *, retryable: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable


def http_url(printer_uri: str) -> str:
    """``ipp://h[:631]/p`` -> ``http://h:631/p``; ``ipps://`` -> ``https://``."""
    target = parse_network_uri(printer_uri, schemes=("ipp", "ipps"), default_port=631)
    scheme = "https" if target.scheme == "ipps" else "http"
    host = f"[{target.host}]" if ":" in target.host else target.host
    return f"{scheme}://{host}:{target.port}/{target.path}"


class IppClient:
    """One HTTP connection pool to one printer URI; use as an async context manager."""

    _ids = itertools.count(1)

    def __init__(self, printer_uri: str, *, verify: bool | ssl.SSLContext = True,
                 timeout: float = 30.0, user_name: str = "printwarden",
                 credentials: tuple[str, str] | None = None) -> None:
        self.printer_uri = printer_uri
        self.url = http_url(printer_uri)
        self.user_name = user_name
        auth = httpx.BasicAuth(*credentials) if credentials else None
        self._http = httpx.AsyncClient(verify=verify, timeout=httpx.Timeout(timeout),
                                       auth=auth)

    async def __aenter__(self) -> IppClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._http.aclose()

    def request(self, operation: Operation, operation_attributes: Iterable[Attribute] = (),
                job_attributes: Iterable[Attribute] = ()) -> IppMessage:
        """A request with the leading operation attributes in place (charset, language,
        printer-uri, and requesting-user-name unless ``operation_attributes`` has one)."""
        given = list(operation_attributes)
        head = AttributeGroup(DelimiterTag.OPERATION, (
            charset("attributes-charset", "utf-8"),
            natural_language("attributes-natural-language", "en"),
            uri("printer-uri", self.printer_uri),
        ))
        if all(a.name != "requesting-user-name" for a in given):
            head.add(name("requesting-user-name", self.user_name))
        for attribute in given:
            head.add(attribute)
        request_id = next(self._ids) % 0x7FFFFFFF + 1
        message = IppMessage(int(operation), request_id, [head], (2, 0))
        job_group = AttributeGroup(DelimiterTag.JOB, job_attributes)
        if job_group:
            message.groups.append(job_group)
        return message

    async def call(self, operation: Operation, operation_attributes: Iterable[Attribute] = (),
                   job_attributes: Iterable[Attribute] = (), *,
                   document: AsyncIterator[bytes] | None = None) -> IppMessage:
        message = self.request(operation, operation_attributes, job_attributes)
        return await self.send(message, document)

    async def send(self, message: IppMessage,
                   document: AsyncIterator[bytes] | None = None) -> IppMessage:
        head = encode(message)
        headers = {"Content-Type": "application/ipp"}
        try:
            if document is None:
                response = await self._http.post(self.url, content=head, headers=headers)
            else:
                response = await self._http.post(self.url, content=_body(head, document),
                                                 headers=headers)
        except httpx.TimeoutException as exc:
            raise IppTransportError(f"timed out talking to {self.url}: {exc!r}",
                                    retryable=True) from exc
        except (httpx.TransportError, OSError) as exc:
            if _certificate_rejected(exc):
                raise IppTransportError(
                    f"{self.url}: TLS certificate not trusted ({exc}); give the printer's CA "
                    "or, for a self-signed printer, set verify=False", retryable=False) from exc
            raise IppTransportError(f"cannot reach {self.url}: {exc!r}", retryable=True) from exc
        if response.status_code != 200:
            raise IppTransportError(
                f"{self.url} answered HTTP {response.status_code}{_reason(response)}",
                retryable=response.status_code in _RETRYABLE_HTTP)
        try:
            answer, _ = decode(response.content)
        except IppParseError as exc:
            raise IppTransportError(f"{self.url} sent a response that is not IPP: {exc}",
                                    retryable=True) from exc
        return answer


def _reason(response: httpx.Response) -> str:
    """The IPP status-message a refusal carries (a 401 from a queue that requires
    authentication says why), as ``: message``; empty if there is none."""
    if response.headers.get("content-type", "").split(";")[0] != "application/ipp":
        return ""
    try:
        answer, _ = decode(response.content)
    except IppParseError:
        return ""
    found = answer.get(DelimiterTag.OPERATION, "status-message")
    return f": {found.value!s}" if found is not None and found.values else ""


def _certificate_rejected(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


async def _body(head: bytes, document: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield head
    async for chunk in document:
        yield chunk
