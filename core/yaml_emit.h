/*
 * A YAML writer over libyaml's emitter (no Lua): the caller walks its data
 * and calls one function per value; the writer chooses scalar styles so the
 * text reads back as the same values under PyYAML and omni_yaml_load:
 * block collections, strings quoted only when a plain scalar would re-type
 * ("true", "1", "null", "", "1.5", "<<", "2024-01-01") or be invalid YAML.
 */
#ifndef OMNILUA_YAML_EMIT_H
#define OMNILUA_YAML_EMIT_H
#include <stddef.h>
#include <stdint.h>

typedef struct omni_yaml_writer omni_yaml_writer;

/* NULL when out of memory. */
omni_yaml_writer *omni_yaml_writer_new(void);
void omni_yaml_writer_free(omni_yaml_writer *w);

/* Each returns 0, or -1 after which omni_yaml_writer_error() says why and
 * the writer refuses further calls. */
int omni_yaml_write_null(omni_yaml_writer *w);
int omni_yaml_write_bool(omni_yaml_writer *w, int value);
int omni_yaml_write_int(omni_yaml_writer *w, int64_t value);
int omni_yaml_write_float(omni_yaml_writer *w, double value);
int omni_yaml_write_string(omni_yaml_writer *w, const char *s, size_t len);
int omni_yaml_write_seq_start(omni_yaml_writer *w);
int omni_yaml_write_seq_end(omni_yaml_writer *w);
int omni_yaml_write_map_start(omni_yaml_writer *w);
int omni_yaml_write_map_end(omni_yaml_writer *w);

/* Ends the document; returns the text (owned by the writer) or NULL. */
const char *omni_yaml_writer_finish(omni_yaml_writer *w, size_t *len);
const char *omni_yaml_writer_error(const omni_yaml_writer *w);

#endif
