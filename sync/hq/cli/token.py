"""``booth-hq token keygen``: an issuing office's Ed25519 key made inside a PKCS#11 token.

Registered on ``sync.hq.cli.main``; the token is driven by ``booth.token`` (python-pkcs11, the
hq extra), imported only when a command runs.
"""

from __future__ import annotations

import click

from sync.protocol import keys


@click.group("token")
def token_group() -> None:
    """Keys in a PKCS#11 token (an HSM, a smart card; SoftHSM2 in tests)."""


@token_group.command("keygen")
@click.argument("uri")
def token_keygen(uri: str) -> None:
    """Make an Ed25519 key pair in a token, labelled by the URI's object=; the private key is
    sensitive and not extractable: it never leaves the token. Prints the key's fingerprint.

    The PKCS#11 module is BOOTH_PKCS11_MODULE (default: Debian's SoftHSM2). Register the key with
    `booth-hq issuer add OFFICE --pkcs11 URI`; sign with `booth-hq permit issue ... --key URI`.

    \b
    Example:
      booth-hq token keygen "pkcs11:token=KH-MOI;object=KH-BTB-01?pin-source=file:/etc/booth/token.pin"
    """
    from booth import token  # python-pkcs11: the hq extra

    raw = token.keygen(uri)
    click.echo(f"made {token.parse_uri(uri)} kid {keys.kid_of(raw).hex()} fingerprint {keys.fingerprint(raw)}")


COMMANDS = (token_group,)
