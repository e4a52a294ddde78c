"""Compiled templates kept on disk: used when they fit, never when stale or damaged."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from mailer import compiled
from mailer.compiled import Compiled, code_version, default_cache_dir
from mailer.render import Renderer

CONTEXT = {"name": "Nakheel", "amount": Decimal("10.50")}


def write(folder: Path, body: str) -> Path:
    (folder / "en").mkdir(parents=True, exist_ok=True)
    (folder / "en" / "hello.subject.txt").write_text("Hello {{ name }}", encoding="utf-8")
    (folder / "en" / "hello.txt").write_text(body, encoding="utf-8")
    (folder / "en" / "hello.html").write_text("<p>{{ name }}</p>", encoding="utf-8")
    return folder


def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the template sources compiled from here on."""
    seen: list[str] = []
    real = Renderer._environment

    def counting(self: Renderer, *args: object):  # type: ignore[no-untyped-def]
        env = real(self, *args)
        if not getattr(env, "_counted", False):
            compile_ = env.compile

            def counted(source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
                seen.append(name)
                return compile_(source, name, filename, raw, defer_init)

            env.compile = counted  # type: ignore[method-assign]
            env._counted = True  # type: ignore[attr-defined]
        return env

    monkeypatch.setattr(Renderer, "_environment", counting)
    return seen


def test_a_later_renderer_reads_the_compiled_code_instead_of_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = write(tmp_path / "t", "Dear {{ name }}, {{ amount | money('SAR') }}")
    cache = tmp_path / "cache"
    seen = compiles(monkeypatch)
    first = Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    assert sorted(seen) == ["en/hello.html", "en/hello.subject.txt", "en/hello.txt"]
    assert len(list(cache.glob("*/*.cache"))) == 3
    seen.clear()
    again = Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    assert seen == []
    assert again == first


def test_a_changed_template_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = write(tmp_path / "t", "Dear {{ name }}")
    cache = tmp_path / "cache"
    Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    write(templates, "Welcome {{ name }}")
    seen = compiles(monkeypatch)
    rendered = Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    assert rendered.text.strip() == "Welcome Nakheel"
    assert seen == ["en/hello.txt"]


def test_a_damaged_cache_file_is_compiled_again(tmp_path: Path) -> None:
    templates = write(tmp_path / "t", "Dear {{ name }}")
    cache = tmp_path / "cache"
    Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    for file in cache.glob("*/*.cache"):
        file.write_bytes(file.read_bytes()[:20] + b"\x00garbage")
    rendered = Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    assert rendered.text.strip() == "Dear Nakheel"


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_can_write_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert Compiled(shared).folder is None
    assert Compiled(tmp_path / "new").folder == tmp_path / "new" / code_version()
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_an_unwritable_folder_only_costs_the_cache(tmp_path: Path) -> None:
    templates = write(tmp_path / "t", "Dear {{ name }}")
    blocked = tmp_path / "file"
    blocked.write_text("in the way", encoding="utf-8")
    renderer = Renderer([templates], cache_dir=blocked / "cache")
    assert renderer.render("hello", "en", CONTEXT).text.strip() == "Dear Nakheel"


def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "tahseel" / "templates"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "tahseel" / "templates"
    assert compiled.default_cache_dir is default_cache_dir


def test_another_version_of_the_compiler_does_not_read_this_ones_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same template source, but the environment compiles differently (a new finalize):
    # code compiled by the old version must not be used.
    templates = write(tmp_path / "t", "Dear {{ name }}")
    cache = tmp_path / "cache"
    Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    monkeypatch.setattr(compiled, "code_version", lambda: "another-version")
    seen = compiles(monkeypatch)
    Renderer([templates], cache_dir=cache).render("hello", "en", CONTEXT)
    assert sorted(seen) == ["en/hello.html", "en/hello.subject.txt", "en/hello.txt"]
