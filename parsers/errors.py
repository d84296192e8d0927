"""The errors xxgk raises for documents it cannot read.

    XxgkError                 root: anything xxgk reports on purpose
    ├── DocumentError         this document cannot be read (the batch goes on)
    │   ├── UnsupportedFormat     bytes are no format xxgk reads (or a legacy one it cannot)
    │   ├── CorruptDocument       the format is known but the file is broken or truncated
    │   ├── EncryptedDocument     the PDF needs a password
    │   ├── NoTextLayer           the pages hold images, not text (scans)
    │   ├── UnreadableText        the text layer decodes to noise (fonts without a Unicode map)
    │   ├── ConversionFailed      LibreOffice could not convert a legacy file (.doc, .wps, .xls …)
    │   └── TooLargeDocument      the file would expand past a cap (a decompression bomb)
    ├── FetchError            a URL could not be fetched (the crawl goes on)
    │   ├── Disallowed            robots.txt forbids the URL
    │   ├── Offsite               the URL (or a redirect) leaves the allowed hosts
    │   ├── TooLarge              the response passed the byte cap
    │   ├── HTTPStatus            the server answered with an error status (after retries)
    │   └── TransportFailed       DNS, connect, TLS, timeouts, resets, truncated bodies, redirect loops
    ├── OutputError           the datasets could not be written (a full disk, no permission)
    └── ConfigError           the caller asked for something impossible (a run cannot start)

Programming mistakes stay builtin exceptions; the batch runner reports them as
`internal error` so a bug is never mistaken for a bad document.
"""

from __future__ import annotations


class XxgkError(Exception):
    """Root of every error xxgk raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class DocumentError(XxgkError):
    """A document cannot be read; its row in reports.csv is `failed`."""

    kind = "document"


class UnsupportedFormat(DocumentError):
    """The bytes are not HTML, PDF, DOCX or text, or are a format xxgk cannot open."""

    kind = "unsupported_format"


class CorruptDocument(DocumentError):
    """The format is recognised but the file is damaged or truncated."""

    kind = "corrupt"


class EncryptedDocument(DocumentError):
    """The PDF is encrypted and cannot be opened without a password."""

    kind = "encrypted"


class NoTextLayer(DocumentError):
    """The pages carry images only (a scan), so there is no text to read."""

    kind = "no_text_layer"


class UnreadableText(DocumentError):
    """The PDF has text, but it decodes to noise: its fonts lack a Unicode map."""

    kind = "unreadable_text"


class ConversionFailed(DocumentError):
    """A legacy format (.doc, .wps, .rtf, .xls, .et) that LibreOffice could not convert in time."""

    kind = "conversion_failed"


class TooLargeDocument(DocumentError):
    """The document would expand past a cap (a ZIP or stream decompression bomb)."""

    kind = "too_large"


class FetchError(XxgkError):
    """A URL could not be fetched; the crawl records it and goes on."""

    kind = "fetch"


class Disallowed(FetchError):
    """robots.txt of the host forbids this URL for xxgk's user agent."""

    kind = "robots_disallowed"


class Offsite(FetchError):
    """The URL, or a redirect, points outside the allowed hosts."""

    kind = "offsite"


class TooLarge(FetchError):
    """The response body passed the byte cap (--max-bytes)."""

    kind = "too_large"


class HTTPStatus(FetchError):
    """The server answered with an error status, after the retries the status allows."""

    kind = "http_status"

    def __init__(self, message: str, *, status: int, source: str | None = None) -> None:
        super().__init__(message, source=source)
        self.status = status


class TransportFailed(FetchError):
    """The network failed, after retries: `kind` says how (dns, connect, tls, timeout, transport)."""

    kind = "transport"

    def __init__(self, message: str, *, source: str | None = None, kind: str = "transport") -> None:
        super().__init__(message, source=source)
        self.kind = kind


class OutputError(XxgkError):
    """The datasets could not be written into the output folder; what was published before stays."""

    kind = "output"


class ConfigError(XxgkError, ValueError):
    """The caller asked for something impossible (a bad option value): a ValueError too."""

    kind = "config"
