// SPDX-License-Identifier: MIT
/*
 * Passwords, session tokens and CSRF tokens on top of libsodium. The cookie
 * carries the token; the store only ever sees its hash, so a copy of the
 * database cannot be replayed as a session.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

#define TOKEN_BYTES 32

int auth_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static void to_hex(const unsigned char *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void auth_token_new(char token[static AUTH_TOKEN_HEX + 1])
{
	unsigned char bytes[TOKEN_BYTES];

	randombytes_buf(bytes, sizeof(bytes));
	to_hex(bytes, sizeof(bytes), token);
	sodium_memzero(bytes, sizeof(bytes));
}

bool auth_token_is_valid(const char *token)
{
	size_t n = 0;

	for (; token[n]; n++) {
		if (n >= AUTH_TOKEN_HEX)
			return false;
		if (!((token[n] >= '0' && token[n] <= '9') || (token[n] >= 'a' && token[n] <= 'f')))
			return false;
	}
	return n == AUTH_TOKEN_HEX;
}

void auth_token_hash(const char *token, char hash[static AUTH_TOKEN_HEX + 1])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
	to_hex(digest, sizeof(digest), hash);
}

bool auth_token_equal(const char *expected, const char *given)
{
	size_t n = strlen(expected);

	if (n == 0 || strlen(given) != n)
		return false;
	return sodium_memcmp(expected, given, n) == 0;
}

int auth_password_hash(const char *password, char hash[static STORE_SECRET_HASH_MAX + 1])
{
	char out[crypto_pwhash_STRBYTES];

	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -ENOMEM;
	if (strlen(out) > STORE_SECRET_HASH_MAX)
		return -EIO;
	memcpy(hash, out, strlen(out) + 1);
	return 0;
}

int auth_password_verify(const char *hash, const char *password)
{
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return -EACCES;
	return 0;
}
