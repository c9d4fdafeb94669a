"""The one way Trade Desk reads the network: a careful HTTP GET.

Rules (each refusal is a ``FetchError`` naming the cause and the fix):

- only ``http`` and ``https`` URLs with a host;
- the host is resolved and **every** address it resolves to must be public (not
  loopback, private, link-local, multicast, reserved or unspecified) unless the
  ``allow`` list of the policy names it (``TRADEDESK_WEB_ALLOW_HOSTS``). The check is
  made before each request, redirects included, and again by the connection itself on
  the address it connects to, so neither a redirect nor a DNS answer that changes
  between check and connect (rebinding) reaches a private address;
- at most ``max_redirects`` redirects, each one checked as above;
- the body is streamed and reading stops as soon as it exceeds ``max_bytes`` (after
  decompression: a gzip bomb is stopped too); a declared ``Content-Length`` over the
  cap is refused before reading;
- only text content types (HTML, XML, RSS, Atom, OPML, plain text);
- a timeout per network operation and a deadline for the whole fetch;
- no proxy from the environment, no cookies kept, nothing executed (the body is data).

Conditional GET: pass the stored ``etag`` / ``last_modified`` and a ``304`` comes back as
``Fetched(not_modified=True)`` with no body.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from vectorstore.errors import ConfigError, FetchError

__all__ = ["Fetched", "Fetcher", "FetchPolicy", "TEXT_TYPES", "check_url", "normalise_url"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

TEXT_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "text/plain",
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/xml", "text/xml", "text/x-opml", "application/x-opml",
    "application/opml+xml", "application/feed+xml",
})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_FIX_ALLOW = "TRADEDESK_WEB_ALLOW_HOSTS"


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of every fetch.

    Args:
        timeout: seconds per network operation (connect, each read); the whole fetch,
            redirects included, gets at most three times this.
        max_bytes: largest body accepted (after decompression).
        max_redirects: redirects followed at most.
        allow: hosts, addresses or networks (``127.0.0.1``, ``10.0.0.0/8``,
            ``intranet.example``) that may be private; everything else must be public.
        user_agent: sent with every request.
    """

    timeout: float = 20.0
    max_bytes: int = 10_000_000
    max_redirects: int = 3
    allow: tuple[str, ...] = ()
    user_agent: str = "TradeDesk/0.1 (+https://github.com/tradedesk)"
    _networks: tuple[IPNetwork, ...] = field(default=(), init=False, repr=False, compare=False)
    _names: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 < self.timeout <= 600:
            raise ConfigError(f"timeout={self.timeout!r} must be in (0, 600] seconds.")
        if self.max_bytes <= 0:
            raise ConfigError(f"max_bytes={self.max_bytes!r} must be positive.")
        if not 0 <= self.max_redirects <= 10:
            raise ConfigError(f"max_redirects={self.max_redirects!r} must be in 0..10.")
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for item in (a.strip() for a in self.allow):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                names.add(item.lower().rstrip("."))
        object.__setattr__(self, "_networks", tuple(networks))
        object.__setattr__(self, "_names", frozenset(names))

    def allowed(self, host: str, ip: IPAddress) -> bool:
        """True when ``ip`` (an address of ``host``) is public or explicitly allowed."""
        if host.lower().rstrip(".") in self._names:
            return True
        if any(ip in net for net in self._networks if net.version == ip.version):
            return True
        return _why_blocked(ip) is None


@dataclass(frozen=True)
class Fetched:
    """A fetched URL: the final address after redirects, its body and its validators."""

    url: str
    final_url: str
    status: int
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


def normalise_url(url: str) -> str:
    """``url`` stripped, with its scheme and host in lower case and no fragment.

    Raises:
        FetchError: not an absolute http(s) URL with a host.
    """
    text = url.strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"{text!r} is not a valid URL ({exc}); give an http(s) URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "no scheme"
        raise FetchError(
            f"{text!r} uses {shown}: only http:// and https:// URLs can be fetched. For a "
            "local file give its path instead of a URL."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(f"{text!r} has no host name; give a full URL like https://host/page.")
    if parts.username or parts.password:
        raise FetchError(
            f"{text!r} carries a user name or password: credentials in URLs are refused. "
            "Use a public URL."
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    path = parts.path or "/"
    return f"{scheme}://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def _why_blocked(ip: IPAddress) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved, non-public address"
    return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            f"The host {host!r} cannot be resolved ({exc}); check the URL's spelling and "
            "this machine's network.",
            retry=True,
        ) from exc
    addresses: list[IPAddress] = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # an IPv6 zone id is not part of the address
        ip = ipaddress.ip_address(raw)
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise FetchError(f"The host {host!r} has no address.", retry=True)
    return addresses


def _checked_addresses(host: str, port: int, policy: FetchPolicy) -> list[IPAddress]:
    """Every address of ``host``, each one allowed by ``policy`` (else FetchError)."""
    addresses = _resolve(host, port)
    for ip in addresses:
        if not policy.allowed(host, ip):
            why = _why_blocked(ip)
            raise FetchError(
                f"Refused to fetch from {host!r}: it resolves to {ip}, {why}. Trade Desk only "
                f"reads public addresses; to read this host on purpose add it to {_FIX_ALLOW} "
                f"(e.g. {_FIX_ALLOW}={ip})."
            )
    return addresses


def check_url(url: str, policy: FetchPolicy) -> str:
    """The normalised ``url`` once its scheme and every address of its host are allowed.

    Raises:
        FetchError: a wrong scheme, no host, credentials, or a refused address.
    """
    norm = normalise_url(url)
    parts = urlsplit(norm)
    host = (parts.hostname or "").rstrip(".")
    _checked_addresses(host, parts.port or (443 if parts.scheme == "https" else 80), policy)
    return norm


class _Refused(Exception):
    """Raised inside the connection when the address it would connect to is refused."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, checks every address, connects to a checked one."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = _checked_addresses(host.strip("[]"), port, self.policy)
        except FetchError as exc:
            raise _Refused(exc) from exc
        return super().connect_tcp(
            str(addresses[0]), port, timeout=timeout, local_address=local_address,
            socket_options=socket_options,
        )


def _transport(policy: FetchPolicy) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    # The pool connects through the guarded backend: every connection, whatever URL
    # or redirect led to it, is checked on the very address it connects to.
    transport._pool = httpcore.ConnectionPool(  # noqa: SLF001 - httpx has no public hook
        ssl_context=ssl.create_default_context(),
        max_connections=4,
        network_backend=_GuardedBackend(policy),
    )
    return transport


def _media_type(header: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in header.split(";")]
    media = parts[0].lower()
    charset = None
    for p in parts[1:]:
        key, _, value = p.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return media, charset


class Fetcher:
    """Fetches URLs under a ``FetchPolicy`` (see the module docstring)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy

    def _client(self) -> httpx.Client:
        p = self.policy
        return httpx.Client(
            transport=_transport(p),
            follow_redirects=False,
            timeout=httpx.Timeout(p.timeout),
            headers={
                "User-Agent": p.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/rss+xml,"
                "application/atom+xml,application/xml;q=0.9,text/plain;q=0.8",
            },
            trust_env=False,
        )

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Sequence[str] | None = None,
    ) -> Fetched:
        """GET ``url`` under the policy.

        Args:
            url: an http(s) URL.
            etag: sent as ``If-None-Match`` (conditional GET).
            last_modified: sent as ``If-Modified-Since``.
            accept: content types accepted (default: every text type of ``TEXT_TYPES``).

        Raises:
            FetchError: refused or failed; ``retry`` tells whether trying later may help.
        """
        p = self.policy
        first = normalise_url(url)
        current = first
        deadline = time.monotonic() + 3 * p.timeout
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        with self._client() as client:
            for hop in range(p.max_redirects + 1):
                check_url(current, p)
                try:
                    with client.stream("GET", current, headers=conditional) as resp:
                        if resp.status_code in _REDIRECTS and "location" in resp.headers:
                            target = urljoin(current, resp.headers["location"])
                            if hop == p.max_redirects:
                                raise FetchError(
                                    f"{first} redirects more than {p.max_redirects} times "
                                    f"(last to {target}): a redirect loop or a moved site. "
                                    "Give the final URL (TRADEDESK_WEB_MAX_REDIRECTS sets "
                                    "the limit)."
                                )
                            current = normalise_url(target)
                            continue
                        return self._finish(first, current, resp, deadline, accept)
                except _Refused as exc:
                    raise exc.error from None
                except httpx.TimeoutException as exc:
                    raise FetchError(
                        f"{current} did not answer within {p.timeout:g} s "
                        f"({type(exc).__name__}); it is retried later "
                        "(TRADEDESK_WEB_TIMEOUT sets the limit).",
                        retry=True,
                    ) from exc
                except httpx.HTTPError as exc:
                    raise FetchError(
                        f"Could not fetch {current} ({type(exc).__name__}: {exc}); check the "
                        "URL and that the site is up. It is retried later.",
                        retry=True,
                    ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _finish(
        self,
        first: str,
        final: str,
        resp: httpx.Response,
        deadline: float,
        accept: Sequence[str] | None,
    ) -> Fetched:
        p = self.policy
        etag = resp.headers.get("etag")
        modified = resp.headers.get("last-modified")
        if resp.status_code == 304:
            return Fetched(first, final, 304, etag=etag, last_modified=modified,
                           not_modified=True)
        if resp.status_code >= 400:
            retry = resp.status_code >= 500 or resp.status_code in (408, 429)
            what = "the server failed" if resp.status_code >= 500 else "the server refused it"
            raise FetchError(
                f"{final} answered HTTP {resp.status_code} ({what}); "
                + ("it is retried later." if retry else "check the URL."),
                retry=retry,
            )
        if resp.status_code != 200:
            raise FetchError(
                f"{final} answered HTTP {resp.status_code}, not 200 with a page; check the URL."
            )
        media, charset = _media_type(resp.headers.get("content-type", ""))
        allowed = set(accept) if accept is not None else TEXT_TYPES
        if media not in allowed and not (media.endswith("+xml") and accept is None):
            shown = media or "no content type"
            raise FetchError(
                f"{final} is {shown}, not a web page or feed: only text types are read "
                f"({', '.join(sorted(allowed))}). Download the file and ingest it by path."
            )
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > p.max_bytes:
            raise FetchError(self._too_big(final, int(declared)))
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > p.max_bytes:
                raise FetchError(self._too_big(final, None))
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchError(
                    f"{final} sent its body too slowly (over {3 * p.timeout:g} s in all); it "
                    "is retried later (TRADEDESK_WEB_TIMEOUT sets the limit).",
                    retry=True,
                )
        return Fetched(
            first, final, 200, content_type=media, charset=charset, body=b"".join(chunks),
            etag=etag, last_modified=modified,
        )

    def _too_big(self, url: str, declared: int | None) -> str:
        cap = self.policy.max_bytes / 1e6
        what = (f"declares {declared / 1e6:.1f} MB, over" if declared
                else "sent more than")
        return (
            f"{url} {what} the {cap:g} MB limit for pages and feeds; reading stopped "
            "(raise TRADEDESK_WEB_MAX_MB to accept it)."
        )
