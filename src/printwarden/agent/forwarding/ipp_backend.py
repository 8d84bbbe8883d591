"""IPP / IPPS forwarding: ``ipp://host[:631]/path`` and ``ipps://...``.

Get-Printer-Attributes first (formats, operations, supported job template values, state),
then Create-Job + Send-Document when the printer lists both, else Print-Job; the file is
streamed as the request body. The job is then followed with Get-Job-Attributes (polling
with back-off) until it is completed, canceled or aborted. Job template attributes the
printer does not list as supported are left out and named in the result's detail.

Once the printer has accepted a job, a lost connection while following it does not make
the send retryable (that could print twice): the job is followed until the printer
answers again; a printer that no longer knows the job (it restarted) ends it ``lost``.
A cancel (``ForwardJob.cancel``) stops the upload, or sends Cancel-Job and follows the job
to its end, so what printed before the cancel is known.
"""

from __future__ import annotations

import ssl
import time

from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    TransferCancelled,
    cancelled,
    failure,
    notify,
    printed_pages,
    read_chunks,
    wait_or_cancel,
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
    StatusCode,
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
        if job.resume_remote_id is None and not job.document.is_file():
            return failure(f"document missing: {job.document}", retryable=False)
        try:
            async with self._client(job.username) as client:
                if job.resume_remote_id is not None:
                    return await self._resume(client, job, on_status)
                return await self._send(client, job, on_status)
        except IppTransportError as exc:
            notify(on_status, "offline-report" if exc.retryable else "other-error")
            return failure(exc.detail, retryable=exc.retryable)

    async def _resume(self, client: IppClient, job: ForwardJob,
                      on_status: StatusCallback | None) -> ForwardResult:
        """Follow the job the device accepted before the agent restarted (never resend)."""
        remote = job.resume_remote_id or ""
        if not remote.isdigit():
            return ForwardResult(False, None, 0, f"cannot follow device job {remote!r}",
                                 remote, lost=True)
        return await self._follow(client, job, int(remote), job.copies,
                                  " (followed again after an agent restart)", on_status)

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
        if job.cancel_requested:
            return cancelled("cancelled before it was sent")
        template, ignored = _job_template(job, info)
        description = [name("requesting-user-name", job.username),
                       name("job-name", job.title or job.job_id)]
        fmt = mime_media_type("document-format", document_format)
        two_step = self.use_create_job and {
            Operation.CREATE_JOB, Operation.SEND_DOCUMENT} <= info.operations
        created: int | None = None
        try:
            if two_step:
                answer = await client.call(Operation.CREATE_JOB, description, template)
                created = _job_id(answer)
                if _failed(answer) or created is None:
                    return _refused(answer, "Create-Job")
                answer = await client.call(
                    Operation.SEND_DOCUMENT,
                    [integer("job-id", created), description[0], fmt,
                     boolean("last-document", True)],
                    document=read_chunks(job.document, cancel=job.cancel))
                if _failed(answer):  # do not leave an empty job waiting on the printer
                    await _cancel(client, created, job.username)
            else:
                answer = await client.call(Operation.PRINT_JOB, [*description, fmt], template,
                                           document=read_chunks(job.document,
                                                                cancel=job.cancel))
        except TransferCancelled:
            if created is not None:
                await _cancel(client, created, job.username)
            return cancelled("cancelled while it was being sent: the printer was told to "
                             "drop it", 0, None if created is None else str(created))
        job_id = _job_id(answer)
        if _failed(answer) or job_id is None:
            return _refused(answer, "Send-Document" if two_step else "Print-Job")
        if job.on_accepted is not None:
            await job.on_accepted(str(job_id))
        copies = job.copies if "copies" not in ignored else 1
        note = f"; not supported, left out: {', '.join(ignored)}" if ignored else ""
        return await self._follow(client, job, job_id, copies, note, on_status)

    async def _follow(self, client: IppClient, job: ForwardJob, job_id: int, copies: int,
                      note: str, on_status: StatusCallback | None) -> ForwardResult:
        """Poll the device's job until it ends. A cancel is passed on (Cancel-Job) and the
        job followed to its end; a device that forgot the job (restarted) ends it ``lost``
        with the impressions it last reported."""
        delay, deadline = self.poll_initial, time.monotonic() + self.follow_timeout
        seen: set[str] = set()
        reported: int | None = None
        told_to_cancel = False
        while True:
            if job.cancel_requested and not told_to_cancel:
                told_to_cancel = await _cancel(client, job_id, job.username)
            try:
                answer = await client.call(Operation.GET_JOB_ATTRIBUTES, [
                    integer("job-id", job_id), keyword("requested-attributes", *_JOB_QUERY)])
                info = await _printer_info(client)
            except IppTransportError as exc:
                if time.monotonic() > deadline:
                    return _lost(job_id, reported, f"lost contact with the printer after it "
                                 f"accepted job {job_id}: {exc.detail}{note}")
                notify(on_status, "offline-report")
            else:
                if answer.status_code == StatusCode.CLIENT_ERROR_NOT_FOUND:
                    return _lost(job_id, reported, f"the printer no longer knows job "
                                 f"{job_id} (it restarted){note}")
                for reason in set(info.reasons) - seen:
                    notify(on_status, reason)
                seen = set(info.reasons)
                reported = _impressions(answer) or reported
                state = values_of(answer, DelimiterTag.JOB, "job-state")
                if state and isinstance(state[0], int) and state[0] in _FINAL:
                    final = _final(answer, _FINAL[state[0]], job, job_id, copies, note)
                    if told_to_cancel and state[0] == 7:
                        return cancelled(final.detail, _impressions(answer), str(job_id))
                    return final
                if time.monotonic() > deadline:
                    return _lost(job_id, reported, f"job {job_id} still not finished after "
                                 f"{self.follow_timeout:.0f} s{note}")
            if await wait_or_cancel(job, delay):
                delay = self.poll_initial
            else:
                delay = min(delay * 1.5, self.poll_max)


def _impressions(answer: IppMessage) -> int | None:
    found = [v for v in values_of(answer, DelimiterTag.JOB, "job-impressions-completed")
             if isinstance(v, int) and not isinstance(v, bool) and v > 0]
    return found[0] if found else None


def _lost(job_id: int, reported: int | None, detail: str) -> ForwardResult:
    return ForwardResult(False, reported, 0, detail, str(job_id), lost=True)


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
    return failure(f"{step}: {status_keyword(code)}{text}", retryable=_retryable(code))


def _retryable(code: int) -> bool:
    """Only a client-error (4xx-class) refusal is permanent: a server-error means the
    printer cannot take the job now (busy, stopped, out of paper, warming up)."""
    return code in RETRYABLE_STATUS or code >= 0x0500


async def _cancel(client: IppClient, job_id: int, user: str) -> bool:
    """Cancel-Job at the device; answers whether the request reached it (a job that has
    already ended answers not-possible, which also counts as told)."""
    try:
        await client.call(Operation.CANCEL_JOB, [integer("job-id", job_id),
                                                 name("requesting-user-name", user)])
    except IppTransportError:
        return False
    return True


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

