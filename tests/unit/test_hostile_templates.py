"""A corpus of hostile templates: each renders inert or is refused, within time and size.

An accountant's template folder may be shared, copied from the internet, or tampered
with; rendering it must never reach Python internals, run away with the CPU, or build
an enormous message. Each refusal is a TemplateError naming the file, which
`tahseel check` reports before any run.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mailer.errors import TemplateError
from mailer.render import Renderer
from mailer.sandbox import MAX_SECONDS

CONTEXT = {"customer": {"name": "Al Waha"}, "invoice": {"number": "INV-1"}}

REFUSED = {
    "traversal": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ lipsum.__globals__ if lipsum else cycler.__init__.__globals__ }}",
    "attr filter": "{{ customer|attr('__class__') }}",
    "format string": "{{ '{0.__class__.__init__.__globals__}'.format(customer) }}",
    "format map": "{{ '{a.__class__}'.format_map({'a': customer}) }}",
    "mutation": "{{ customer.update({'name': 'x'}) }}{{ customer.name }}",
    "huge range": "{% for i in range(10**9) %}x{% endfor %}",
    "huge power": "{{ 2 ** 10000000 }}",
    "huge repetition": "{{ 'x' * 10**9 }}",
    "huge output": "{% for i in range(99999) %}{{ 'xxxxxxxxxx' }}{% endfor %}",
    "recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}",
    "nested loops": (
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    ),
    "loop over a long string": (
        "{% set s = 'ab' * 30000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}"
    ),
    "undefined": "{{ invoice.total_amount }}",
    "import": "{% import 'os' as os %}",
    "include outside": "{% include '../../../../etc/passwd' %}",
}

INERT = {
    "percent formatting": ("{{ '%s' % customer.name }}", "Al Waha"),
    "escaped html": ("{{ '<script>' }}", "<script>"),
    "dunder as text": ("{{ '__class__' }}", "__class__"),
}


def renderer_with(tmp_path: Path, text: str) -> Renderer:
    for part, body in (("subject.txt", "Hello"), ("txt", text), ("html", "<p>x</p>")):
        path = tmp_path / "en" / f"probe.{part}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return Renderer([tmp_path])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_template_is_refused_in_time(tmp_path: Path, name: str) -> None:
    renderer = renderer_with(tmp_path, REFUSED[name])
    started = time.monotonic()
    with pytest.raises(TemplateError) as caught:
        renderer.render("probe", "en", CONTEXT)
    elapsed = time.monotonic() - started
    # The message names the template, or the one it tried to pull in.
    assert "probe.txt" in str(caught.value) or "template not found" in str(caught.value)
    # The cap itself, not a speed claim: a runaway template is stopped by the deadline.
    assert elapsed < MAX_SECONDS + 5
    assert renderer.check("probe", "en", CONTEXT) != []


@pytest.mark.parametrize("name", sorted(INERT))
def test_harmless_tricks_render_as_text(tmp_path: Path, name: str) -> None:
    text, expected = INERT[name]
    assert renderer_with(tmp_path, text).render("probe", "en", CONTEXT).text.strip() == expected
