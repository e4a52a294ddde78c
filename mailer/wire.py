"""Writing a composed message's MIME text directly, byte for byte as the email package does.

``compose`` builds most messages here instead of through ``EmailMessage.set_content``,
the header registry and the generator, which cost about 2 ms a message. The text written
is the email package's own, exactly: the same header folding, the same body encodings
(7bit, quoted-printable and base64 chosen and wrapped by the same rules), the same
random boundaries drawn in the same order at the first serialisation, and the same
check that a boundary does not occur in the parts. ``tests/unit/test_compose_wire.py``
compares the two byte for byte over a varied corpus.

The result is a ``WireMessage``: a real ``EmailMessage`` whose headers are set at once
(as raw, already folded values, read through the normal header registry) and whose
parts are parsed back from its own bytes only when a caller first reaches for them.
"""

from __future__ import annotations

import binascii
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy as email_policy
from email import quoprimime
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

#: Lines in a body part are wrapped at this length, as the SMTP policy does.
_MAX_LINE = 78
#: Bytes quoted-printable always escapes.
_HIGH_BYTES = bytes(range(128, 256))
#: The generator's boundary: 15 ``=``, a zero-padded random number, ``==``.
_TOKEN_DIGITS = len(repr(sys.maxsize - 1))


@dataclass(frozen=True, slots=True)
class Part:
    """One leaf part: its header lines (name, value) and its encoded payload.

    ``payload`` ends its lines with LF; the line separator is applied when written.
    """

    headers: tuple[tuple[str, str], ...]
    payload: str


@dataclass(frozen=True, slots=True)
class Multipart:
    """A multipart/``subtype`` part whose boundary is drawn when first written."""

    subtype: str
    parts: tuple[Part | Multipart, ...]


def encode_text(text: str, cte: str | None) -> tuple[str, str]:
    """Encode ``text`` as UTF-8 the way ``set_content(text, charset="utf-8", cte=cte)`` does.

    Returns:
        The Content-Transfer-Encoding chosen and the payload, its lines ending with LF.
    """
    lines = text.encode("utf-8").splitlines()
    if cte is None:
        if max((len(x) for x in lines), default=0) <= _MAX_LINE:
            try:
                return "7bit", (b"\n".join(lines) + b"\n").decode("ascii")
            except UnicodeDecodeError:
                pass
            # The SMTP policy allows 8bit: the email package would send 8bit here.
            return "8bit", (b"\n".join(lines) + b"\n").decode("ascii", "surrogateescape")
        sniff = b"\r\n".join(lines[:10]) + b"\r\n"
        sniff_b64 = len(binascii.b2a_base64(sniff))
        # Quoted-printable writes each byte past 127 as three characters and each CRLF
        # as one, so this is the least it can take; when base64 is shorter even than
        # that, it wins without the slower quoted-printable encoding being tried.
        high = len(sniff) - len(sniff.translate(None, _HIGH_BYTES))
        if len(sniff) + 2 * high - min(len(lines), 10) > sniff_b64:
            cte = "base64"
        else:
            sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), _MAX_LINE)
            if len(sniff_qp) > sniff_b64:
                cte = "base64"
            else:
                cte = "quoted-printable"
                if len(lines) <= 10:
                    return cte, sniff_qp
    if cte == "quoted-printable":
        body = (b"\n".join(lines) + b"\n").decode("latin-1")
        return cte, quoprimime.body_encode(body, _MAX_LINE)
    if cte == "base64":
        return cte, encode_base64(b"\r\n".join(lines) + b"\r\n")
    raise ValueError(f"unsupported transfer encoding: {cte}")


def encode_base64(data: bytes) -> str:
    """Base64 in lines of 76 characters, each ending with LF, as the email package writes."""
    step = _MAX_LINE // 4 * 3
    return "".join(
        binascii.b2a_base64(data[i : i + step]).decode("ascii") for i in range(0, len(data), step)
    )


def _lines(text: str, nl: str) -> str:
    """``text`` with every line ending (CRLF, CR or LF) written as ``nl``, as the generator does."""
    if not text:
        return ""
    pieces = re.split(r"\r\n|\r|\n", text)
    return nl.join(pieces) if pieces[-1] else nl.join(pieces[:-1]) + nl


def _header(name: str, value: str, nl: str) -> str:
    """One header as the generator writes a raw (already folded) value."""
    return f"{name}: {nl.join(value.splitlines())}{nl}"


def _content_type(subtype: str, boundary: str) -> str:
    """The folded value of a multipart Content-Type, as ``set_boundary`` leaves it."""
    value = f'multipart/{subtype}; boundary="{boundary}"'
    if len(boundary) == 15 + _TOKEN_DIGITS + 2:
        if len("Content-Type: ") + len(value) <= _MAX_LINE:
            return value
        return f'multipart/{subtype};\n boundary="{boundary}"'
    # A boundary lengthened against a collision: let the header registry fold it.
    folded: str = email_policy.SMTP.header_factory("Content-Type", value).fold(
        policy=email_policy.SMTP.clone(linesep="\n")
    )
    return folded.split(": ", 1)[1].rstrip("\n")


def _draw_boundary(text: bytes) -> str:
    """``Generator._make_boundary`` with ``text``: the same draw, the same collision rule."""
    token = random.randrange(sys.maxsize)
    boundary = "=" * 15 + f"{token:0{_TOKEN_DIGITS}d}" + "=="
    found, counter = boundary, 0
    while ("--" + found).encode() in text and re.search(
        ("^--" + re.escape(found) + "(--)?$").encode("ascii"), text, re.MULTILINE
    ):
        found = f"{boundary}.{counter}"
        counter += 1
    return found


class WireMessage(EmailMessage):
    """An ``EmailMessage`` whose MIME text is written directly (see the module docstring).

    Headers are ordinary: reading, adding or removing them works as on any message and
    shows in the bytes. The body tree (``get_payload``, ``walk``, ``iter_parts``...) is
    parsed from the message's own bytes the first time it is used; from then on the
    message is serialised by the email package's generator, with the same boundaries.
    """

    def __init__(self, policy: Any, headers: Sequence[tuple[str, str]], body: Multipart) -> None:
        super().__init__(policy=policy)
        del self.__dict__["_payload"]  # built on first use, see __getattr__
        self._wire_body: Multipart | None = body
        self._wire_boundaries: dict[str, str] = {}
        for name, value in headers:
            self.set_raw(name, value)

    def __getattr__(self, name: str) -> Any:
        # Reached only for attributes not set: the payload before its first use.
        if name == "_payload" and self.__dict__.get("_wire_body") is not None:
            self._materialise()
            return self.__dict__["_payload"]
        raise AttributeError(name)

    def _materialise(self) -> None:
        # Parsed from the LF form, the parts hold the payloads set_content() stores.
        data = self.as_bytes(policy=self.policy.clone(linesep="\n"))
        parsed = BytesParser(policy=self.policy).parsebytes(data)
        self.__dict__["_payload"] = parsed.get_payload()
        self._wire_body = None

    def as_bytes(self, unixfrom: bool = False, policy: Any = None) -> bytes:
        """The message's bytes; written directly until the body tree is first used."""
        use = self.policy if policy is None else policy
        if (
            self.__dict__.get("_wire_body") is None
            or unixfrom
            or use.linesep not in ("\r\n", "\n")
            or _differs(use, self.policy)
        ):
            return super().as_bytes(unixfrom=unixfrom, policy=policy)
        nl = use.linesep
        body = self._write(self._wire_body, nl, top=True)  # type: ignore[arg-type]
        head = "".join(
            _header(name, value, nl)
            if isinstance(value, str)
            else use.fold_binary(name, value).decode("ascii")
            for name, value in self._headers
        )
        return head.encode("ascii") + nl.encode("ascii") + body

    def __bytes__(self) -> bytes:
        return self.as_bytes()

    def _set_content_type(self, value: str) -> None:
        """Give the top Content-Type its boundary in place, as ``set_boundary`` does."""
        for i, (name, _) in enumerate(self._headers):
            if name.lower() == "content-type":
                self._headers[i] = (name, value)
                return
        raise KeyError("Content-Type")

    def _write(self, part: Part | Multipart, nl: str, *, top: bool = False) -> bytes:
        """Write ``part``'s body (and, below the top, its headers) as the generator does."""
        if isinstance(part, Part):
            head = "".join(_header(name, value, nl) for name, value in part.headers)
            return (head + nl + _lines(part.payload, nl)).encode("ascii")
        texts = [self._write(p, nl) for p in part.parts]
        key = part.subtype  # unique in a message: mixed holds alternative
        boundary = self._wire_boundaries.get(key)
        if boundary is None:
            boundary = self._wire_boundaries[key] = _draw_boundary(nl.encode().join(texts))
            if top:
                self._set_content_type(_content_type(part.subtype, boundary))
        delimiter = f"{nl}--{boundary}{nl}".encode("ascii")
        body = f"--{boundary}{nl}".encode("ascii") + delimiter.join(texts)
        body += f"{nl}--{boundary}--{nl}".encode("ascii")
        if top:
            return body
        head = _header("Content-Type", _content_type(part.subtype, boundary), nl) + nl
        return head.encode("ascii") + body


def _differs(given: Any, own: Any) -> bool:
    """True when ``given`` would write the message otherwise than ``own`` (line ends aside)."""
    if given is own:
        return False
    mine = {k: v for k, v in vars(own).items() if k != "linesep"}
    theirs = {k: v for k, v in vars(given).items() if k != "linesep"}
    return mine != theirs
