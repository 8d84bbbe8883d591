"""Assembles the token stream of a message into groups, attributes and collections.

The parser hands it tokens one at a time: a delimiter tag, or a value (tag, name, value
octets). RFC 8010 rules applied here: a value with an empty name is another value of
the attribute before it; inside a collection, memberAttrName names the member whose
value(s) follow and endCollection closes the collection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from printwarden.ipp.attributes import Attribute, AttributeGroup
from printwarden.ipp.errors import IppParseError
from printwarden.ipp.limits import ParserLimits
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag
from printwarden.ipp.value_codec import decode_value, utf8
from printwarden.ipp.values import Collection, Value

__all__ = ["MessageBuilder"]


def _bad(message: str) -> IppParseError:
    return IppParseError(StatusCode.CLIENT_ERROR_BAD_REQUEST, message)


@dataclass(slots=True)
class _Pending:
    name: str
    tags: list[int] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)

    def build(self) -> Attribute:
        return Attribute(self.name, self.tags[0], tuple(self.values), tuple(self.tags))


@dataclass(slots=True)
class _Frame:
    owner: _Pending
    members: list[_Pending] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    awaiting_value: bool = False


class MessageBuilder:
    """Turns the token stream into groups, attributes and nested collections."""

    def __init__(self, limits: ParserLimits) -> None:
        self.limits = limits
        self.groups: list[AttributeGroup] = []
        self.done = False
        self._group_tag: int | None = None
        self._attrs: list[_Pending] = []
        self._names: set[str] = set()
        self._stack: list[_Frame] = []

    def delimiter(self, tag: int) -> None:
        if self._stack:
            raise _bad("group delimiter inside a collection (missing endCollection)")
        if tag == 0x00:
            raise _bad("reserved delimiter tag 0x00")
        if self._group_tag is not None:
            self.groups.append(AttributeGroup(self._group_tag, (a.build() for a in self._attrs)))
        if tag == DelimiterTag.END_OF_ATTRIBUTES:
            self.done = True
            return
        self._group_tag, self._attrs, self._names = tag, [], set()

    def value(self, tag: int, name: str, raw: bytes) -> None:
        if self._stack:
            self._member_token(self._stack[-1], tag, name, raw)
            return
        if self._group_tag is None:
            raise _bad("attribute before the first group tag")
        if tag in (ValueTag.MEMBER_ATTR_NAME, ValueTag.END_COLLECTION):
            raise _bad(f"tag 0x{tag:02x} outside a collection")
        if name:
            if name in self._names:
                raise _bad(f"attribute {name!r} repeated in a group")
            self._names.add(name)
            self._attrs.append(_Pending(name))
        elif not self._attrs:
            raise _bad("additional value without an attribute")
        self._add(self._attrs[-1], tag, raw)

    def _add(self, pending: _Pending, tag: int, raw: bytes) -> None:
        if tag == ValueTag.BEG_COLLECTION:
            if len(self._stack) >= self.limits.max_collection_depth:
                raise _bad(f"collections nested deeper than {self.limits.max_collection_depth}")
            self._stack.append(_Frame(pending))
            return
        pending.tags.append(tag)
        pending.values.append(decode_value(tag, raw, max_text_length=self.limits.max_text_length))

    def _member_token(self, frame: _Frame, tag: int, name: str, raw: bytes) -> None:
        if name:
            raise _bad(f"named attribute {name!r} inside a collection")
        if tag == ValueTag.END_COLLECTION:
            if frame.awaiting_value:
                raise _bad("collection member without a value")
            self._stack.pop()
            frame.owner.tags.append(ValueTag.BEG_COLLECTION)
            frame.owner.values.append(Collection(m.build() for m in frame.members))
        elif tag == ValueTag.MEMBER_ATTR_NAME:
            member = utf8(raw, "member name")
            if frame.awaiting_value or not member or member in frame.names:
                raise _bad(f"bad or repeated collection member name {member!r}")
            frame.names.add(member)
            frame.members.append(_Pending(member))
            frame.awaiting_value = True
        else:
            if not frame.members:
                raise _bad("collection value without a memberAttrName")
            frame.awaiting_value = False
            self._add(frame.members[-1], tag, raw)
