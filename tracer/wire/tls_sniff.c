/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_sniff: see tls_sniff.h. Pure functions of bytes; no state.
 */
#include "wire/tls_sniff.h"

/* The largest record length TLS allows (RFC 8446 5.2: 2^14 + 256 for
 * TLS 1.3, RFC 5246 6.2.3: 2^14 + 2048 for 1.2 ciphertext). */
#define TLS_RECORD_MAX (16384 + 2048)

#define TLS_HELLO_CLIENT 1
#define TLS_HELLO_SERVER 2

enum tls_content tls_sniff__record(const uint8_t *p, size_t n)
{
	unsigned int len;

	if (!p || n < 5)
		return TLS_NONE;
	if (p[0] < TLS_CHANGE_CIPHER_SPEC || p[0] > TLS_APPLICATION_DATA)
		return TLS_NONE;
	if (p[1] != 3 || p[2] > 4)
		return TLS_NONE;
	len = (unsigned int)p[3] << 8 | p[4];
	/* An empty record is legal only for application data; a length
	 * past the limit is no record at all. */
	if (len > TLS_RECORD_MAX || (len == 0 && p[0] != TLS_APPLICATION_DATA))
		return TLS_NONE;
	return (enum tls_content)p[0];
}

int tls_sniff__hello(const uint8_t *p, size_t n, int *client)
{
	if (tls_sniff__record(p, n) != TLS_HANDSHAKE || n < 6)
		return 0;
	if (p[5] != TLS_HELLO_CLIENT && p[5] != TLS_HELLO_SERVER)
		return 0;
	if (client)
		*client = p[5] == TLS_HELLO_CLIENT;
	return 1;
}
