"""One signed POST to a real receiver: headers and signature, answers worth a retry, redirects
never followed, timeouts, and the allow-list enforced again at delivery time (DNS rebinding)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from tornado.netutil import DefaultLoopResolver, OverrideResolver, Resolver

from convergence_jupyter.webhooks.allow_list import TargetPolicy
from convergence_jupyter.webhooks.delivery import Attempt, Backoff, Sender

from .receiver import Answer, Receiver

LOOPBACK = TargetPolicy.from_strings(["127.0.0.1/32"])
SECRET = "a-secret-of-some-length"


def post(
    url: str,
    policy: TargetPolicy = LOOPBACK,
    *,
    time_limit: float = 5.0,
    body: bytes = b'{"event":"save"}',
    dns: Callable[[], Resolver] | None = None,
) -> Attempt:
    async def main() -> Attempt:
        sender = Sender(policy, dns=dns() if dns else None)
        try:
            return await sender.post(
                url,
                secret=SECRET,
                event="save",
                hook_id="h1",
                delivery_id="d1",
                body=body,
                time_limit=time_limit,
            )
        finally:
            sender.close()

    return asyncio.run(main())


def test_a_delivery_is_signed_and_labelled(receiver: Receiver) -> None:
    result = post(receiver.url())
    assert result.ok and result.status == 200, result
    (request,) = receiver.received()
    assert request.body == b'{"event":"save"}'
    assert request.signature_valid(SECRET)
    assert not request.signature_valid("some-other-secret-value")
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Convergence-Event"] == "save"
    assert headers["X-Convergence-Hook"] == "h1"
    assert headers["X-Convergence-Delivery"] == "d1"
    assert headers["User-Agent"].startswith("convergence-jupyter/")


def test_server_errors_and_rate_limits_are_retryable_client_errors_are_not(
    receiver: Receiver,
) -> None:
    for status, retryable in ((500, True), (503, True), (429, True), (400, False), (401, False)):
        receiver.respond = lambda r, s=status: Answer(status=s)
        result = post(receiver.url())
        assert not result.ok and result.status == status, result
        assert result.retryable is retryable, status


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    def answer(request: Any) -> Answer:
        if request.path == "/hook":
            return Answer(status=302, headers={"Location": receiver.url("/elsewhere")})
        return Answer()

    receiver.respond = answer
    result = post(receiver.url())
    assert result.status == 302 and not result.ok and not result.retryable
    assert "redirects are not followed" in (result.error or "")
    time.sleep(0.2)
    assert [r.path for r in receiver.received()] == ["/hook"]


def test_a_slow_receiver_times_out(receiver: Receiver) -> None:
    receiver.respond = lambda r: Answer(delay=3.0)
    started = time.monotonic()
    result = post(receiver.url(), time_limit=0.5)
    print(f"timed out after {time.monotonic() - started:.2f} s (limit 0.5 s)")
    assert result.status is None and result.retryable and not result.refused, result


def test_a_receiver_that_is_down_is_retryable(receiver: Receiver) -> None:
    receiver.down()
    result = post(receiver.url())
    assert result.status is None and result.retryable and not result.refused, result
    receiver.up()
    assert post(receiver.url()).ok


def test_the_allow_list_is_checked_again_at_delivery(receiver: Receiver) -> None:
    """A hook accepted earlier (or a name whose DNS answer changed: rebinding) that now
    resolves to a loopback address is refused when loopback is not allowed; nothing is sent."""
    rebound = lambda: OverrideResolver(DefaultLoopResolver(), {"hooks.test": "127.0.0.1"})  # noqa: E731
    url = f"http://hooks.test:{receiver.port}/hook"
    result = post(url, TargetPolicy(), dns=rebound)
    assert result.refused and not result.retryable and result.status is None
    assert "not a public address" in (result.error or "")
    result = post(receiver.url(), TargetPolicy())
    assert result.refused
    time.sleep(0.2)
    assert receiver.received() == []
    # The same name, with loopback allowed: the resolver's answer is what is connected to.
    assert post(url, LOOPBACK, dns=rebound).ok
    assert len(receiver.received()) == 1


def test_backoff_grows_exponentially_up_to_its_cap() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, cap=10.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    jittery = Backoff(initial=1.0, jitter=0.1)
    assert all(0.9 <= jittery.delay(1) <= 1.1 for _ in range(100))
