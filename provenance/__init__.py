"""Provenance: the append-only, hash-chained, Ed25519-signed ledger.

`provenance.ledger.append` is the only way entries are written; see that
module for the hashed record and `provenance.canonical` for the byte-level
contract every signature depends on.
"""
