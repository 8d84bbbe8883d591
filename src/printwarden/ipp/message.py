"""An IPP request or response: header fields and attribute groups."""

from __future__ import annotations

from dataclasses import dataclass, field

from printwarden.ipp.attributes import Attribute, AttributeGroup
from printwarden.ipp.tags import DelimiterTag

__all__ = ["IppMessage"]


@dataclass(eq=True)
class IppMessage:
    """``operation_or_status`` is the operation-id of a request, the status-code of a
    response. ``groups`` are in wire order; a tag may repeat (one job group per job in a
    Get-Jobs response)."""

    operation_or_status: int
    request_id: int
    groups: list[AttributeGroup] = field(default_factory=list)
    version: tuple[int, int] = (2, 0)

    @property
    def operation_id(self) -> int:
        return self.operation_or_status

    @property
    def status_code(self) -> int:
        return self.operation_or_status

    def group(self, tag: int) -> AttributeGroup | None:
        """The first group with ``tag``, or ``None``."""
        return next((g for g in self.groups if g.tag == tag), None)

    def groups_with(self, tag: int) -> list[AttributeGroup]:
        return [g for g in self.groups if g.tag == tag]

    def add_group(self, tag: int, attributes: tuple[Attribute, ...] = ()) -> AttributeGroup:
        group = AttributeGroup(tag, attributes)
        self.groups.append(group)
        return group

    def get(self, group_tag: int, name: str) -> Attribute | None:
        """Attribute ``name`` of the first group with ``group_tag`` that has it."""
        for group in self.groups:
            if group.tag == group_tag and name in group:
                return group[name]
        return None

    @property
    def operation_attributes(self) -> AttributeGroup | None:
        return self.group(DelimiterTag.OPERATION)

    @property
    def job_attributes(self) -> AttributeGroup | None:
        return self.group(DelimiterTag.JOB)

    @property
    def printer_attributes(self) -> AttributeGroup | None:
        return self.group(DelimiterTag.PRINTER)

    @property
    def unsupported_attributes(self) -> AttributeGroup | None:
        return self.group(DelimiterTag.UNSUPPORTED)

    @property
    def document_attributes(self) -> AttributeGroup | None:
        return self.group(DelimiterTag.DOCUMENT)
