#!/usr/bin/env python3
"""Cross-implementation check of Kith's vc+jwt / vp+jwt with jwcrypto (PyPI).

Driven by crates/kith-vc/tests/jose_interop.rs:

    python3 jose_interop.py <input.json> <output.json>

<input.json> holds tokens Kith made: {"kith": [{"name", "jws", "jwk", "alg", "typ",
"payload", "nonce"?, "aud"?}]}. Each is verified here with jwcrypto and the public JWK;
the header and payload are compared with what Kith says it signed.

<output.json> gets {"verified": [names], "python": [{"name", "jws", "payload",
"expect"}]}: credentials signed here by jwcrypto, each by a did:jwk issuer with
kid "<did>#0", for Kith to verify. "expect" is "ok" or the Kith error code that
must refuse the token.

Needs: pip install jwcrypto==1.6.1
"""

import base64
import json
import sys

from jwcrypto import jwk, jws
from jwcrypto.common import json_encode

# secp256k1 group order, for low-S / high-S signatures (RFC 8812 section 3.2).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_kith(token: dict) -> None:
    """Verify one Kith token with jwcrypto; raise on any difference."""
    key = jwk.JWK(**token["jwk"])
    parsed = jws.JWS()
    parsed.allowed_algs = [token["alg"]]
    parsed.deserialize(token["jws"])
    parsed.verify(key, alg=token["alg"])
    header = parsed.jose_header
    assert header["alg"] == token["alg"], header
    assert header["typ"] == token["typ"], header
    assert header["cty"] == token["typ"].split("+")[0], header
    assert header["kid"].startswith("did:") and "#" in header["kid"], header
    payload = json.loads(parsed.payload)
    assert payload == token["payload"], (payload, token["payload"])
    for claim in ("nonce", "aud"):
        if claim in token:
            assert payload[claim] == token[claim], (claim, payload.get(claim))
    # A changed payload must not verify here either.
    protected, _, signature = token["jws"].split(".")
    changed = dict(token["payload"], tampered=True)
    forged = ".".join([protected, b64url(json_encode(changed).encode()), signature])
    tampered = jws.JWS()
    tampered.allowed_algs = [token["alg"]]
    tampered.deserialize(forged)
    try:
        tampered.verify(key, alg=token["alg"])
    except jws.InvalidJWSSignature:
        pass
    else:
        raise AssertionError(f"{token['name']}: jwcrypto accepted a tampered token")


def did_jwk(key: jwk.JWK) -> str:
    public = json.loads(key.export_public())
    return "did:jwk:" + b64url(json.dumps(public, separators=(",", ":")).encode())


def credential(issuer: str, name: str) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": f"urn:example:jwcrypto:{name}",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:alice",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"},
            "name": "Alice \u00e9\u4e16",
        },
    }


def sign(key: jwk.JWK, alg: str, kid: str, payload: dict, typ: str = "vc+jwt") -> str:
    token = jws.JWS(json_encode(payload).encode())
    token.allowed_algs = [alg]
    protected = {"alg": alg, "kid": kid, "typ": typ, "cty": typ.split("+")[0]}
    token.add_signature(key, alg=alg, protected=json_encode(protected))
    return token.serialize(compact=True)


def high_s(compact: str) -> bool:
    s = int.from_bytes(b64url_decode(compact.split(".")[2])[32:], "big")
    return s > SECP256K1_N // 2


def flip_s(compact: str) -> str:
    """The other valid ECDSA signature (r, n - s) over the same input."""
    head, body, sig = compact.split(".")
    raw = b64url_decode(sig)
    s = int.from_bytes(raw[32:], "big")
    return ".".join([head, body, b64url(raw[:32] + (SECP256K1_N - s).to_bytes(32, "big"))])


def python_tokens() -> list:
    out = []
    for alg, params in [
        ("EdDSA", {"kty": "OKP", "crv": "Ed25519"}),
        ("ES256", {"kty": "EC", "crv": "P-256"}),
        ("ES384", {"kty": "EC", "crv": "P-384"}),
    ]:
        key = jwk.JWK.generate(**params)
        did = did_jwk(key)
        payload = credential(did, alg)
        out.append({"name": f"jwcrypto-{alg}", "jws": sign(key, alg, f"{did}#0", payload), "payload": payload, "expect": "ok"})

    # ES256K: OpenSSL does not normalize s, Kith accepts only low-S (RFC 8812 section 3.2
    # lets verifiers choose). Sign until both forms appear; the high-S one must be refused,
    # and the same signature in low-S form accepted.
    key = jwk.JWK.generate(kty="EC", crv="secp256k1")
    did = did_jwk(key)
    payload = credential(did, "ES256K")
    low = high = None
    for _ in range(200):
        compact = sign(key, "ES256K", f"{did}#0", payload)
        if high_s(compact):
            high = high or compact
        else:
            low = low or compact
        if low and high:
            break
    assert low and high, "no low-S / high-S pair in 200 signatures"
    for compact in (low, high, flip_s(high)):
        check = jws.JWS()
        check.allowed_algs = ["ES256K"]
        check.deserialize(compact)
        check.verify(key, alg="ES256K")  # jwcrypto accepts all three
    out.append({"name": "jwcrypto-ES256K-low-s", "jws": low, "payload": payload, "expect": "ok"})
    out.append({"name": "jwcrypto-ES256K-high-s", "jws": high, "payload": payload, "expect": "non_canonical_signature"})
    out.append({"name": "jwcrypto-ES256K-normalized", "jws": flip_s(high), "payload": payload, "expect": "ok"})

    # HS256 keyed with the issuer's public key bytes: jwcrypto makes a valid MAC, Kith
    # must refuse the algorithm outright.
    ed = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    did = did_jwk(ed)
    mac_key = jwk.JWK(kty="oct", k=json.loads(ed.export_public())["x"])
    payload = credential(did, "HS256")
    out.append({"name": "jwcrypto-HS256-public-key", "jws": sign(mac_key, "HS256", f"{did}#0", payload), "payload": payload, "expect": "hmac_with_public_key"})
    return out


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    verified = []
    for token in request["kith"]:
        verify_kith(token)
        verified.append(token["name"])
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({"verified": verified, "python": python_tokens()}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
