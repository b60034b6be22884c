"""Request signatures: what a receiver verifies, checked against an independent HMAC."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from convergence_jupyter.webhooks.signing import new_secret, signature_header, verify

SECRET = "s3cret-s3cret-s3cret"


def test_header_is_hmac_sha256_over_timestamp_dot_body() -> None:
    header = signature_header(SECRET, b'{"a":1}', timestamp=1700000000)
    expected = hmac.new(SECRET.encode(), b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=2**40))
def test_verify_accepts_what_was_signed(body: bytes, stamp: int) -> None:
    header = signature_header(SECRET, body, timestamp=stamp)
    assert verify(SECRET, header, body, now=stamp)


@given(st.binary(max_size=200), st.binary(min_size=1, max_size=10))
def test_verify_refuses_a_changed_body(body: bytes, extra: bytes) -> None:
    header = signature_header(SECRET, body, timestamp=1000)
    assert not verify(SECRET, header, body + extra, now=1000)


def test_verify_refuses_other_secret_old_timestamp_and_garbage() -> None:
    header = signature_header(SECRET, b"x", timestamp=1000)
    assert not verify("another-secret-entirely", header, b"x", now=1000)
    assert not verify(SECRET, header, b"x", now=1000 + 301)
    assert verify(SECRET, header, b"x", now=1000 + 299)
    for bad in ("", "t=1000", "v1=abc", "t=x,v1=abc", "garbage"):
        assert not verify(SECRET, bad, b"x", now=1000)


def test_a_timestamp_change_breaks_the_signature() -> None:
    header = signature_header(SECRET, b"x", timestamp=1000)
    forged = header.replace("t=1000", "t=1001")
    assert not verify(SECRET, forged, b"x", now=1000)


def test_any_of_several_signatures_may_match_during_rotation() -> None:
    new = signature_header("the-new-secret-value", b"x", timestamp=5).split("v1=")[1]
    header = signature_header(SECRET, b"x", timestamp=5) + f",v1={new}"
    assert verify("the-new-secret-value", header, b"x", now=5)
    assert verify(SECRET, header, b"x", now=5)


def test_new_secrets_are_long_and_distinct() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(s) >= 40 for s in secrets)
