"""InputError keeps its promise of one line, whatever the input it quotes."""

import pytest

from engine.errors import InputError, one_line
from engine.importers.okx import response_data


def test_control_characters_are_escaped():
    assert one_line("a\nb\r\tc\x00d\u2028e") == "a\\nb\\r\\tc\\x00d\\u2028e"
    assert str(InputError("pos.json: msg: bad\nvalue")) == "pos.json: msg: bad\\nvalue"
    assert str(InputError("plain text, spaces kept")) == "plain text, spaces kept"


def test_okx_error_text_with_a_newline_stays_on_one_line():
    # found by the importer fuzz test: {"code": "\n"}
    with pytest.raises(InputError) as info:
        response_data({"code": "\n", "msg": "line one\nline two"}, "pos.json: ")
    text = str(info.value)
    assert "\n" not in text and text.startswith("pos.json: code: OKX returned error \\n")
