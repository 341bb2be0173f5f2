"""Electronic signatures: certificates, the signature providers (pyhanko for RSA/ECDSA,
an external command for GOST providers), the МО signing order and the demo PKI.  The business
operations (who signs when, what moves the registry) are in ``app.services.signing.registry_signing``."""
