"""Test oracle for Kith's SD-JWT: the reference implementation, PyPI `sd-jwt`
(openwallet-foundation-labs/sd-jwt-python), driven by tests/sd_jwt_interop.rs.

Usage: python3 sd_jwt_oracle.py issue|present|verify  < request.json > response.json

Exit status 3 means the `sd-jwt` package is missing (pip install sd-jwt==0.10.4).
Test code only: keys arrive as JWKs in the request, nothing is stored.
"""

import json
import sys

try:
    from jwcrypto.jwk import JWK
    from sd_jwt.common import SDObj
    from sd_jwt.holder import SDJWTHolder
    from sd_jwt.issuer import SDJWTIssuer
    from sd_jwt.verifier import SDJWTVerifier
except ImportError as error:
    print(f"sd-jwt is not installed ({error}): pip install sd-jwt==0.10.4", file=sys.stderr)
    sys.exit(3)


def mark(value, paths, prefix=()):
    """Wraps the members and elements at `paths` (lists of names and indexes) in SDObj."""
    if isinstance(value, dict):
        out = {}
        for name, inner in value.items():
            path = prefix + (name,)
            key = SDObj(name) if list(path) in paths else name
            out[key] = mark(inner, paths, path)
        return out
    if isinstance(value, list):
        out = []
        for index, inner in enumerate(value):
            path = prefix + (index,)
            inner = mark(inner, paths, path)
            out.append(SDObj(inner) if list(path) in paths else inner)
        return out
    return value


def issue(request):
    issuer = SDJWTIssuer(
        mark(request["claims"], request["disclosable"]),
        JWK.from_json(json.dumps(request["issuer_jwk"])),
        holder_key=JWK.from_json(json.dumps(request["holder_jwk"])),
        add_decoy_claims=True,
        extra_header_parameters={"typ": request["typ"]},
    )
    return {"sd_jwt": issuer.sd_jwt_issuance}


def present(request):
    holder = SDJWTHolder(request["sd_jwt"])
    holder.create_presentation(
        request["disclose"],
        nonce=request["nonce"],
        aud=request["aud"],
        holder_key=JWK.from_json(json.dumps(request["holder_jwk"])),
    )
    return {"presentation": holder.sd_jwt_presentation}


def verify(request):
    issuer_key = JWK.from_json(json.dumps(request["issuer_jwk"]))
    verifier = SDJWTVerifier(
        request["presentation"],
        lambda _issuer, _header: issuer_key,
        expected_aud=request["aud"],
        expected_nonce=request["nonce"],
    )
    return {"claims": verifier.get_verified_payload()}


COMMANDS = {"issue": issue, "present": present, "verify": verify}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: {sys.argv[0]} {'|'.join(COMMANDS)} < request.json", file=sys.stderr)
        sys.exit(2)
    json.dump(COMMANDS[sys.argv[1]](json.load(sys.stdin)), sys.stdout)
