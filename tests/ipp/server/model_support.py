"""Driving the printer model in-process: requests as a given user or operator, one event
loop for a whole scenario (so jobs that "print" for a while keep printing between
requests), and a clock the test moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    decode,
    encode,
    validate_request,
)
from printwarden.ipp.errors import IppError
from printwarden.ipp.printer import IppPrinter, PrinterClock
from printwarden.ipp.server import IppAttributesError, IppRequest, Requester
from tests.ipp.server.support import operation_group

PRINTER_URI = "ipp://127.0.0.1:631/ipp/print/model"
OPERATOR = Requester("olga", operator=True)


@dataclass
class FakeTime:
    """A monotonic clock the test advances (seconds)."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def clock(self) -> PrinterClock:
        return PrinterClock(monotonic=self, wall=lambda: dt.datetime(2026, 1, 2, tzinfo=dt.UTC))


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start:start + 1000]


@dataclass
class Client:
    """Sends requests to ``printer`` as ``user`` (``requester`` overrides who asks)."""

    printer: IppPrinter
    user: str = "alice"
    requester: Requester | None = None
    groups: list[AttributeGroup] = field(default_factory=list)

    def as_(self, user: str) -> Client:
        return Client(self.printer, user)

    def as_operator(self) -> Client:
        return Client(self.printer, OPERATOR.user or "olga", OPERATOR)

    async def __call__(self, operation: int, *operation_attributes: Attribute,
                       document: bytes = b"", job: Iterable[Attribute] = (),
                       groups: Iterable[AttributeGroup] = (),
                       printer_group: Iterable[Attribute] = ()) -> IppMessage:
        message_groups = [operation_group(PRINTER_URI, *operation_attributes, user=self.user)]
        job_attributes = list(job)
        if job_attributes:
            message_groups.append(AttributeGroup(DelimiterTag.JOB, job_attributes))
        printer_attributes = list(printer_group)
        if printer_attributes:
            message_groups.append(AttributeGroup(DelimiterTag.PRINTER, printer_attributes))
        message_groups.extend(groups)
        # through the codec, as a client's request would arrive
        message = decode(encode(IppMessage(operation, 1, message_groups, (2, 0))))[0]
        valid = validate_request(message, operations=self.printer.operations_supported)
        request = IppRequest(message, valid, PRINTER_URI, "http://127.0.0.1:631/ipp/print/model",
                             _chunks(document), self.requester)
        try:
            return await self.printer.handle(request)
        except IppAttributesError as exc:
            answer = IppMessage(exc.status, 1, [AttributeGroup(DelimiterTag.OPERATION)])
            answer.add_group(DelimiterTag.UNSUPPORTED, exc.unsupported)
            return answer
        except IppError as exc:
            return IppMessage(exc.status, 1, [AttributeGroup(DelimiterTag.OPERATION)])


def value(answer: IppMessage, group: int, attribute_name: str) -> object:
    found = answer.get(group, attribute_name)
    return None if found is None else found.value


def values(answer: IppMessage, group: int, attribute_name: str) -> tuple[object, ...]:
    found = answer.get(group, attribute_name)
    return () if found is None else found.values


def job_id(answer: IppMessage) -> int:
    found = value(answer, DelimiterTag.JOB, "job-id")
    assert isinstance(found, int), answer
    return found
