"""support_sdk.tokens: the one token module the SDK mints with and the server verifies with."""

from __future__ import annotations

import random
import string

import itsdangerous
import pytest

from support_sdk import tokens
from support_sdk.tokens import (
    BadSignature,
    MalformedToken,
    TokenExpired,
    TokenNotYetValid,
    UserClaims,
    VisitorClaims,
    WrongPurpose,
    mint_user_token,
    mint_visitor_token,
    peek_app_id,
    verify_user_token,
    verify_visitor_token,
)

APP = "app_unit"
SECRET = "unit-secret"
NOW = 1_700_000_000
DAY = 86_400


def _user(**kwargs: object) -> str:
    kwargs.setdefault("now", NOW)
    return mint_user_token(APP, SECRET, "42", **kwargs)  # type: ignore[arg-type]


class _SignedAtNow(itsdangerous.TimestampSigner):
    def get_timestamp(self) -> int:
        return NOW


def _forge(claims: object, salt: str = "support-sdk.user-token.v1", prefix: str = "ut_") -> str:
    """A correctly signed token with arbitrary claims, as a buggy or hostile minter makes."""
    signer = itsdangerous.URLSafeTimedSerializer(SECRET, salt=salt, signer=_SignedAtNow)
    return prefix + str(signer.dumps(claims))


# -- round trips ---------------------------------------------------------------------------
def test_user_token_round_trips_every_claim() -> None:
    token = _user(email="ada@example.com", name="Ada", traits={"plan": "pro", "seats": 3})
    assert token.startswith(tokens.USER_TOKEN_PREFIX)
    claims = verify_user_token(token, APP, SECRET, DAY, now=NOW + 10)
    assert claims == UserClaims(
        app=APP,
        sub="42",
        exp=NOW + 3600,
        email="ada@example.com",
        name="Ada",
        traits={"plan": "pro", "seats": 3},
    )


def test_integer_user_id_becomes_a_string_subject() -> None:
    token = mint_user_token(APP, SECRET, 7, now=NOW)
    assert verify_user_token(token, APP, SECRET, DAY, now=NOW).sub == "7"


def test_optional_claims_default_to_none_and_empty() -> None:
    claims = verify_user_token(_user(), APP, SECRET, DAY, now=NOW)
    assert (claims.email, claims.name, dict(claims.traits)) == (None, None, {})


def test_visitor_token_round_trips() -> None:
    token = mint_visitor_token(["server-secret"], APP, "vis_1", email="v@example.com", now=NOW)
    assert token.startswith(tokens.VISITOR_TOKEN_PREFIX)
    claims = verify_visitor_token(token, APP, ["server-secret"], DAY, now=NOW + 1)
    assert claims == VisitorClaims(
        app=APP, vid="vis_1", exp=NOW + 90 * DAY, email="v@example.com", name=None
    )


def test_a_token_verifies_with_the_real_clock_when_now_is_not_pinned() -> None:
    token = mint_user_token(APP, SECRET, "42")
    assert verify_user_token(token, APP, SECRET, 60).sub == "42"


# -- minting errors ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"app_id": ""}, "app_id"),
        ({"user_id": ""}, "user_id"),
        ({"user_id": None}, "user_id"),
        ({"expires_in": 0}, "expires_in"),
        ({"expires_in": -5}, "expires_in"),
        ({"secret": []}, "secret"),
    ],
)
def test_minting_refuses_missing_parts(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"app_id": APP, "secret": SECRET, "user_id": "42", **kwargs}
    with pytest.raises(ValueError, match=message):
        mint_user_token(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({f"k{i}": i for i in range(tokens.MAX_TRAITS + 1)}, "at most"),
        ({"": "x"}, "non-empty"),
        ({1: "x"}, "non-empty strings"),
        ({"nested": {"a": 1}}, "string, number, boolean"),
        ({"list": [1, 2]}, "string, number, boolean"),
        ({"long": "x" * 201}, "longer than"),
    ],
)
def test_traits_are_validated(traits: dict[object, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _user(traits=traits)


def test_traits_at_the_limits_are_accepted() -> None:
    traits = {f"k{i}": None if i % 2 else True for i in range(tokens.MAX_TRAITS)}
    traits["k0"] = "x" * 200
    token = _user(traits=traits)
    assert verify_user_token(token, APP, SECRET, DAY, now=NOW).traits == traits


def test_a_token_the_server_would_refuse_as_too_long_is_not_minted() -> None:
    # Random values do not compress: 20 traits of 200 characters make a token over 4096.
    rng = random.Random(0)
    alphabet = string.ascii_letters + string.digits
    traits = {f"t{i}": "".join(rng.choices(alphabet, k=200)) for i in range(tokens.MAX_TRAITS)}
    with pytest.raises(ValueError, match="fewer or shorter traits"):
        _user(traits=traits)


# -- rotation ------------------------------------------------------------------------------
def test_rotation_signs_with_the_newest_and_verifies_with_any() -> None:
    old_token = mint_user_token(APP, "old", "42", now=NOW)
    new_token = mint_user_token(APP, ["old", "new"], "42", now=NOW)
    for token in (old_token, new_token):
        assert verify_user_token(token, APP, ["old", "new"], DAY, now=NOW).sub == "42"
    # Signed with the newest: the new secret alone verifies it, the old one alone does not.
    assert verify_user_token(new_token, APP, ["new"], DAY, now=NOW).sub == "42"
    with pytest.raises(BadSignature):
        verify_user_token(new_token, APP, ["old"], DAY, now=NOW)


def test_retired_secret_no_longer_verifies() -> None:
    old_token = mint_user_token(APP, "old", "42", now=NOW)
    with pytest.raises(BadSignature) as caught:
        verify_user_token(old_token, APP, ["new"], DAY, now=NOW)
    assert caught.value.code == "invalid_token"


def test_an_app_without_secrets_verifies_nothing() -> None:
    with pytest.raises(BadSignature):
        verify_user_token(_user(), APP, [], DAY, now=NOW)


# -- expiry and maximum age ----------------------------------------------------------------
def test_expired_token_is_token_expired() -> None:
    token = _user(expires_in=60)
    assert verify_user_token(token, APP, SECRET, DAY, now=NOW + 59, leeway=0).sub == "42"
    with pytest.raises(TokenExpired) as caught:
        verify_user_token(token, APP, SECRET, DAY, now=NOW + 60, leeway=0)
    assert caught.value.code == "token_expired"


def test_max_age_caps_a_far_future_exp() -> None:
    token = _user(expires_in=365 * DAY)
    assert verify_user_token(token, APP, SECRET, 600, now=NOW + 600, leeway=0).sub == "42"
    with pytest.raises(TokenExpired):
        verify_user_token(token, APP, SECRET, 600, now=NOW + 601, leeway=0)


def test_clock_skew_within_the_leeway_is_tolerated_both_ways() -> None:
    # The minting host's clock runs ahead of the server's: its token is signed "in the future".
    ahead = mint_user_token(APP, SECRET, "42", expires_in=60, now=NOW + 1)
    assert verify_user_token(ahead, APP, SECRET, DAY, now=NOW).sub == "42"
    far_ahead = mint_user_token(APP, SECRET, "42", expires_in=600, now=NOW + 59)
    assert verify_user_token(far_ahead, APP, SECRET, DAY, now=NOW, leeway=60).sub == "42"
    # ...or behind: a token just past its exp, or just over the maximum age, still verifies.
    behind = mint_user_token(APP, SECRET, "42", expires_in=60, now=NOW)
    assert verify_user_token(behind, APP, SECRET, DAY, now=NOW + 60 + 59).sub == "42"
    assert verify_user_token(behind, APP, SECRET, 30, now=NOW + 30 + 59).sub == "42"


def test_skew_beyond_the_leeway_is_refused_with_the_reason() -> None:
    ahead = mint_user_token(APP, SECRET, "42", expires_in=600, now=NOW + 61)
    with pytest.raises(TokenNotYetValid) as caught:
        verify_user_token(ahead, APP, SECRET, DAY, now=NOW, leeway=60)
    assert caught.value.code == "token_not_yet_valid"
    assert "61 s in the future" in str(caught.value)
    behind = mint_user_token(APP, SECRET, "42", expires_in=60, now=NOW)
    with pytest.raises(TokenExpired):
        verify_user_token(behind, APP, SECRET, DAY, now=NOW + 60 + 60, leeway=60)
    with pytest.raises(TokenExpired):
        verify_user_token(behind, APP, SECRET, 30, now=NOW + 30 + 61, leeway=60)
    visitor = mint_visitor_token("s", APP, "vis_1", now=NOW + 120)
    with pytest.raises(TokenNotYetValid):
        verify_visitor_token(visitor, APP, "s", DAY, now=NOW)


def test_minting_in_the_past_stamps_the_signature_in_the_past() -> None:
    # A token minted "an hour ago" must be exactly as old as one really minted then.
    token = mint_user_token(APP, SECRET, "42", expires_in=DAY, now=NOW - 3600)
    with pytest.raises(TokenExpired):
        verify_user_token(token, APP, SECRET, 1800, now=NOW)
    assert verify_user_token(token, APP, SECRET, 7200, now=NOW).exp == NOW - 3600 + DAY


def test_visitor_token_max_age() -> None:
    token = mint_visitor_token("s", APP, "vis_1", expires_in=10 * DAY, now=NOW)
    with pytest.raises(TokenExpired):
        verify_visitor_token(token, APP, "s", DAY, now=NOW + DAY + 1, leeway=0)


def test_bad_signature_wins_over_expiry() -> None:
    # An attacker never learns "expired" about a token they could not have signed.
    token = _user(expires_in=1)
    with pytest.raises(BadSignature):
        verify_user_token(token, APP, "another secret", DAY, now=NOW + 10 * DAY)


# -- wrong app, purpose, tampering ---------------------------------------------------------
def test_token_of_another_app_does_not_verify() -> None:
    token = mint_user_token("app_other", SECRET, "42", now=NOW)
    with pytest.raises(BadSignature):
        verify_user_token(token, APP, SECRET, DAY, now=NOW)


def test_visitor_token_is_not_a_user_token_and_vice_versa() -> None:
    visitor = mint_visitor_token(SECRET, APP, "vis_1", now=NOW)
    user = _user()
    with pytest.raises(WrongPurpose):
        verify_user_token(visitor, APP, SECRET, DAY, now=NOW)
    with pytest.raises(WrongPurpose):
        verify_visitor_token(user, APP, SECRET, DAY, now=NOW)


def test_re_prefixed_token_fails_on_its_salt() -> None:
    # Same secret on both sides, so only the per-purpose salt tells them apart.
    visitor = mint_visitor_token(SECRET, APP, "42", now=NOW)
    as_user = tokens.USER_TOKEN_PREFIX + visitor[len(tokens.VISITOR_TOKEN_PREFIX) :]
    with pytest.raises(BadSignature):
        verify_user_token(as_user, APP, SECRET, DAY, now=NOW)
    user = _user()
    as_visitor = tokens.VISITOR_TOKEN_PREFIX + user[len(tokens.USER_TOKEN_PREFIX) :]
    with pytest.raises(BadSignature):
        verify_visitor_token(as_visitor, APP, SECRET, DAY, now=NOW)


def test_tampered_payload_or_signature_fails() -> None:
    token = _user(email="ada@example.com")
    _, _, rest = token[3:].partition(".")
    forged_payload = mint_user_token(APP, "attacker", "1", now=NOW)[3:].partition(".")[0]
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "ut_" + forged_payload + "." + rest,
    ):
        with pytest.raises(BadSignature):
            verify_user_token(bad, APP, SECRET, DAY, now=NOW)


@pytest.mark.parametrize(
    "garbage",
    ["", "hello", "sk_abc", "ut_", "ut_abc", "ut_a.b.c", "ut_....", "vt_%%%", "ut_é.ü", "x" * 5000],
)
def test_garbage_is_a_token_error(garbage: str) -> None:
    with pytest.raises(tokens.TokenError) as caught:
        verify_user_token(garbage, APP, SECRET, DAY, now=NOW)
    assert caught.value.code == "invalid_token"


def test_non_string_and_oversized_tokens_are_malformed() -> None:
    with pytest.raises(MalformedToken):
        verify_user_token(None, APP, SECRET, DAY)  # type: ignore[arg-type]
    with pytest.raises(MalformedToken):
        verify_user_token("ut_" + "a" * 5000, APP, SECRET, DAY)


@pytest.mark.parametrize(
    "claims",
    [
        ["not", "an", "object"],
        {"app": APP, "exp": NOW + 60},  # no subject
        {"app": APP, "sub": "", "exp": NOW + 60},
        {"app": APP, "sub": "42"},  # no expiry
        {"app": APP, "sub": "42", "exp": "tomorrow"},
        {"app": APP, "sub": "42", "exp": True},
        {"app": APP, "sub": "42", "exp": NOW + 60, "email": 5},
        {"app": APP, "sub": "42", "exp": NOW + 60, "traits": ["a"]},
    ],
)
def test_signed_claims_of_the_wrong_shape_are_malformed(claims: object) -> None:
    with pytest.raises(MalformedToken):
        verify_user_token(_forge(claims), APP, SECRET, DAY, now=NOW)


def test_visitor_token_needs_a_visitor_id() -> None:
    token = _forge({"app": APP, "exp": NOW + 60}, "support-sdk.visitor-token.v1", "vt_")
    with pytest.raises(MalformedToken):
        verify_visitor_token(token, APP, SECRET, DAY, now=NOW)


def test_error_codes() -> None:
    assert TokenExpired.code == "token_expired"
    for cls in (tokens.TokenError, MalformedToken, BadSignature, WrongPurpose):
        assert cls.code == "invalid_token"
        assert issubclass(cls, tokens.TokenError)


# -- peek_app_id ---------------------------------------------------------------------------
def test_peek_app_id_reads_the_unverified_app() -> None:
    assert peek_app_id(_user()) == APP
    assert peek_app_id(mint_user_token("app_x", "whatever", "1")) == "app_x"
    assert peek_app_id(mint_visitor_token("s", "app_v", "vis_1")) == "app_v"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        b"ut_abc",
        "",
        "ut_",
        "vt_",
        "ut_!!!",
        "ut_a.b.c",
        "ut_.eJzLSM3JyQcABiwCFQ.x.y",  # a compressed payload that is not JSON
        "sk_abc_def",
        "bearer",
        "ut_" + "A" * 10_000,
    ],
)
def test_peek_app_id_on_garbage_is_none(garbage: object) -> None:
    assert peek_app_id(garbage) is None  # type: ignore[arg-type]


def test_peek_app_id_needs_a_string_app_claim() -> None:
    assert peek_app_id(_forge({"app": 5, "sub": "1", "exp": NOW})) is None
    assert peek_app_id(_forge(["app"])) is None
