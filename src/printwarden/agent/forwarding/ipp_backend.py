"""IPP / IPPS forwarding: ``ipp://host[:631]/path`` and ``ipps://...``.

Get-Printer-Attributes first (formats, operations, supported job template values, state),
then Create-Job + Send-Document when the printer lists both, else Print-Job; the file is
streamed as the request body. The job is then followed with Get-Job-Attributes (polling
with back-off) until it is completed, canceled or aborted. Job template attributes the
printer does not list as supported are left out and named in the result's detail.

Once the printer has accepted a job, a lost connection while following it does not make
the send retryable (that could print twice): the result is ok with a detail saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time

from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    failure,
    notify,
    printed_pages,
    read_chunks,
)
from printwarden.agent.forwarding.ipp_client import IppClient, IppTransportError
from printwarden.agent.forwarding.ipp_printer_info import (
    PRINTER_QUERY,
    RETRYABLE_STATUS,
    PrinterInfo,
    status_keyword,
    values_of,
)
from printwarden.ipp import (
    Attribute,
    DelimiterTag,
    IppMessage,
    Operation,
    boolean,
    integer,
    keyword,
    mime_media_type,
    name,
)

__all__ = ["IppForwarder"]

_JOB_QUERY = ("job-state", "job-state-reasons", "job-state-message",
              "job-impressions-completed", "job-media-sheets-completed")
_FINAL = {7: "canceled", 8: "aborted", 9: "completed"}


class IppForwarder:
    def __init__(self, uri: str, *, verify: bool | ssl.SSLContext = True,
                 timeout: float = 30.0, poll_initial: float = 0.2, poll_max: float = 5.0,
                 follow_timeout: float = 3600.0, use_create_job: bool = True,
                 credentials: tuple[str, str] | None = None) -> None:
        self.uri = uri
        self.credentials = credentials
        self.verify = verify
        self.timeout = timeout
        self.poll_initial = poll_initial
        self.poll_max = poll_max
        self.follow_timeout = follow_timeout
        self.use_create_job = use_create_job

    def _client(self, user: str = "printwarden") -> IppClient:
        return IppClient(self.uri, verify=self.verify, timeout=self.timeout, user_name=user,
                         credentials=self.credentials)

    async def status(self) -> DeviceStatus:
        try:
            async with self._client() as client:
                info = await _printer_info(client)
        except IppTransportError as exc:
            return DeviceStatus(False, "unknown", ("offline-report",), exc.detail)
        return info.device_status()

    async def send(self, job: ForwardJob, *,
                   on_status: StatusCallback | None = None) -> ForwardResult:
        if not job.document.is_file():
            return failure(f"document missing: {job.document}", retryable=False)
        try:
            async with self._client(job.username) as client:
                return await self._send(client, job, on_status)
        except IppTransportError as exc:
            notify(on_status, "offline-report" if exc.retryable else "other-error")
            return failure(exc.detail, retryable=exc.retryable)

    async def _send(self, client: IppClient, job: ForwardJob,
                    on_status: StatusCallback | None) -> ForwardResult:
        info = await _printer_info(client)
        for reason in info.reasons:
            notify(on_status, reason)
        if not info.accepting:
            return failure(f"{self.uri} is not accepting jobs", retryable=True)
        document_format = info.format_for(job.document_format)
        if document_format is None:
            return failure(f"{self.uri} does not support {job.document_format} (it takes "
                           f"{', '.join(sorted(info.formats))})", retryable=False)
        template, ignored = _job_template(job, info)
        description = [name("requesting-user-name", job.username),
                       name("job-name", job.title or job.job_id)]
        fmt = mime_media_type("document-format", document_format)
        two_step = self.use_create_job and {
            Operation.CREATE_JOB, Operation.SEND_DOCUMENT} <= info.operations
        if two_step:
            answer = await client.call(Operation.CREATE_JOB, description, template)
            job_id = _job_id(answer)
            if _failed(answer) or job_id is None:
                return _refused(answer, "Create-Job")
            answer = await client.call(
                Operation.SEND_DOCUMENT,
                [integer("job-id", job_id), description[0], fmt, boolean("last-document", True)],
                document=read_chunks(job.document))
            if _failed(answer):  # do not leave an empty job waiting on the printer
                await _cancel(client, job_id, job.username)
        else:
            answer = await client.call(Operation.PRINT_JOB, [*description, fmt], template,
                                       document=read_chunks(job.document))
            job_id = _job_id(answer)
        if _failed(answer) or job_id is None:
            return _refused(answer, "Send-Document" if two_step else "Print-Job")
        copies = job.copies if "copies" not in ignored else 1
        note = f"; not supported, left out: {', '.join(ignored)}" if ignored else ""
        return await self._follow(client, job, job_id, copies, note, on_status)

    async def _follow(self, client: IppClient, job: ForwardJob, job_id: int, copies: int,
                      note: str, on_status: StatusCallback | None) -> ForwardResult:
        delay, deadline = self.poll_initial, time.monotonic() + self.follow_timeout
        seen: set[str] = set()
        while True:
            try:
                answer = await client.call(Operation.GET_JOB_ATTRIBUTES, [
                    integer("job-id", job_id), keyword("requested-attributes", *_JOB_QUERY)])
                info = await _printer_info(client)
            except IppTransportError as exc:
                if time.monotonic() > deadline:
                    return ForwardResult(True, printed_pages(job, copies), copies,
                                         f"job {job_id} accepted, then lost contact: "
                                         f"{exc.detail}{note}", str(job_id))
                notify(on_status, "offline-report")
            else:
                for reason in set(info.reasons) - seen:
                    notify(on_status, reason)
                seen = set(info.reasons)
                state = values_of(answer, DelimiterTag.JOB, "job-state")
                if state and isinstance(state[0], int) and state[0] in _FINAL:
                    return _final(answer, _FINAL[state[0]], job, job_id, copies, note)
                if time.monotonic() > deadline:
                    return ForwardResult(True, printed_pages(job, copies), copies,
                                         f"job {job_id} still not finished after "
                                         f"{self.follow_timeout:.0f} s{note}", str(job_id))
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, self.poll_max)


async def _printer_info(client: IppClient) -> PrinterInfo:
    answer = await client.call(Operation.GET_PRINTER_ATTRIBUTES,
                               [keyword("requested-attributes", *PRINTER_QUERY)])
    if _failed(answer):
        raise IppTransportError(
            f"Get-Printer-Attributes: {status_keyword(answer.status_code)}",
            retryable=answer.status_code in RETRYABLE_STATUS)
    return PrinterInfo.from_response(answer)


def _job_template(job: ForwardJob, info: PrinterInfo) -> tuple[list[Attribute], list[str]]:
    template: list[Attribute] = []
    ignored: list[str] = []

    def offer(attribute: Attribute, supported: bool) -> None:
        if supported:
            template.append(attribute)
        else:
            ignored.append(attribute.name)

    if job.copies != 1:
        offer(integer("copies", job.copies),
              info.copies_max is None or job.copies <= info.copies_max)
    offer(keyword("sides", job.sides), job.sides in info.sides)
    if job.color_mode != "auto" or "auto" in info.color_modes:
        offer(keyword("print-color-mode", job.color_mode), job.color_mode in info.color_modes)
    if job.media:
        offer(keyword("media", job.media), job.media in info.media)
    return template, ignored


def _failed(answer: IppMessage) -> bool:
    return answer.status_code >= 0x0100


def _job_id(answer: IppMessage) -> int | None:
    found = values_of(answer, DelimiterTag.JOB, "job-id")
    return found[0] if found and isinstance(found[0], int) else None


def _refused(answer: IppMessage, step: str) -> ForwardResult:
    message = values_of(answer, DelimiterTag.OPERATION, "status-message")
    text = f" ({message[0]})" if message else ""
    code = answer.status_code
    if not _failed(answer):
        return failure(f"{step}: the printer returned no job-id", retryable=False)
    return failure(f"{step}: {status_keyword(code)}{text}", retryable=code in RETRYABLE_STATUS)


async def _cancel(client: IppClient, job_id: int, user: str) -> None:
    with contextlib.suppress(IppTransportError):  # best effort: the printer expires it anyway
        await client.call(Operation.CANCEL_JOB, [integer("job-id", job_id),
                                                 name("requesting-user-name", user)])


def _final(answer: IppMessage, state: str, job: ForwardJob, job_id: int, copies: int,
           note: str) -> ForwardResult:
    reasons = ", ".join(str(r) for r in values_of(answer, DelimiterTag.JOB, "job-state-reasons"))
    counted = [v for key in ("job-impressions-completed", "job-media-sheets-completed")
               for v in values_of(answer, DelimiterTag.JOB, key) if isinstance(v, int) and v > 0]
    known = printed_pages(job, copies)
    # A completed job printed what was sent (pages x copies); device counters often ignore
    # copies or count sheets, so they only tell how far a failed job got.
    pages = known if state == "completed" and known is not None else (
        counted[0] if counted else known)
    message = " ".join(str(m) for m in values_of(answer, DelimiterTag.JOB, "job-state-message"))
    detail = f"job {job_id} {state} ({reasons}){': ' + message if message else ''}{note}"
    if state != "completed":
        return ForwardResult(False, pages if counted else None, 0, detail, str(job_id), False)
    return ForwardResult(True, pages, copies, detail, str(job_id))

