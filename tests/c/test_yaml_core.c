/* YAML core: PyYAML-compatible scalar typing (expected values taken from
 * PyYAML 6.0 safe_load), the tree loader, errors with line/column, and the
 * writer's quoting. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "yaml_emit.h"
#include "yaml_load.h"
#include "yaml_scalar.h"

static omni_yaml_scalar R(const char *s) { return omni_yaml_resolve_plain(s, strlen(s)); }

static void test_resolve(void) {
  const char *strings[] = {"1e3", "1.0e3", "-.5", "0o17", "08", "hello", "1.2.3", "0x", "0b", NULL};
  for (int i = 0; strings[i]; i++)
    CHECK_EQ_INT(R(strings[i]).kind, OMNI_YAML_STR);
  const char *nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  for (int i = 0; nulls[i]; i++)
    CHECK_EQ_INT(R(nulls[i]).kind, OMNI_YAML_NULL);
  CHECK_EQ_INT(R("nULL").kind, OMNI_YAML_STR);
  CHECK(R("yes").kind == OMNI_YAML_BOOL && R("yes").boolean == 1);
  CHECK(R("No").kind == OMNI_YAML_BOOL && R("No").boolean == 0);
  CHECK(R("on").boolean == 1 && R("OFF").kind == OMNI_YAML_BOOL && R("OFF").boolean == 0);
  CHECK(R("True").boolean == 1 && R("FALSE").kind == OMNI_YAML_BOOL);
  CHECK_EQ_INT(R("tRue").kind, OMNI_YAML_STR);
  struct {
    const char *s;
    long long v;
  } ints[] = {{"+1", 1},
              {"017", 15},
              {"0x1F", 31},
              {"0b101", 5},
              {"1_000", 1000},
              {"1:30", 90},
              {"0", 0},
              {"-0", 0},
              {"-42", -42},
              {"0_", 0},
              {"190:20:30", 685230},
              {"9223372036854775807", 9223372036854775807LL}};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    omni_yaml_scalar r = R(ints[i].s);
    CHECK_EQ_INT(r.kind, OMNI_YAML_INT);
    CHECK_EQ_INT(r.integer, ints[i].v);
  }
  CHECK_EQ_INT(R("-9223372036854775808").integer, INT64_MIN);
  omni_yaml_scalar big = R("9223372036854775808"); /* past int64: a float, as Lua's tonumber */
  CHECK_EQ_INT(big.kind, OMNI_YAML_FLOAT);
  CHECK_NEAR(big.number, 9223372036854775808.0, 0);
  struct {
    const char *s;
    double v;
  } floats[] = {{"1.5", 1.5},     {".5", 0.5},        {"1.", 1.0},         {"3.0", 3.0},
                {"1:30.5", 90.5}, {"1.0e+3", 1000.0}, {"-2.5E-2", -0.025}, {"1_0.2_5", 10.25}};
  for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
    omni_yaml_scalar r = R(floats[i].s);
    CHECK_EQ_INT(r.kind, OMNI_YAML_FLOAT);
    CHECK_NEAR(r.number, floats[i].v, 0);
  }
  CHECK(isinf(R("-.inf").number) && R("-.inf").number < 0);
  CHECK(isinf(R(".Inf").number) && R("+.INF").number > 0);
  CHECK(isnan(R(".NaN").number));
  CHECK_EQ_INT(R("-.nan").kind, OMNI_YAML_STR);
  CHECK_EQ_INT(R("<<").kind, OMNI_YAML_MERGE);
  CHECK_EQ_INT(R("2024-01-01").kind, OMNI_YAML_OTHER);
  CHECK_EQ_INT(R("=").kind, OMNI_YAML_OTHER);
}

static void test_format_float(void) {
  char buf[40];
  struct {
    double v;
    const char *s;
  } cases[] = {{3.0, "3.0"},
               {0.1, "0.1"},
               {1e20, "1.0e+20"},
               {-0.0, "-0.0"},
               {1.5e-7, "1.5e-07"},
               {123456.789, "123456.789"},
               {0.30000000000000004, "0.30000000000000004"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    omni_yaml_format_float(cases[i].v, buf);
    CHECK_EQ_STR(buf, cases[i].s);
    omni_yaml_scalar r = R(buf); /* and it reads back as the same float */
    CHECK_EQ_INT(r.kind, OMNI_YAML_FLOAT);
    CHECK(r.number == cases[i].v);
  }
  omni_yaml_format_float(INFINITY, buf);
  CHECK_EQ_STR(buf, ".inf");
  omni_yaml_format_float(-INFINITY, buf);
  CHECK_EQ_STR(buf, "-.inf");
  omni_yaml_format_float(NAN, buf);
  CHECK_EQ_STR(buf, ".nan");
}

static int load(const char *text, omni_yaml_tree *t, omni_yaml_error *e) {
  return omni_yaml_load(text, strlen(text), "t.yaml", t, e);
}

static const omni_yaml_node *get(const omni_yaml_tree *t, const omni_yaml_node *map,
                                 const char *key) {
  const omni_yaml_node *found = NULL; /* a later duplicate wins */
  for (size_t i = 0; i < map->count; i++) {
    const omni_yaml_node *k = &t->nodes[map->pairs[i].key];
    if (k->kind == OMNI_YAML_STR && strcmp(k->str, key) == 0)
      found = &t->nodes[map->pairs[i].value];
  }
  return found;
}

static void test_load(void) {
  omni_yaml_tree t;
  omni_yaml_error e;
  const char *doc = "stage_args:\n"
                    "  - stage_id: 0\n"
                    "    runtime: {devices: \"0\", max_batch_size: 5}\n"
                    "    q: '1.5'\n"
                    "    t: !!str 123\n"
                    "    f: !!float 2\n"
                    "  - &s1 {stage_id: 1, x: ~}\n"
                    "  - *s1\n"
                    "async_chunk: yes\n";
  CHECK_EQ_INT(load(doc, &t, &e), 0);
  CHECK_EQ_INT(t.ndocs, 1);
  const omni_yaml_node *root = &t.nodes[t.roots[0]];
  CHECK_EQ_INT(root->kind, OMNI_YAML_MAP);
  const omni_yaml_node *stages = get(&t, root, "stage_args");
  CHECK(stages && stages->kind == OMNI_YAML_SEQ && stages->count == 3);
  CHECK_EQ_INT(stages->items[1], stages->items[2]); /* the alias is the anchored node */
  const omni_yaml_node *s0 = &t.nodes[stages->items[0]];
  CHECK_EQ_INT(s0->line, 2);
  CHECK_EQ_INT(s0->column, 5);
  CHECK_EQ_INT(get(&t, s0, "stage_id")->kind, OMNI_YAML_INT);
  CHECK_EQ_STR(get(&t, get(&t, s0, "runtime"), "devices")->str, "0");
  CHECK_EQ_INT(get(&t, get(&t, s0, "runtime"), "devices")->kind, OMNI_YAML_STR);
  CHECK_EQ_INT(get(&t, s0, "q")->kind, OMNI_YAML_STR);
  CHECK_EQ_INT(get(&t, s0, "t")->kind, OMNI_YAML_STR);
  CHECK_EQ_INT(get(&t, s0, "f")->kind, OMNI_YAML_FLOAT);
  CHECK_EQ_INT(get(&t, &t.nodes[stages->items[1]], "x")->kind, OMNI_YAML_NULL);
  CHECK(get(&t, root, "async_chunk")->boolean == 1);
  omni_yaml_tree_free(&t);

  /* merge keys, as PyYAML: own keys win, the first of a merged list wins */
  CHECK_EQ_INT(
      load("b: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nd:\n  <<: [{x: 1}, {x: 2, z: 5}]\n", &t, &e),
      0);
  root = &t.nodes[t.roots[0]];
  const omni_yaml_node *c = get(&t, root, "c"), *d = get(&t, root, "d");
  CHECK_EQ_INT(get(&t, c, "x")->integer, 1);
  CHECK_EQ_INT(get(&t, c, "y")->integer, 3);
  CHECK(get(&t, c, "<<") == NULL);
  CHECK_EQ_INT(get(&t, d, "x")->integer, 1);
  CHECK_EQ_INT(get(&t, d, "z")->integer, 5);
  omni_yaml_tree_free(&t);

  CHECK_EQ_INT(load("a: 1\n---\nb: 2\n", &t, &e), 0);
  CHECK_EQ_INT(t.ndocs, 2);
  omni_yaml_tree_free(&t);
  CHECK_EQ_INT(load("", &t, &e), 0);
  CHECK_EQ_INT(t.ndocs, 0);
  omni_yaml_tree_free(&t);
}

static void expect_error(const char *text, int line, int column, const char *fragment) {
  omni_yaml_tree t;
  omni_yaml_error e;
  CHECK_EQ_INT(load(text, &t, &e), -1);
  CHECK_EQ_INT(e.line, line);
  CHECK_EQ_INT(e.column, column);
  if (strstr(e.message, fragment) == NULL || strncmp(e.message, "t.yaml:", 7) != 0) {
    CHECK_EQ_STR(e.message, fragment);
  }
  CHECK(t.nodes == NULL && t.count == 0);
}

static void test_errors(void) {
  expect_error("a: 1\nb: [1, 2\nc: 3\n", 3, 2,
               "did not find expected ',' or ']' (while parsing a flow sequence at line 2, "
               "column 4)");
  expect_error("a: \"\xff\"\n", 1, 5, "invalid leading UTF-8 octet (byte 4)");
  expect_error("a:\n  b: 1\n c: 2\n", 3, 2, "did not find expected key");
  expect_error("a: *nope\n", 1, 4, "found undefined alias 'nope'");
  expect_error("a: &x 1\nb: &x 2\n", 2, 4, "found duplicate anchor 'x'");
  expect_error("? [1, 2]\n: v\n", 1, 3, "a mapping key must be a scalar");
  expect_error("~: v\n", 1, 1, "null mapping key");
  expect_error("a: !!int abc\n", 1, 4, "invalid !!int value 'abc'");
  expect_error("a: !custom 1\n", 1, 4, "unsupported tag '!custom'");
  expect_error("a:\n  <<: 5\n", 2, 7, "expected a mapping or list of mappings");
  expect_error("a: \"unterminated\n", 2, 1, "found unexpected end of stream");
  /* deep nesting is refused before it can exhaust the stack */
  size_t n = 2 * OMNI_YAML_MAX_DEPTH + 10;
  char *deep = malloc(n + 1);
  memset(deep, '[', n);
  deep[n] = '\0';
  omni_yaml_tree t;
  omni_yaml_error e;
  CHECK_EQ_INT(load(deep, &t, &e), -1);
  CHECK(strstr(e.message, "nesting deeper than") != NULL);
  free(deep);
}

static void test_writer(void) {
  omni_yaml_writer *w = omni_yaml_writer_new();
  omni_yaml_write_map_start(w);
  omni_yaml_write_string(w, "stage_id", 8);
  omni_yaml_write_int(w, 0);
  omni_yaml_write_string(w, "list", 4);
  omni_yaml_write_seq_start(w);
  const char *strs[] = {"true", "1", "", "null", "plain text", "a: b", "2024-01-01", "<<", "x\ny"};
  for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
    omni_yaml_write_string(w, strs[i], strlen(strs[i]));
  omni_yaml_write_float(w, 2.0);
  omni_yaml_write_bool(w, 0);
  omni_yaml_write_null(w);
  omni_yaml_write_seq_end(w);
  omni_yaml_write_string(w, "empty", 5);
  omni_yaml_write_seq_start(w);
  omni_yaml_write_seq_end(w);
  omni_yaml_write_map_end(w);
  size_t len = 0;
  const char *out = omni_yaml_writer_finish(w, &len);
  CHECK_EQ_STR(out, "stage_id: 0\n"
                    "list:\n"
                    "- 'true'\n"
                    "- '1'\n"
                    "- ''\n"
                    "- 'null'\n"
                    "- plain text\n"
                    "- 'a: b'\n"
                    "- '2024-01-01'\n"
                    "- '<<'\n"
                    "- 'x\n\n  y'\n"
                    "- 2.0\n"
                    "- false\n"
                    "- null\n"
                    "empty: []\n");
  CHECK_EQ_INT(len, strlen(out));
  /* and back: every string is a string again */
  omni_yaml_tree t;
  omni_yaml_error e;
  CHECK_EQ_INT(omni_yaml_load(out, len, "out", &t, &e), 0);
  const omni_yaml_node *list = get(&t, &t.nodes[t.roots[0]], "list");
  for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
    CHECK_EQ_INT(t.nodes[list->items[i]].kind, OMNI_YAML_STR);
    CHECK_EQ_STR(t.nodes[list->items[i]].str, strs[i]);
  }
  omni_yaml_tree_free(&t);
  omni_yaml_writer_free(w);

  w = omni_yaml_writer_new(); /* invalid UTF-8 is an error, not garbage */
  CHECK_EQ_INT(omni_yaml_write_string(w, "\xff\xfe", 2), -1);
  CHECK(strstr(omni_yaml_writer_error(w), "UTF-8") != NULL);
  CHECK(omni_yaml_writer_finish(w, &len) == NULL);
  omni_yaml_writer_free(w);
}

int main(void) {
  test_resolve();
  test_format_float();
  test_load();
  test_errors();
  test_writer();
  return check_summary("test_yaml_core");
}
