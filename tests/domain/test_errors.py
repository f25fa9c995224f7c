"""DomainError and its codes."""

from __future__ import annotations

import json

from server.domain.errors import Code, DomainError

CONTRACT_CODES = {
    "text_too_long",
    "text_empty",
    "control_characters",
    "wrong_kind",
    "invalid_slot",
    "value_out_of_range",
    "too_many_picks",
    "unknown_statement",
    "unknown_option",
    "too_many_options",
    "no_option",
    "own_word",
    "unknown_word",
    "invalid_settings",
}


def test_code_covers_every_contract_code() -> None:
    assert {code.value for code in Code} >= CONTRACT_CODES


def test_domain_error_carries_code_message_and_params() -> None:
    error = DomainError(Code.TEXT_TOO_LONG, "Text is 312 characters; the maximum is 280.", length=312)
    assert error.code == "text_too_long" and error.code is Code.TEXT_TOO_LONG
    assert f"{error.code}" == str(error.code) == "text_too_long"  # logs and messages see the value
    assert error.message == str(error) == "Text is 312 characters; the maximum is 280."
    assert error.params == {"length": 312}
    assert json.dumps({"code": error.code}) == '{"code": "text_too_long"}'
    assert "text_too_long" in repr(error)


def test_domain_error_accepts_plain_string_codes() -> None:
    assert DomainError("own_word", "You cannot step in on your own word.").code == Code.OWN_WORD
