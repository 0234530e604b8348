"""WeCom crypto and XML: the published sample vectors byte for byte, round trips, refusals."""
from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from handlers.wecom.crypto import (
    DecryptError,
    ReceiverError,
    SignatureError,
    WeComCrypto,
    aes_key,
    pkcs7_pad,
    pkcs7_unpad,
    signature,
)
from handlers.wecom.messages import (
    MalformedXML,
    cdata,
    encrypted_envelope,
    encrypted_field,
    parse_fields,
    parse_inbound,
    text_reply,
)

# WeCom documentation 90968 and its sample code (sbzhu/weworkapi_php callback/Sample.php).
TOKEN, AES_KEY, CORP_ID = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7"
URL_CHECK = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
}
MESSAGE = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
    "encrypt": (
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
        "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+"
        "HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrX"
        "JB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3f"
        "VKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
    ),
}
SAMPLE_MESSAGE_XML = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    "<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    "<CreateTime>1409659813</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>4561255354251345929</MsgId>\n"
    "<AgentID>218</AgentID>\n"
    "</xml>"
)


@pytest.fixture
def crypto() -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID, random_bytes=lambda n: b"0123456789abcdef"[:n])


def raw_plaintext(encrypted: str) -> bytes:
    """AES-decrypt without unpadding, to look at the framing itself."""
    key = aes_key(AES_KEY)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    return decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()


def test_url_check_sample_decrypts_to_the_published_echo(crypto: WeComCrypto) -> None:
    v = URL_CHECK
    assert signature(TOKEN, v["timestamp"], v["nonce"], v["echostr"]) == v["msg_signature"]
    assert crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"]) == "1616140317555161061"
    plain = raw_plaintext(v["echostr"])
    assert plain[: -plain[-1]].endswith(CORP_ID.encode())


def test_message_sample_decrypts_byte_for_byte(crypto: WeComCrypto) -> None:
    v = MESSAGE
    assert crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"]) == SAMPLE_MESSAGE_XML
    inbound = parse_inbound(SAMPLE_MESSAGE_XML)
    assert (inbound.msg_type, inbound.from_user, inbound.content) == ("text", "mycreate", "hello")
    assert (inbound.msg_id, inbound.create_time) == ("4561255354251345929", "1409659813")
    assert parse_fields(SAMPLE_MESSAGE_XML)["AgentID"] == "218"


def test_message_sample_pads_with_30_bytes_of_a_32_byte_block(crypto: WeComCrypto) -> None:
    plain = raw_plaintext(MESSAGE["encrypt"])
    assert plain[-30:] == bytes([30]) * 30
    assert len(plain) % 32 == 0
    (length,) = struct.unpack(">I", plain[16:20])
    assert length == len(SAMPLE_MESSAGE_XML.encode())
    assert plain[20 + length:-30] == CORP_ID.encode()


def test_encrypt_decrypt_round_trip_is_deterministic_with_injected_random(crypto: WeComCrypto) -> None:
    message = "<xml><Content><![CDATA[商标注册要多久？]]></Content></xml>"
    sealed = crypto.encrypt(message)
    assert sealed == crypto.encrypt(message)
    assert crypto.decrypt(sealed) == message
    plain = raw_plaintext(sealed)
    assert plain[:16] == b"0123456789abcdef"
    assert len(plain) % 32 == 0


def test_pkcs7_pads_a_full_block_when_aligned() -> None:
    assert pkcs7_pad(b"x" * 32) == b"x" * 32 + bytes([32]) * 32
    assert pkcs7_unpad(pkcs7_pad(b"abc")) == b"abc"
    with pytest.raises(DecryptError):
        pkcs7_unpad(b"abc" + bytes([3, 3, 2]))
    with pytest.raises(DecryptError):
        pkcs7_unpad(b"x" * 31 + bytes([33]))


def test_bad_signature_is_refused(crypto: WeComCrypto) -> None:
    v = MESSAGE
    with pytest.raises(SignatureError):
        crypto.open("0" * 40, v["timestamp"], v["nonce"], v["encrypt"])
    with pytest.raises(SignatureError):
        crypto.open(v["msg_signature"], "1409659814", v["nonce"], v["encrypt"])


def test_another_receive_id_is_refused(crypto: WeComCrypto) -> None:
    other = WeComCrypto(TOKEN, AES_KEY, "ww_other_corp")
    with pytest.raises(ReceiverError):
        other.decrypt(MESSAGE["encrypt"])
    with pytest.raises(ReceiverError):
        crypto.decrypt(other.encrypt("hi"))


@pytest.mark.parametrize("encrypted", ["not base64!", "", base64.b64encode(b"x" * 20).decode(),
                                       base64.b64encode(b"x" * 32).decode()])
def test_garbage_ciphertext_is_a_decrypt_error(crypto: WeComCrypto, encrypted: str) -> None:
    with pytest.raises(DecryptError):
        crypto.decrypt(encrypted)


def test_encoding_aes_key_must_be_43_base64_characters() -> None:
    with pytest.raises(ValueError, match="43"):
        WeComCrypto(TOKEN, AES_KEY[:-1], CORP_ID)
    with pytest.raises(ValueError, match="base64"):
        WeComCrypto(TOKEN, "!" * 43, CORP_ID)


def test_reply_envelope_carries_a_verifiable_encrypted_reply(crypto: WeComCrypto) -> None:
    reply = text_reply("mycreate", CORP_ID, 1409659900, "您好]]>再见")
    encrypted, msg_signature = crypto.seal(reply, "1409659900", "42")
    fields = parse_fields(encrypted_envelope(encrypted, msg_signature, "1409659900", "42"))
    assert (fields["TimeStamp"], fields["Nonce"]) == ("1409659900", "42")
    assert crypto.open(fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]) == reply
    assert parse_fields(reply)["Content"] == "您好]]>再见"


@pytest.mark.parametrize("body", [
    b"", b"not xml", b"<xml><Encrypt>abc</Encrypt>", b"<other><Encrypt>abc</Encrypt></other>",
    b"<xml><ToUserName>x</ToUserName></xml>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><xml><Encrypt>&lol;</Encrypt></xml>',
    b'<?xml version="1.0" encoding="x-unknown"?><xml><Encrypt>abc</Encrypt></xml>',
    b'<?xml version="1.0" encoding="GBK"?><xml><Encrypt>abc</Encrypt></xml>',
    b'<xml xmlns="urn:x"><Encrypt>abc</Encrypt></xml>',
])
def test_malformed_envelopes_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedXML):
        encrypted_field(body)


def test_events_are_keyed_by_sender_and_time_when_they_have_no_msgid() -> None:
    event = parse_inbound(
        "<xml><ToUserName>c</ToUserName><FromUserName>u1</FromUserName><CreateTime>7</CreateTime>"
        "<MsgType>event</MsgType><Event>click</Event><EventKey>topic:trademark</EventKey></xml>"
    )
    assert (event.msg_type, event.event, event.event_key) == ("event", "click", "topic:trademark")
    assert event.delivery_key == "u1:7:click:topic:trademark"
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
