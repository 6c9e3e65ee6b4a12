"""The transport + retry core every sub-API of ``Client`` goes through.

One request path (:meth:`Transport.request`): send, retry if the request is safe to repeat, spend
one :class:`~b3os._retry.RetryBudget`, unwrap the envelope. Every failure leaves as a
``b3os.errors`` type: httpx exceptions and non-2xx answers are translated by ``b3os._http``, a 2xx
body of the wrong shape becomes ``APIError`` (:meth:`Transport.model`), never a pydantic
``ValidationError``. Streams (:meth:`Transport.stream`) open through the same loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from b3os import _http  # loads httpx (without its optional CLI), so it comes before any httpx use
from b3os._retry import NO_RETRY, RETRY_STATUSES, RetryBudget, RetryPolicy, parse_retry_after
from b3os._wire import MAX_PAGE_SIZE
from b3os.errors import APIError, B3OSError

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_PAGE_SIZE", "Transport", "check_limit", "drop_none", "seg", "to_wire_any"]

# SSE servers send heartbeats every ~15-30 s; a read timeout shorter than that would cut a healthy stream.
STREAM_READ_TIMEOUT = 90.0

M = TypeVar("M", bound=BaseModel)


def seg(value: object) -> str:
    """One URL path segment: an id like ``wf_1?x=1`` or ``../runs`` must not change the route."""
    return quote(str(value), safe="")


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
    return limit


def drop_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def to_wire_any(value: Any) -> Any:
    """A model as its wire dict (:func:`b3os.models.to_wire`); anything else unchanged."""
    if isinstance(value, BaseModel):
        from b3os.models import to_wire

        return to_wire(value)
    return value


class Transport:
    """The HTTP core of one ``Client``: an ``httpx.Client``, the retry policy and the secrets to scrub."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        retry: RetryPolicy,
        timeout: float,
        secrets: tuple[str, ...],
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.http = http
        self.retry = retry
        self.timeout = timeout
        self.secrets = secrets
        self.sleep = sleep
        self.clock = clock
        self.closed = threading.Event()
        self._learned: tuple[str, ...] = ()
        self._learn_lock = threading.Lock()
        # One shared limiter: a 429 slows every request of this client (all the threads of a
        # parallel apply), not only the one that was refused.
        self._hold_until = 0.0
        self._hold_lock = threading.Lock()

    def hold(self, seconds: float) -> None:
        """No request of this client starts in the next ``seconds`` (the server said slow down)."""
        with self._hold_lock:
            self._hold_until = max(self._hold_until, self.clock() + seconds)

    def wait_for_hold(self) -> None:
        with self._hold_lock:
            remaining = self._hold_until - self.clock()
        if remaining > 0:
            self.sleep(remaining)

    def remember_secret(self, secret: str) -> None:
        """Scrub ``secret`` (a signing secret this client received) from every later error text."""
        with self._learn_lock:
            if secret and secret not in self._learned:
                self._learned = (*self._learned, secret)

    @property
    def all_secrets(self) -> tuple[str, ...]:
        return (*self.secrets, *self._learned)

    def close(self) -> None:
        self.closed.set()
        self.http.close()

    def budget(self, policy: RetryPolicy | None = None) -> RetryBudget:
        """A fresh retry budget (this client's policy, its clock and sleep)."""
        return RetryBudget(policy or self.retry, clock=self.clock, sleep=self.sleep)

    # -- the one request path ----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        safe: bool | None = None,
        ok_on_retry_code: int | None = None,
        gone_ok_on_retry: bool = False,
        secrets: tuple[str, ...] = (),
    ) -> Any:
        """Send, retry if ``safe`` (default: GET/PUT/DELETE), unwrap the envelope's ``data``.
        ``gone_ok_on_retry``: a 404 on a retry of a DELETE means an earlier attempt landed."""
        if safe is None:
            safe = method in ("GET", "PUT", "DELETE", "HEAD")
        query = _http.clean_params(dict(params) if params else None)
        headers = {"Content-Type": "application/json"} if json is not None else None

        def send() -> httpx.Response:
            return self.http.request(method, path, params=query, json=json, headers=headers)

        response = self.send(
            method,
            path,
            send,
            safe=safe,
            ok_on_retry_code=ok_on_retry_code,
            ok_on_retry_status=404 if gone_ok_on_retry else None,
            secrets=secrets,
        )
        return None if response is None else _http.unwrap(response, method=method, path=path)

    def send(
        self,
        method: str,
        path: str,
        send: Callable[[], httpx.Response],
        *,
        safe: bool,
        ok_on_retry_code: int | None = None,
        ok_on_retry_status: int | None = None,
        secrets: tuple[str, ...] = (),
    ) -> httpx.Response | None:
        """The retry loop. Returns the 2xx response, or None when ``ok_on_retry_code`` (an error code
        meaning "an earlier attempt already succeeded", e.g. 400079 for runs) or
        ``ok_on_retry_status`` (404 for a DELETE) shows up on a retry.
        ``send`` must return a response whose body is readable (streams: read on failure)."""
        budget = self.budget(self.retry if safe else NO_RETRY)
        all_secrets = (*self.all_secrets, *secrets)
        while True:
            attempt = budget.attempt()
            retry_after: float | None = None
            cause: BaseException | None = None
            self.wait_for_hold()
            try:
                response = send()
            except _http.HTTPX_ERRORS as exc:
                error: B3OSError = _http.translate_transport_error(
                    exc, method=method, path=path, secrets=all_secrets
                )
                retryable = isinstance(
                    exc, _http.httpx.TransportError
                ) and _http.is_retryable_transport_error(exc)
                cause = exc
            else:
                if response.is_success:
                    return response
                api_error = _http.error_from_response(response, method=method, path=path, secrets=all_secrets)
                if attempt > 1 and (
                    (ok_on_retry_code is not None and api_error.code == ok_on_retry_code)
                    or (ok_on_retry_status is not None and response.status_code == ok_on_retry_status)
                ):
                    return None
                error = api_error
                retryable = response.status_code in RETRY_STATUSES
                if retryable:  # 429 and 503 may both carry Retry-After
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                if response.status_code == 429:  # bounded: a huge Retry-After must not stall the pool
                    pause = retry_after if retry_after is not None else self.retry.delay(attempt, None)
                    self.hold(min(pause, self.retry.max_elapsed))
            if not retryable:
                raise error from cause
            if budget.policy.max_attempts == 1:
                raise error from cause  # never retried (unsafe to repeat): no "gave up" note
            if not budget.wait(retry_after):
                raise budget.give_up(error) from cause

    def model(self, model: type[M], data: Any) -> M:
        """Validate a 2xx payload; the wrong shape is the server's fault, raised as ``APIError``."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # A 2xx body of the wrong shape is the server's fault; front ends catch only B3OSError.
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise APIError(
                f"the server's answer does not look like a {model.__name__}: {problems}", status_code=200
            ) from exc
        except RecursionError:
            raise APIError(
                f"the server's answer is nested too deeply to read as a {model.__name__}", status_code=200
            ) from None

    def maybe(self, model: type[M], data: Any) -> M | None:
        """For answers the API leaves unspecified (b3os-api.md §9 G2): the model when the payload
        is an object with a string ``id``, else None. A malformed object is still an APIError."""
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            return self.model(model, data)
        return None

    # -- pagination ----------------------------------------------------------------------------

    def paginate(self, fetch: Callable[..., Any], filters: dict[str, Any]) -> Iterator[Any]:
        """Every item of an offset-paginated list, following ``hasMore`` page by page."""
        filters = dict(filters)
        limit = check_limit(filters.pop("limit", MAX_PAGE_SIZE))
        offset = filters.pop("offset", 0)
        while True:
            page = fetch(**filters, limit=limit, offset=offset)
            yield from page.items
            if not page.has_more or not page.items:
                return  # an empty page with hasMore=true would otherwise loop forever
            offset += len(page.items)

    # -- streaming -----------------------------------------------------------------------------

    @contextmanager
    def stream(self, path: str) -> Iterator[Iterator[str]]:
        """An SSE response's lines. The *open* goes through the retry loop; a connection broken
        mid-stream becomes ``TransportError``."""
        timeout = _http.httpx.Timeout(self.timeout, read=max(self.timeout, STREAM_READ_TIMEOUT))
        opened: list[Any] = []

        def send() -> httpx.Response:
            cm = self.http.stream("GET", path, headers={"Accept": "text/event-stream"}, timeout=timeout)
            response = cm.__enter__()
            if response.is_success:
                opened.append(cm)
            else:
                try:
                    response.read()
                finally:
                    cm.__exit__(None, None, None)
            return response

        response = self.send("GET", path, send, safe=True)
        assert response is not None  # no ok_on_retry_code given
        try:
            yield self._lines(response, path)
        finally:
            for cm in opened:
                cm.__exit__(None, None, None)

    def _lines(self, response: httpx.Response, path: str) -> Iterator[str]:
        try:
            yield from response.iter_lines()
        except _http.HTTPX_ERRORS as exc:
            raise _http.translate_transport_error(
                exc, method="GET", path=path, secrets=self.all_secrets
            ) from exc
