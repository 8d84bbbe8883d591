"""Set-Printer-Attributes and Get-Printer-Supported-Values (RFC 3380), for operators.

What can be set is the text an operator shows (``PRINTER_SETTABLE``: printer-info,
printer-location, printer-message-from-operator, ...). A request is all or nothing:
one attribute that is not settable refuses it with client-error-attributes-not-settable,
one bad value with client-error-attributes-or-values-not-supported, and nothing changes.
Get-Printer-Supported-Values answers each settable attribute with ``admin-define`` (any
value of its syntax may be set) and anything else asked for with ``not-settable``.
"""

from __future__ import annotations

from printwarden.ipp.attributes import Attribute, AttributeGroup, out_of_band
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, require_operator
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.features import PRINTER_SETTABLE
from printwarden.ipp.printer.requested import requested_names
from printwarden.ipp.server.protocol import IppAttributesError, IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag
from printwarden.ipp.values import TextWithLanguage

__all__ = ["get_printer_supported_values", "set_printer_attributes"]

_S = StatusCode
_TEXT = (ValueTag.TEXT, ValueTag.TEXT_WITH_LANGUAGE)


def _value(attribute: Attribute) -> str | None:
    """The new value, or None when it is not one value of the attribute's syntax."""
    if len(attribute.values) != 1:
        return None
    value = attribute.value
    if attribute.name == "printer-geo-location":
        ok = attribute.tag == ValueTag.URI and isinstance(value, str) and (
            value.startswith("geo:") and len(value) <= 1023)
        return str(value) if ok else None
    if attribute.tag not in _TEXT:
        return None
    found = value.text if isinstance(value, TextWithLanguage) else value
    return found if isinstance(found, str) and len(found) <= 127 else None


async def set_printer_attributes(core: PrinterEngine, request: IppRequest) -> IppMessage:
    require_operator(request, "Set-Printer-Attributes")
    wanted = [a for g in request.message.groups_with(DelimiterTag.PRINTER) for a in g.values()]
    if not wanted:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "no printer attributes to set")
    fixed = [out_of_band(a.name, ValueTag.NOT_SETTABLE) for a in wanted
             if a.name not in PRINTER_SETTABLE]
    if fixed:
        raise IppAttributesError(_S.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE,
                                 "attributes not settable", fixed)
    values = {a.name: _value(a) for a in wanted}
    bad = [a for a in wanted if values[a.name] is None]
    if bad:
        raise IppAttributesError(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                                 "values not supported", bad)
    controls = core.controls
    for attribute_name, value in values.items():
        assert value is not None
        if attribute_name == "printer-message-from-operator":
            controls.message_from_operator = value
        else:
            controls.overrides[attribute_name] = value
    core.actions.controls_changed()
    core.config_changed()
    return answer(request)


async def get_printer_supported_values(core: PrinterEngine,
                                       request: IppRequest) -> IppMessage:
    require_operator(request, "Get-Printer-Supported-Values")
    requested = requested_names(request.message, default=PRINTER_SETTABLE)
    if "all" in requested or "printer-description" in requested:
        requested = frozenset(PRINTER_SETTABLE)
    attributes = [out_of_band(n, ValueTag.ADMIN_DEFINE if n in PRINTER_SETTABLE
                              else ValueTag.NOT_SETTABLE) for n in sorted(requested)]
    return answer(request, groups=[AttributeGroup(DelimiterTag.PRINTER, attributes)])
