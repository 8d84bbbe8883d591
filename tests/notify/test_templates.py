"""Templates are checked at save (line and reason) and rendered in a bounded sandbox."""

from __future__ import annotations

import pytest

from printwarden.core.errors import ValidationError
from printwarden.notify.events import TEMPLATE_KINDS
from printwarden.notify.model import NotifySettings, backoff, settings_from
from printwarden.notify.template_defaults import DEFAULT_TEMPLATES
from printwarden.notify.templates import TemplateRefused, check, context_for, render


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_every_default_template_renders_its_sample(kind: str) -> None:
    subject, body = DEFAULT_TEMPLATES[kind]
    rendered = check(kind, subject, body)
    assert rendered.subject and "{{" not in rendered.body and "alice" in rendered.body.lower()


def test_a_syntax_error_is_refused_with_its_line() -> None:
    with pytest.raises(TemplateRefused) as refused:
        check("job.denied", "Denied", "line one\nline two\n{% if title %}no end\n")
    assert refused.value.field == "body" and refused.value.line == 3
    assert "line 3" in refused.value.message
    with pytest.raises(TemplateRefused) as bad_subject:
        check("job.denied", "{{ title ", "body")
    assert bad_subject.value.field == "subject"


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ title.__class__.__base__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].system('id') }}",
    "{{ self._TemplateReference__context }}",
    "{{ user.__class__.mro() }}",
    "{{ 'x' * 100000000 }}",
    "{{ [1] * 100000000 }}",
    "{{ 9 ** 99999999 }}",
    "{% for i in range(10**9) %}{% endfor %}",
    "{{ '{0.__class__}'.format(title) }}",
    "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}",
    "{% for a in range(3000) %}{% for b in range(3000) %}{{ a }}{% endfor %}{% endfor %}",
])
def test_template_injection_is_refused_at_save(source: str) -> None:
    with pytest.raises(TemplateRefused) as refused:
        check("job.completed", "Receipt", source)
    assert refused.value.field == "body"


def test_a_template_with_unknown_names_renders_them_empty() -> None:
    rendered = render("Hi {{ nobody }}", "{{ missing.deeper }}!", context_for({}, {}))
    assert rendered.subject == "Hi" and rendered.body == "!"


def test_a_long_subject_or_source_is_refused() -> None:
    with pytest.raises(TemplateRefused, match="longer than"):
        check("job.denied", "s" * 301, "body")
    with pytest.raises(TemplateRefused, match="longer than"):
        check("job.denied", "s", "b" * 20_001)
    with pytest.raises(TemplateRefused, match="subject is required"):
        check("job.denied", "  ", "body")


def test_the_subject_is_one_line_even_when_data_carries_newlines() -> None:
    rendered = render("{{ title }}", "", context_for({}, {"title": "a\r\nBcc: x@y"}))
    assert rendered.subject == "a Bcc: x@y"


@pytest.mark.parametrize("value", ["\u0665\u0668\u0667", "\uff15\uff18\uff17", "587.0", "-1",
                                   "70000", "1e3", True])
def test_the_smtp_port_takes_ascii_digits_in_range_only(value: object) -> None:
    with pytest.raises(ValidationError):
        settings_from({"smtp_port": value}, NotifySettings())


def test_settings_keep_the_password_unless_changed_or_cleared() -> None:
    first = settings_from({"smtp_host": "mail", "smtp_from": "p@example.org",
                           "smtp_password": "s3cret", "smtp_port": "465",
                           "smtp_tls": "ssl"}, NotifySettings())
    assert first.smtp.port == 465 and first.smtp.password == "s3cret"
    assert "s3cret" not in str(first.public()) and first.public()["smtp_password_set"]
    kept = settings_from({"smtp_host": "mail2", "smtp_password": ""}, first)
    assert kept.smtp.password == "s3cret" and kept.smtp.host == "mail2"
    cleared = settings_from({"smtp_password_clear": True}, kept)
    assert cleared.smtp.password == ""
    with pytest.raises(ValidationError):
        settings_from({"smtp_tls": "maybe"}, first)
    with pytest.raises(ValidationError):
        settings_from({"smtp_host": "mail\r\nRCPT TO:<x>"}, first)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n, 30).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(10**6, 30).total_seconds() == 6 * 3600
