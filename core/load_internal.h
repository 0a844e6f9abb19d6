/* Shared by load_engine.c (the run) and load_chunk.c (what one SSE message
 * or one JSON body says). Not for other users. */
#ifndef OMNILUA_LOAD_INTERNAL_H
#define OMNILUA_LOAD_INTERNAL_H
#include "load_engine.h"

/* One SSE data payload. Returns 1 when it was a token chunk, 0 otherwise,
 * -1 when the server reported an error in the stream (message in rec->error). */
int load_chunk_event(load_record *rec, const char *data, size_t n, int64_t t_ns, int keep_text);
/* A whole non-streaming answer. 1 if it had choices, 0 if not, -1 bad JSON. */
int load_chunk_body(load_record *rec, const char *body, size_t n, int64_t t_ns, int keep_text);
/* Frees what a record owns. */
void load_record_clear(load_record *rec);

#endif
