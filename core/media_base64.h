#ifndef OMNILUA_MEDIA_BASE64_H
#define OMNILUA_MEDIA_BASE64_H
#include <stddef.h>
#include <stdint.h>

/* Standard base64 (RFC 4648 section 4, '+' '/' and '=' padding). */

/* Length of the encoding of n bytes; SIZE_MAX if that would overflow. */
size_t media_base64_encoded_len(size_t n);
/* Writes exactly media_base64_encoded_len(n) characters to out (no NUL). */
void media_base64_encode(const uint8_t *in, size_t n, char *out);
/* Strict decoding: the length is a multiple of 4, only the alphabet, '=' only
 * as one or two final characters, and the bits that padding drops are zero
 * (so each byte string has exactly one accepted encoding). `out` needs room
 * for n / 4 * 3 bytes. Returns 0 and sets *out_len, or -1 with a reason. */
int media_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len, char *err,
                        size_t errlen);

#endif
