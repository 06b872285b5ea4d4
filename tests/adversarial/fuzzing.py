"""Tools for fuzzing the app's forms the way a browser (or an attacker with curl) sends them.

- `post_patterns()` walks the URL resolver for every pattern whose view can take a POST.
- `parse_forms()` reads the `<form method="post">` elements of a page: field names, kinds,
  options, the page's own values (hidden fields, the CSRF token).
- `submission()` is a Hypothesis strategy of hostile submissions of one form.
- `encode()` writes a submission as the request body a browser would send, byte for byte:
  a lone surrogate, which no browser can send as text, arrives as the invalid UTF-8 bytes of
  its WTF-8 form (ED A0 80), and `as_received()` is what Django makes of those bytes.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_from_bytes, urljoin, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# --- The patterns that take a POST --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    view: Any
    module: str

    @property
    def takes_kwargs(self) -> bool:
        return "<" in self.route


def _takes_post(callback: Any) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return True  # a function view: only its code knows; assume it may
    return hasattr(view_class, "post") and "post" in view_class.http_method_names


def all_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(patterns: Iterable[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                callback = p.callback
                module = getattr(getattr(callback, "view_class", callback), "__module__", "")
                name = f"{namespace}{p.name}" if p.name else f"{prefix}{p.pattern}"
                found.append(Pattern(name, prefix + str(p.pattern), callback, module))

    walk(get_resolver().url_patterns, "", "")
    return found


def post_patterns() -> list[Pattern]:
    return [p for p in all_patterns() if _takes_post(p.view)]


# --- Reading forms ------------------------------------------------------------------------

TEXT_KINDS = {"text", "textarea", "email", "url", "tel", "search", "password"}
TYPED_KINDS = TEXT_KINDS | {"number", "date", "time", "datetime-local", "month", "week"}


@dataclasses.dataclass
class Field:
    name: str
    kind: str
    value: str = ""
    options: list[str] = dataclasses.field(default_factory=list)
    multiple: bool = False
    checked: list[str] = dataclasses.field(default_factory=list)
    autocomplete: str = ""

    @property
    def typed(self) -> bool:
        return self.kind in TYPED_KINDS

    @property
    def secret(self) -> bool:
        """A password or a one-time code: never written back into the page."""
        return self.kind == "password" or self.autocomplete == "one-time-code"


@dataclasses.dataclass
class Form:
    action: str  # a path
    enctype: str
    fields: dict[str, Field]
    csrf: str
    page: str = ""
    attrs: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def signature(self) -> tuple[str, ...]:
        return tuple(sorted(f"{f.name}:{f.kind}" for f in self.fields.values()))

    @property
    def multipart(self) -> bool:
        return "multipart" in self.enctype or any(f.kind == "file" for f in self.fields.values())


class _FormParser(HTMLParser):
    def __init__(self, page: str, method: str = "post") -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.method = method
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: Field | None = None

    def _add(self, field: Field) -> None:
        assert self._form is not None
        existing = self._form.fields.get(field.name)
        if existing is None:
            self._form.fields[field.name] = field
            return
        # A checkbox or radio group, or several submit buttons of one name.
        existing.options.extend(field.options)
        existing.checked.extend(field.checked)
        if existing.kind == "checkbox":
            existing.multiple = True

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag == "form":
            if attrs.get("method", "get").lower() == self.method:
                action = urljoin(self.page, attrs.get("action") or self.page)
                self._form = Form(
                    action=urlsplit(action).path
                    + (f"?{q}" if (q := urlsplit(action).query) else ""),
                    enctype=attrs.get("enctype", "application/x-www-form-urlencoded"),
                    fields={},
                    csrf="",
                    page=self.page,
                    attrs=attrs,
                )
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            value = attrs.get("value", "")
            if name == "csrfmiddlewaretoken":
                self._form.csrf = value
                return
            if kind in {"checkbox", "radio"}:
                on = value or "on"
                self._add(
                    Field(name, kind, options=[on], checked=[on] if "checked" in attrs else [])
                )
            elif kind in {"submit", "image", "button"}:
                if kind != "button":
                    self._add(Field(name, "submit", options=[value]))
            elif kind != "reset":
                self._add(
                    Field(name, kind, value=value, autocomplete=attrs.get("autocomplete", ""))
                )
        elif tag == "button" and name and attrs.get("type", "submit") == "submit":
            self._add(Field(name, "submit", options=[attrs.get("value", "")]))
        elif tag == "select" and name:
            self._select = Field(name, "select", multiple="multiple" in attrs)
            self._add(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "text": "",
                "selected": "selected" in attrs,
            }
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea")
            self._add(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea.value += data

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value = self._option["value"]
            value = self._option["text"].strip() if value is None else value
            self._select.options.append(value)
            if self._option["selected"]:
                self._select.checked.append(value)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # HTML drops a newline straight after <textarea>; Django writes one there.
            self._textarea.value = self._textarea.value.removeprefix("\r").removeprefix("\n")
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def parse_forms(html: str, page: str, method: str = "post") -> list[Form]:
    """The page's forms that send with `method` (the filters of a list are GET forms)."""
    parser = _FormParser(page, method)
    parser.feed(html)
    parser.close()
    return parser.forms


# --- Hostile values -----------------------------------------------------------------------

NUL = "\x00"
LONE_SURROGATES = ("\ud800", "\udfff", "a\udc00b")
RTL_OVERRIDE = "\u202e"
EMOJI = ("😀", "👩\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈")
LONG = "x" * 10_000
SPECIAL = (
    NUL,
    *LONE_SURROGATES,
    RTL_OVERRIDE,
    *EMOJI,
    "\u200b",
    "\ufeff",
    "\r\n",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "=1+1",
    "%00",
)
ODD_DATES = ("0001-01-01", "9999-12-31", "2026-02-30", "2025-13-01", "0000-00-00", "20250101")
ODD_TIMES = ("24:00", "23:59:60", "-01:00", "12:61", "9")
ODD_NUMBERS = (
    "-1",
    "0",
    "-0",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "0.0000000001",
    "99999999999999999999999999999999",
    "-99999999999999999999999999999999",
    "1,5",
    "\uff10",  # a full-width digit zero
)
OMIT = object()  # the field is not sent at all

hostile_text = st.one_of(
    st.sampled_from((*SPECIAL, "", " ", LONG, LONG + NUL, *ODD_DATES, *ODD_NUMBERS)),
    st.builds(
        lambda a, b, c: a + b + c,
        st.text(max_size=8),
        st.sampled_from(SPECIAL),
        st.text(max_size=8),
    ),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
numbers = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.floats().map(repr),
)
dates = st.one_of(
    st.sampled_from(ODD_DATES), st.dates().map(lambda d: d.isoformat()), st.just("2025-02-03")
)
times = st.one_of(st.sampled_from(ODD_TIMES), st.times().map(lambda t: t.isoformat()))
datetimes = st.one_of(
    st.sampled_from(("0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T10:00")),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
)

FILE_CONTENTS = (
    ("cert.pdf", b"%PDF-1.4\n%fuzz\n"),
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("pic.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("empty.pdf", b""),
    ("nul\x00.pdf", b"%PDF-1.4\x00\x00"),
    ("\u202efdp.exe", b"MZ\x90\x00"),
    ("data.csv", b"a,b\n\x00,\xff\xfe\n"),
    ("data.xlsx", b"PK\x03\x04 not really a zip"),
)


def _one_of_or_hostile(options: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(options), hostile_text) if options else hostile_text


def field_values(field: Field) -> st.SearchStrategy[Any]:
    """What may be sent for one field: a value, a list of values (repeated name) or OMIT."""
    kind = field.kind
    own = [field.value] if field.value else []
    if kind in {"select", "radio"} or (kind == "checkbox" and field.multiple):
        if field.multiple or kind == "checkbox":
            single: st.SearchStrategy[Any] = st.lists(_one_of_or_hostile(field.options), max_size=4)
        else:
            single = _one_of_or_hostile(field.options)
    elif kind == "checkbox":
        single = st.one_of(st.sampled_from(field.options), hostile_text)
    elif kind == "submit":
        single = _one_of_or_hostile([o for o in field.options])
    elif kind == "hidden":
        single = st.one_of(*(st.just(v) for v in own * 3), hostile_text)
    elif kind == "number":
        single = numbers
    elif kind == "date":
        single = st.one_of(dates, hostile_text)
    elif kind == "time":
        single = st.one_of(times, hostile_text)
    elif kind == "datetime-local":
        single = st.one_of(datetimes, hostile_text)
    elif kind == "file":
        single = st.sampled_from(FILE_CONTENTS)
    elif kind == "email":
        single = st.one_of(st.emails().map(str), hostile_text)
    else:
        single = st.one_of(*(st.just(v) for v in own), hostile_text, st.text(max_size=30))
    return st.one_of(st.just(OMIT), single)


PLAUSIBLE = {
    "date": "2025-02-03",
    "time": "10:00",
    "datetime-local": "2025-02-03T10:00",
    "number": "1",
    "email": "fuzz@example.org",
    "url": "https://example.org/",
    "file": FILE_CONTENTS[0],
}


def plausible(field: Field) -> Any:
    """A value a person could have sent: the page's own, else an ordinary one."""
    if field.kind in {"select", "radio", "checkbox", "submit"}:
        if field.checked:
            return field.checked if field.multiple else field.checked[0]
        usable = [o for o in field.options if o] or field.options
        if not usable:
            return OMIT
        return [usable[0]] if field.multiple else usable[0]
    if field.value:
        return field.value
    return PLAUSIBLE.get(field.kind, "Fuzz 1")


def submission(form: Form) -> st.SearchStrategy[dict[str, Any]]:
    """A submission of the form, with the page's CSRF token. Two kinds, equally often: an
    ordinary submission with one to three fields made hostile (so a bad value reaches the
    code behind the fields that pass), or every field hostile, missing or as the page gave
    it, with now and then a field the form does not have."""
    fields = form.fields
    every = {name: field_values(f) for name, f in fields.items()}
    every["__extra__"] = st.one_of(st.just(OMIT), st.tuples(hostile_text, hostile_text))
    anything = st.fixed_dictionaries(every)
    if not fields:
        return anything
    base = {name: plausible(f) for name, f in fields.items()} | {"__extra__": OMIT}
    one_bad = st.lists(
        st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True
    ).flatmap(lambda chosen: st.fixed_dictionaries({n: field_values(fields[n]) for n in chosen}))
    return st.one_of(one_bad.map(lambda bad: {**base, **bad}), anything)


# --- Sending it as the browser does -------------------------------------------------------


def _wire(value: str) -> bytes:
    # A lone surrogate has no UTF-8 form; over HTTP it can only be its invalid bytes.
    return value.encode("utf-8", "surrogatepass")


def as_received(value: str) -> str:
    """The text Django reads from what `_wire` sent (invalid bytes become U+FFFD)."""
    return _wire(value).decode("utf-8", "replace")


def pairs(form: Form, data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    if form.csrf:
        yield "csrfmiddlewaretoken", form.csrf
    for name, value in data.items():
        if value is OMIT:
            continue
        if name == "__extra__":
            yield value
        elif isinstance(value, list):
            for v in value:
                yield name, v
        else:
            yield name, value


def encode(form: Form, data: dict[str, Any]) -> tuple[bytes, str]:
    """The request body and its content type."""
    items = list(pairs(form, data))
    if not form.multipart:
        body = "&".join(
            f"{quote_from_bytes(_wire(k), safe='')}={quote_from_bytes(_wire(str(v)), safe='')}"
            for k, v in items
            if not isinstance(v, tuple)
        )
        return body.encode("ascii"), "application/x-www-form-urlencoded"
    boundary = secrets.token_hex(16)
    chunks: list[bytes] = []
    for name, value in items:
        chunks.append(f"--{boundary}\r\n".encode())
        if isinstance(value, tuple):
            filename, content = value
            chunks.append(
                b'Content-Disposition: form-data; name="'
                + _wire(name)
                + b'"; filename="'
                + _wire(filename)
                + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
                + content
                + b"\r\n"
            )
        else:
            chunks.append(
                b'Content-Disposition: form-data; name="'
                + _wire(name)
                + b'"\r\n\r\n'
                + _wire(str(value))
                + b"\r\n"
            )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


# --- What a response must not show --------------------------------------------------------

TRACEBACK_MARKERS = (
    "Traceback (most recent call last)",
    'File "/',
    "Exception Value:",
    "django.db.utils.",
    "psycopg.",
    "IntegrityError",
    "DataError",
    "UnicodeEncodeError",
)
ERROR_MARKERS = ("invalid-feedback", "errorlist", "alert-danger", 'aria-invalid="true"')


def register_hypothesis_profiles() -> None:
    """'ci': the same examples on every run, no example database, no deadline (a slow first
    request is not a bug here) and no shrinking (a failure is reported as found, so a
    broken build stays within its time; 'dev' shrinks it); 'dev': random examples."""
    common: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
        "print_blob": True,
    }
    settings.register_profile(
        "ci",
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        **common,
    )
    settings.register_profile("dev", database=None, **common)
