/* What the dummy model "understands" of a chat request, and the answer it
 * gives: deterministic, and built to reflect the prompt so that key-word
 * checks can pass (and fail on purpose). The rule table is documented in
 * docs/reference/dummy-server.md. */
#ifndef OMNILUA_DUMMY_ANSWER_H
#define OMNILUA_DUMMY_ANSWER_H
#include "dummy_buf.h"
#include "dummy_json.h"

typedef struct dummy_prompt {
  dbuf text;                  /* the text parts of the last user message, joined by spaces */
  int images, videos, audios; /* media parts in all messages */
  int words;                  /* words of every text part of every message */
  int prompt_tokens;          /* words, plus a fixed cost per media part */
} dummy_prompt;

/* Checks a "messages" array (roles, content strings or typed parts; media
 * data URLs and input_audio base64 decoded strictly) and summarises it; -1
 * with "messages[i].content[j]...: why" in err. */
int dummy_prompt_from_messages(const dj_value *messages, dummy_prompt *out, char *err,
                               size_t errlen);
/* A prompt from plain text (offline mode, speech). */
void dummy_prompt_from_text(const char *text, dummy_prompt *out);
void dummy_prompt_free(dummy_prompt *p);
/* Appends the answer text (words separated by single spaces). */
void dummy_answer(const dummy_prompt *p, dbuf *out);
/* Words in s (runs of non-space). */
int dummy_count_words(const char *s, size_t n);

#endif
