/* SPDX-License-Identifier: MIT */
/*
 * Credentials for the API: Argon2id password strings (libsodium's
 * crypto_pwhash_str), session tokens from the system's random source, of
 * which the store keeps only a SHA-256 hash, and CSRF tokens compared in
 * constant time. No state of its own beyond libsodium's initialisation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* A token as 64 lowercase hex digits (32 random bytes), and its hash the same way. */
#define AUTH_TOKEN_HEX 64

/* Initialises libsodium; call before anything else here. -EIO when it cannot. */
int auth_init(void);

/* Writes a fresh random token (NUL-terminated) to @token. */
void auth_token_new(char token[static AUTH_TOKEN_HEX + 1]);

/* True for a string that can be a token: exactly 64 lowercase hex digits. */
bool auth_token_is_valid(const char *token);

/* The SHA-256 of @token as hex: what the store keeps instead of the token itself. */
void auth_token_hash(const char *token, char hash[static AUTH_TOKEN_HEX + 1]);

/* True when @given equals @expected, in time that does not depend on where they differ. */
bool auth_token_equal(const char *expected, const char *given);

/*
 * Hashes @password into an Argon2id string (interactive limits). Returns 0,
 * -ENOMEM when the hash could not be computed (it needs 64 MiB).
 */
int auth_password_hash(const char *password, char hash[static STORE_SECRET_HASH_MAX + 1]);

/*
 * Checks @password against the Argon2id string @hash. Returns 0 when it
 * matches, -EACCES when not (or when @hash is not a valid string).
 */
int auth_password_verify(const char *hash, const char *password);
