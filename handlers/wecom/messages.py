"""WeCom callback XML: safe parsing of the envelope and the message inside, and passive-reply XML.

WeCom sends small, flat UTF-8 documents. Anything else is refused before an XML parser sees it (another
encoding could hide a DOCTYPE from a text search); what passes is parsed by defusedxml with DTDs forbidden.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET

# Entity declarations (billion laughs, external entities) can only come with a DOCTYPE: refuse both.
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(r"\ufeff?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)", re.IGNORECASE)
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0


class MalformedXML(ValueError):
    """The body is not the flat <xml> document WeCom sends."""


def checked_utf8(data: bytes | str) -> bytes:
    """`data` as UTF-8 bytes, refused (MalformedXML) unless it is UTF-8 without control characters,
    another declared encoding, DOCTYPE or ENTITY: the checks that run before any parser."""
    try:
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        text = raw.decode("utf-8")
    except UnicodeError:
        raise MalformedXML("not UTF-8") from None
    if _CONTROL_CHARACTERS.search(text):
        raise MalformedXML("control characters")
    declared = _DECLARED_ENCODING.match(text)  # a declaration is only valid at the very start
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise MalformedXML(f"declared encoding {declared.group(1)!r}, only UTF-8 is accepted")
    if _DECLARATION.search(text):
        raise MalformedXML("DOCTYPE and ENTITY declarations are not accepted")
    return raw


def parse_fields(data: bytes | str) -> dict[str, str]:
    """The child elements of a flat <xml> root as {tag: text}; see checked_utf8 for what is refused."""
    raw = checked_utf8(data)
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except (ET.ParseError, LookupError, ValueError) as exc:  # bad syntax; defusedxml refuses with ValueErrors
        raise MalformedXML(f"not XML ({exc})") from None
    if root.tag != "xml":
        raise MalformedXML(f"root element is <{root.tag}>, expected <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def encrypted_field(body: bytes) -> str:
    """The Encrypt text of a POSTed callback envelope."""
    encrypted = parse_fields(body).get("Encrypt", "")
    if not encrypted:
        raise MalformedXML("no Encrypt element")
    return encrypted


@dataclass(frozen=True)
class Inbound:
    """One decrypted callback message or event (the fields this bot uses)."""

    msg_type: str
    from_user: str
    to_user: str
    create_time: str
    msg_id: str = ""
    content: str = ""
    event: str = ""
    event_key: str = ""
    location: tuple[float, float] | None = None  # (latitude, longitude) of a location message
    token: str = ""  # kf_msg_or_event: the token for kf/sync_msg (valid 10 minutes)
    open_kfid: str = ""  # kf_msg_or_event: the kf account with new messages

    @property
    def delivery_key(self) -> str:
        """What identifies a delivery across WeCom's retries: MsgId, else sender + time + event."""
        if self.msg_id:
            return self.msg_id
        return f"{self.from_user}:{self.create_time}:{self.event}:{self.event_key}"


KF_EVENT = "kf_msg_or_event"  # 微信客服: new messages to pull (Token and OpenKfId, no FromUserName)


def parse_inbound(plain: str) -> Inbound:
    """The decrypted message XML as an Inbound; MsgType and FromUserName are required, except on the kf
    event, which needs Token and OpenKfId instead."""
    fields = parse_fields(plain)
    kf_event = fields.get("Event", "").lower() == KF_EVENT
    if kf_event and not (fields.get("Token") and fields.get("OpenKfId")):
        raise MalformedXML("kf_msg_or_event without Token or OpenKfId")
    if not fields.get("MsgType") or not (fields.get("FromUserName") or kf_event):
        raise MalformedXML("message without MsgType or FromUserName")
    return Inbound(
        msg_type=fields["MsgType"].lower(),
        from_user=fields.get("FromUserName", ""),
        to_user=fields.get("ToUserName", ""),
        create_time=fields.get("CreateTime", ""),
        msg_id=fields.get("MsgId", ""),
        content=fields.get("Content", ""),
        event=fields.get("Event", "").lower(),
        event_key=fields.get("EventKey", ""),
        location=position(fields.get("Location_X", ""), fields.get("Location_Y", "")),
        token=fields.get("Token", ""),
        open_kfid=fields.get("OpenKfId", ""),
    )


def position(latitude: object, longitude: object) -> tuple[float, float] | None:
    """A location message's Location_X (latitude) and Location_Y (longitude), or None if unreadable."""
    try:
        point = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return point if all(math.isfinite(v) for v in point) else None


def cdata(value: str) -> str:
    """`value` as CDATA; a literal ]]> is split across two sections."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, create_time: int, content: str) -> str:
    """The plaintext XML of a passive text reply."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_envelope(encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The response body carrying an encrypted passive reply."""
    return (
        f"<xml><Encrypt>{cdata(encrypted)}</Encrypt><MsgSignature>{cdata(msg_signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
