/* Numbers in JSON as Python writes them (repr(float), json.dumps), so that a
 * result file of omnilua bench reads like the reference's: the shortest of
 * 15, 16 or 17 significant digits that reads back as the same double, ".0"
 * on a whole number below 1e16, and NaN / Infinity / -Infinity. */
#ifndef OMNILUA_JSON_NUMBER_H
#define OMNILUA_JSON_NUMBER_H
#include <stddef.h>

#define JSON_NUMBER_MAX 32 /* the longest text json_number writes, with its NUL */

/* Writes v into out (JSON_NUMBER_MAX bytes); returns the length. */
size_t json_number(double v, char *out);

#endif
