//! TDS 7.4 wire format: packets, PRELOGIN, LOGIN7, tokens, type encoding, RPC decoding.
