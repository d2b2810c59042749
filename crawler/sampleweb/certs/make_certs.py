"""Make the sample web's test certificates, once: `python crawler/sampleweb/certs/make_certs.py`.

The PEM files beside this script are committed, so tests never generate keys. They are for the
sample web on loopback only and are trusted only where a test or COPDIR_SAMPLE_WEB says so:

- ca.pem, ca-key.pem: the sample web's own certificate authority, valid 2000–2100. Its key is
  committed because the TLS listener signs an expired certificate (`leaf_certificate`) for each
  name it is asked for: OpenSSL checks the name before the dates, so only a certificate for the
  right name fails as "expired" and as nothing else, and no one file can name every host.
- leaf-key.pem: the key of those per-name certificates.
- self-signed.pem, self-signed-key.pem: signed by nobody, for another name: untrusted and a mismatch.
"""
from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERTS = Path(__file__).parent
CA_NAME = "copdir sample web test CA"
SELF_SIGNED_NAME = "not-the-host-you-asked-for.invalid"


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _certificate_authority(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
            .not_valid_after(datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))


def leaf_certificate(name: str, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey,
                     public_key: ec.EllipticCurvePublicKey) -> bytes:
    """A server certificate for name, signed by the CA, that expired on 1 January 2001 (PEM)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.subject).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
            .not_valid_after(datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())).public_bytes(serialization.Encoding.PEM)


def _self_signed(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SELF_SIGNED_NAME)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
            .not_valid_after(datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(SELF_SIGNED_NAME)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))


def main() -> None:
    ca_key, leaf_key, self_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate_authority(ca_key)
    files = {
        "ca.pem": ca.public_bytes(serialization.Encoding.PEM),
        "ca-key.pem": _key_pem(ca_key),
        "leaf-key.pem": _key_pem(leaf_key),
        "self-signed.pem": _self_signed(self_key).public_bytes(serialization.Encoding.PEM),
        "self-signed-key.pem": _key_pem(self_key),
    }
    for name, data in files.items():
        (CERTS / name).write_bytes(data)
        print(f"wrote {CERTS / name}")


if __name__ == "__main__":
    main()
