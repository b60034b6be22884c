"""RSA key pairs for signing tokens (the login bridge) and checking registered public keys."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_private_key_pem(bits: int = 2048) -> str:
    """A new PKCS#8 private key. Keep it secret: whoever holds it can mint any user's token."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_pem(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def validate_public_key_pem(pem: str) -> None:
    """Raise ValueError unless ``pem`` is an RSA public key (the only kind RS256 can use)."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("only RSA public keys can verify RS256 tokens")
