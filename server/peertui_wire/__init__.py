"""What the peertui client and relay must agree on, byte for byte: request signing (`auth`),
base64 and canonical JSON (`encoding`), ids, protocol constants, the roster rules and the
signed prekey bundle. PyNaCl and the standard library only, so the relay can ship it without
any of the client's dependencies.
"""
