/*
 * Plain YAML scalars resolved to types the way PyYAML's SafeLoader does
 * (YAML 1.1 implicit resolvers), so a stage config means the same thing to
 * omnilua as to the Python engine that reads it: `yes`/`on` are booleans,
 * `1e3` (no dot) is a string, `0o17` is a string, `017` is octal 15,
 * `1:30` is sexagesimal 90, `~`/`null`/empty are null.
 */
#ifndef OMNILUA_YAML_SCALAR_H
#define OMNILUA_YAML_SCALAR_H
#include <stddef.h>
#include <stdint.h>

typedef enum omni_yaml_kind {
  OMNI_YAML_NULL,
  OMNI_YAML_BOOL,
  OMNI_YAML_INT,
  OMNI_YAML_FLOAT,
  OMNI_YAML_STR,
  OMNI_YAML_SEQ,
  OMNI_YAML_MAP,
  /* Resolver-only results: a plain "<<" (merge key), and plain scalars that
   * PyYAML would turn into something other than a string (timestamps, "=").
   * Loaded as strings by omnilua; the emitter quotes them. */
  OMNI_YAML_MERGE,
  OMNI_YAML_OTHER
} omni_yaml_kind;

typedef struct omni_yaml_scalar {
  omni_yaml_kind kind;
  int boolean;
  int64_t integer;
  double number;
} omni_yaml_scalar;

/* Resolves the text of a plain (unquoted, untagged) scalar. An integer that
 * does not fit in 64 bits becomes a float, as Lua's tonumber does. */
omni_yaml_scalar omni_yaml_resolve_plain(const char *text, size_t len);

/* Parses text as the given type (for explicit tags !!int, !!float, !!bool,
 * !!null). Returns 0 on success, -1 when the text is not of that type. */
int omni_yaml_parse_as(omni_yaml_kind kind, const char *text, size_t len, omni_yaml_scalar *out);

/* Formats a double so that PyYAML and omnilua read back the same value and
 * type: shortest round-tripping digits, always with a '.', ".inf", ".nan".
 * buf must hold 40 bytes. */
void omni_yaml_format_float(double value, char *buf);

#endif
