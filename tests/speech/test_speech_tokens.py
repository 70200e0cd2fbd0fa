"""Per-call tokens of the Media Streams websocket (sent as a <Parameter>)."""

from ivr.speech import stream_token, verify_stream_token

SECRET = "s3cret"


def test_a_token_is_valid_for_its_call_only():
    token = stream_token(SECRET, "CA1", now=1000)
    assert verify_stream_token(SECRET, "CA1", token, now=1001)
    assert not verify_stream_token(SECRET, "CA2", token, now=1001)
    assert not verify_stream_token("other-secret", "CA1", token, now=1001)


def test_expired_malformed_and_missing_tokens_are_refused():
    token = stream_token(SECRET, "CA1", ttl=60, now=1000)
    assert not verify_stream_token(SECRET, "CA1", token, now=1061)
    for bad in (None, "", "abc", "x.y", token.split(".")[0] + ".00", 42):
        assert not verify_stream_token(SECRET, "CA1", bad, now=1001)
    assert not verify_stream_token(SECRET, None, token, now=1001)
