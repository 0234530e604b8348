"""WeCom callback cryptography: SHA-1 signatures and AES-256-CBC messages (no dependency on the bot).

Per WeCom's spec: key = base64(EncodingAESKey + "="), IV = key[:16], PKCS#7 padding to a 32-byte
block, plaintext = 16 random bytes + 4-byte big-endian length + message + receive id (the corp id).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from typing import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BLOCK = 32
RANDOM_PREFIX = 16
AES_KEY_CHARS = 43


class WeComCryptoError(ValueError):
    """A callback could not be verified or decrypted."""


class SignatureError(WeComCryptoError):
    """msg_signature does not match: the request is not from WeCom (or the token is wrong)."""


class DecryptError(WeComCryptoError):
    """The encrypted text is not valid base64, AES or WeCom framing."""


class ReceiverError(WeComCryptoError):
    """The message decrypted but is addressed to another receive id (corp)."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """SHA-1 hex of the sorted concatenation of token, timestamp, nonce and the encrypted text."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypted))).encode()).hexdigest()


def pkcs7_pad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    amount = block - len(data) % block
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    if not data:
        raise DecryptError("empty plaintext")
    amount = data[-1]
    if not 1 <= amount <= block or data[-amount:] != bytes([amount]) * amount:
        raise DecryptError("bad padding")
    return data[:-amount]


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key encoded by the app's 43-character EncodingAESKey."""
    if len(encoding_aes_key) != AES_KEY_CHARS:
        raise ValueError(f"EncodingAESKey must be {AES_KEY_CHARS} characters, got {len(encoding_aes_key)}")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError("EncodingAESKey is not valid base64") from None
    return key


class WeComCrypto:
    """Verifies, decrypts and encrypts callback messages for one app (token, key, receive id)."""

    def __init__(
        self, token: str, encoding_aes_key: str, receive_id: str,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.receive_id = receive_id
        self._random_bytes = random_bytes

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self.token, timestamp, nonce, encrypted)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        """Raise SignatureError unless msg_signature signs these values."""
        expected = self.sign(timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), msg_signature.lower().encode()):
            raise SignatureError("msg_signature does not match")

    def decrypt(self, encrypted: str) -> str:
        """The message inside `encrypted`; checks padding, framing and the receive id."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptError("not base64") from None
        if not data or len(data) % 16:
            raise DecryptError("ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < RANDOM_PREFIX + 4:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", plain[RANDOM_PREFIX:RANDOM_PREFIX + 4])
        body = plain[RANDOM_PREFIX + 4:]
        if length > len(body):
            raise DecryptError("message length exceeds the plaintext")
        message, receive_id = body[:length], body[length:]
        if not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise ReceiverError("receive id does not match")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("message is not UTF-8") from None

    def encrypt(self, message: str) -> str:
        """Base64 of AES-256-CBC(random16 + length + message + receive id), padded to 32 bytes."""
        raw = message.encode("utf-8")
        prefix = self._random_bytes(RANDOM_PREFIX)
        if len(prefix) != RANDOM_PREFIX:
            raise ValueError("random_bytes must return 16 bytes")
        plain = pkcs7_pad(prefix + struct.pack(">I", len(raw)) + raw + self.receive_id.encode())
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """Verify the signature, then decrypt: the URL check's echostr or a message's Encrypt."""
        self.verify(msg_signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def seal(self, message: str, timestamp: str, nonce: str) -> tuple[str, str]:
        """Encrypt `message` and sign it: (Encrypt, MsgSignature) for a passive reply."""
        encrypted = self.encrypt(message)
        return encrypted, self.sign(timestamp, nonce, encrypted)

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))
