/*
 * Builds the node tree from libyaml's event stream. The event parser (not
 * libyaml's document loader) is used because the loader replaces a missing
 * tag by !!str, and then `!!str 123` and `123` could not be told apart.
 */
#include "yaml_load.h"

#include "grow.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

typedef struct anchor {
  char *name;
  int node;
  int line, column;
} anchor;

typedef struct frame {
  int node;
  int key; /* a map's pending key, -1 while a key is expected */
} frame;

typedef struct loader {
  omni_yaml_tree *tree;
  omni_yaml_error *err;
  const char *name;
  const char *text;
  anchor *anchors;
  size_t nanchors, anchors_cap;
  frame stack[OMNI_YAML_MAX_DEPTH];
  int depth;
  int root;
} loader;

static int fail(loader *ld, int line, int column, const char *fmt, ...) {
  char text[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  ld->err->line = line;
  ld->err->column = column;
  snprintf(ld->err->message, sizeof ld->err->message, "%s:%d:%d: %s", ld->name, line, column, text);
  return -1;
}

static int new_node(loader *ld, omni_yaml_kind kind, yaml_mark_t mark) {
  omni_yaml_tree *t = ld->tree;
  if (grow_array(&t->nodes, &t->cap, t->count + 1, sizeof *t->nodes) != 0)
    return fail(ld, 0, 0, "out of memory");
  omni_yaml_node *n = &t->nodes[t->count];
  memset(n, 0, sizeof *n);
  n->kind = kind;
  n->line = (int)mark.line + 1;
  n->column = (int)mark.column + 1;
  return (int)t->count++;
}

static int add_anchor(loader *ld, const yaml_char_t *name, int node, yaml_mark_t mark) {
  if (name == NULL)
    return 0;
  for (size_t i = 0; i < ld->nanchors; i++)
    if (strcmp(ld->anchors[i].name, (const char *)name) == 0) /* as PyYAML's composer */
      return fail(ld, (int)mark.line + 1, (int)mark.column + 1,
                  "found duplicate anchor '%s' (first occurrence at line %d, column %d)", name,
                  ld->anchors[i].line, ld->anchors[i].column);
  if (grow_array(&ld->anchors, &ld->anchors_cap, ld->nanchors + 1, sizeof *ld->anchors) != 0)
    return fail(ld, 0, 0, "out of memory");
  anchor *a = &ld->anchors[ld->nanchors];
  a->name = strdup((const char *)name);
  if (a->name == NULL)
    return fail(ld, 0, 0, "out of memory");
  a->node = node;
  a->line = (int)mark.line + 1;
  a->column = (int)mark.column + 1;
  ld->nanchors++;
  return 0;
}

static void clear_anchors(loader *ld) {
  for (size_t i = 0; i < ld->nanchors; i++)
    free(ld->anchors[i].name);
  ld->nanchors = 0;
}

/* Attaches a finished (or, for collections, just started) node to its parent. */
static int attach(loader *ld, int child) {
  if (ld->depth == 0) {
    ld->root = child;
    return 0;
  }
  frame *f = &ld->stack[ld->depth - 1];
  omni_yaml_node *parent = &ld->tree->nodes[f->node];
  omni_yaml_node *c = &ld->tree->nodes[child];
  if (parent->kind == OMNI_YAML_SEQ) {
    if (grow_array(&parent->items, &parent->cap, parent->count + 1, sizeof(int)) != 0)
      return fail(ld, 0, 0, "out of memory");
    parent->items[parent->count++] = child;
    return 0;
  }
  if (f->key < 0) {
    if (c->kind == OMNI_YAML_SEQ || c->kind == OMNI_YAML_MAP)
      return fail(ld, c->line, c->column, "a mapping key must be a scalar, found a %s",
                  c->kind == OMNI_YAML_SEQ ? "sequence" : "mapping");
    if (c->kind == OMNI_YAML_NULL)
      return fail(ld, c->line, c->column, "a null mapping key cannot be a Lua table key");
    if (c->kind == OMNI_YAML_FLOAT && isnan(c->number))
      return fail(ld, c->line, c->column, "a NaN mapping key cannot be a Lua table key");
    f->key = child;
    return 0;
  }
  if (grow_array(&parent->pairs, &parent->cap, parent->count + 1, sizeof *parent->pairs) != 0)
    return fail(ld, 0, 0, "out of memory");
  parent->pairs[parent->count].key = f->key;
  parent->pairs[parent->count].value = child;
  parent->count++;
  f->key = -1;
  return 0;
}

static int push_frame(loader *ld, int node, yaml_mark_t mark) {
  if (ld->depth >= OMNI_YAML_MAX_DEPTH)
    return fail(ld, (int)mark.line + 1, (int)mark.column + 1, "nesting deeper than %d levels",
                OMNI_YAML_MAX_DEPTH);
  ld->stack[ld->depth].node = node;
  ld->stack[ld->depth].key = -1;
  ld->depth++;
  return 0;
}

static int collection_tag_ok(loader *ld, const yaml_char_t *tag, const char *expected,
                             yaml_mark_t mark) {
  if (tag == NULL || strcmp((const char *)tag, "!") == 0 ||
      strcmp((const char *)tag, expected) == 0)
    return 0;
  return fail(ld, (int)mark.line + 1, (int)mark.column + 1, "unsupported tag '%s'", tag);
}

static int scalar_event(loader *ld, yaml_event_t *ev) {
  const char *text = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  const char *tag = (const char *)ev->data.scalar.tag;
  yaml_mark_t m = ev->start_mark;
  omni_yaml_scalar s = {OMNI_YAML_STR, 0, 0, 0.0};
  if (tag == NULL && ev->data.scalar.plain_implicit) {
    s = omni_yaml_resolve_plain(text, len);
  } else if (tag != NULL && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0 &&
             strcmp(tag, TAG_PREFIX "str") != 0 && strcmp(tag, TAG_PREFIX "binary") != 0 &&
             strcmp(tag, TAG_PREFIX "timestamp") != 0) {
    const char *t = tag + strlen(TAG_PREFIX);
    omni_yaml_kind want = strcmp(t, "int") == 0     ? OMNI_YAML_INT
                          : strcmp(t, "float") == 0 ? OMNI_YAML_FLOAT
                          : strcmp(t, "bool") == 0  ? OMNI_YAML_BOOL
                          : strcmp(t, "null") == 0  ? OMNI_YAML_NULL
                                                    : OMNI_YAML_STR;
    if (want == OMNI_YAML_STR)
      return fail(ld, (int)m.line + 1, (int)m.column + 1, "unsupported tag '%s'", tag);
    if (omni_yaml_parse_as(want, text, len, &s) != 0)
      return fail(ld, (int)m.line + 1, (int)m.column + 1, "invalid !!%s value '%.60s'", t, text);
  } else if (tag != NULL && strcmp(tag, "!") != 0 && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX))) {
    return fail(ld, (int)m.line + 1, (int)m.column + 1, "unsupported tag '%s'", tag);
  }
  int id = new_node(ld, s.kind, m);
  if (id < 0)
    return -1;
  omni_yaml_node *n = &ld->tree->nodes[id];
  n->boolean = s.boolean;
  n->integer = s.integer;
  n->number = s.number;
  n->str = malloc(len + 1);
  if (n->str == NULL)
    return fail(ld, 0, 0, "out of memory");
  memcpy(n->str, text, len);
  n->str[len] = '\0';
  n->len = len;
  if (add_anchor(ld, ev->data.scalar.anchor, id, m) != 0)
    return -1;
  return attach(ld, id);
}

static int append_pair(loader *ld, omni_yaml_pair **out, size_t *n, size_t *cap, omni_yaml_pair p) {
  if (grow_array(out, cap, *n + 1, sizeof **out) != 0)
    return fail(ld, 0, 0, "out of memory");
  (*out)[(*n)++] = p;
  return 0;
}

static int merge_source(loader *ld, int map, omni_yaml_pair **out, size_t *n, size_t *cap) {
  omni_yaml_node *src = &ld->tree->nodes[map];
  for (size_t i = 0; i < src->count; i++)
    if (append_pair(ld, out, n, cap, src->pairs[i]) != 0)
      return -1;
  return 0;
}

/* PyYAML's flatten_mapping: merged pairs first (a list of maps in reverse,
 * so the first map listed wins), then the map's own pairs, which win over
 * all merged ones because a later duplicate key wins. */
static int apply_merges(loader *ld, int map) {
  omni_yaml_node *node = &ld->tree->nodes[map];
  size_t merges = 0;
  for (size_t i = 0; i < node->count; i++)
    merges += ld->tree->nodes[node->pairs[i].key].kind == OMNI_YAML_MERGE;
  if (merges == 0)
    return 0;
  omni_yaml_pair *out = NULL;
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < node->count; i++) {
    node = &ld->tree->nodes[map];
    omni_yaml_node *key = &ld->tree->nodes[node->pairs[i].key];
    if (key->kind != OMNI_YAML_MERGE)
      continue;
    int v = node->pairs[i].value;
    omni_yaml_node *val = &ld->tree->nodes[v];
    int rc = 0;
    if (val->kind == OMNI_YAML_MAP && v != map) {
      rc = merge_source(ld, v, &out, &n, &cap);
    } else if (val->kind == OMNI_YAML_SEQ) {
      for (size_t k = val->count; k-- > 0 && rc == 0;) {
        int item = ld->tree->nodes[v].items[k];
        if (ld->tree->nodes[item].kind != OMNI_YAML_MAP || item == map)
          rc = fail(ld, ld->tree->nodes[item].line, ld->tree->nodes[item].column,
                    "expected a mapping for merging");
        else
          rc = merge_source(ld, item, &out, &n, &cap);
      }
    } else {
      rc = fail(ld, val->line, val->column,
                "expected a mapping or list of mappings for merging (<<)");
    }
    if (rc != 0) {
      free(out);
      return -1;
    }
  }
  node = &ld->tree->nodes[map];
  for (size_t i = 0; i < node->count; i++) {
    if (ld->tree->nodes[node->pairs[i].key].kind == OMNI_YAML_MERGE)
      continue;
    if (append_pair(ld, &out, &n, &cap, node->pairs[i]) != 0) {
      free(out);
      return -1;
    }
    node = &ld->tree->nodes[map];
  }
  free(node->pairs);
  node->pairs = out;
  node->count = n;
  node->cap = cap;
  return 0;
}

static int alias_event(loader *ld, yaml_event_t *ev) {
  const char *name = (const char *)ev->data.alias.anchor;
  for (size_t i = ld->nanchors; i-- > 0;)
    if (strcmp(ld->anchors[i].name, name) == 0)
      return attach(ld, ld->anchors[i].node);
  return fail(ld, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
              "found undefined alias '%s'", name);
}

static int start_collection(loader *ld, yaml_event_t *ev, omni_yaml_kind kind) {
  const yaml_char_t *tag =
      kind == OMNI_YAML_SEQ ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
  const yaml_char_t *anch =
      kind == OMNI_YAML_SEQ ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
  if (collection_tag_ok(ld, tag, kind == OMNI_YAML_SEQ ? TAG_PREFIX "seq" : TAG_PREFIX "map",
                        ev->start_mark) != 0)
    return -1;
  int id = new_node(ld, kind, ev->start_mark);
  if (id < 0 || add_anchor(ld, anch, id, ev->start_mark) != 0 || attach(ld, id) != 0)
    return -1;
  return push_frame(ld, id, ev->start_mark);
}

static int on_event(loader *ld, yaml_event_t *ev) {
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    clear_anchors(ld);
    ld->root = -1;
    return 0;
  case YAML_DOCUMENT_END_EVENT: {
    omni_yaml_tree *t = ld->tree;
    int *roots = realloc(t->roots, (t->ndocs + 1) * sizeof *roots);
    if (roots == NULL)
      return fail(ld, 0, 0, "out of memory");
    t->roots = roots;
    t->roots[t->ndocs++] = ld->root;
    return 0;
  }
  case YAML_SCALAR_EVENT:
    return scalar_event(ld, ev);
  case YAML_ALIAS_EVENT:
    return alias_event(ld, ev);
  case YAML_SEQUENCE_START_EVENT:
    return start_collection(ld, ev, OMNI_YAML_SEQ);
  case YAML_MAPPING_START_EVENT:
    return start_collection(ld, ev, OMNI_YAML_MAP);
  case YAML_SEQUENCE_END_EVENT:
    ld->depth--;
    return 0;
  case YAML_MAPPING_END_EVENT:
    ld->depth--;
    return apply_merges(ld, ld->stack[ld->depth].node);
  default:
    return 0;
  }
}

static void parser_error(loader *ld, yaml_parser_t *p) {
  const char *problem = p->problem ? p->problem : "unknown error";
  if (p->error == YAML_READER_ERROR) { /* only a byte offset: count lines up to it */
    int line = 1, column = 1;
    for (size_t i = 0; i < p->problem_offset; i++, column++)
      if (ld->text[i] == '\n')
        line++, column = 0;
    fail(ld, line, column, "%s (byte %zu)", problem, p->problem_offset);
    return;
  }
  if (p->error == YAML_MEMORY_ERROR) {
    fail(ld, 0, 0, "out of memory");
    return;
  }
  if (p->context != NULL)
    fail(ld, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
         "%s (%s at line %d, column %d)", problem, p->context, (int)p->context_mark.line + 1,
         (int)p->context_mark.column + 1);
  else
    fail(ld, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1, "%s", problem);
}

/* Scalars the loader kept as their own kinds only for the merge step load as strings. */
static void finish_kinds(omni_yaml_tree *t) {
  for (size_t i = 0; i < t->count; i++)
    if (t->nodes[i].kind == OMNI_YAML_MERGE || t->nodes[i].kind == OMNI_YAML_OTHER)
      t->nodes[i].kind = OMNI_YAML_STR;
}

int omni_yaml_load(const char *text, size_t len, const char *name, omni_yaml_tree *tree,
                   omni_yaml_error *err) {
  memset(tree, 0, sizeof *tree);
  memset(err, 0, sizeof *err);
  loader ld = {
      .tree = tree, .err = err, .name = name ? name : "<string>", .text = text, .root = -1};
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    fail(&ld, 0, 0, "out of memory");
    return -1;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int rc = 0, done = 0;
  while (!done && rc == 0) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      parser_error(&ld, &parser);
      rc = -1;
      break;
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    rc = on_event(&ld, &ev);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  clear_anchors(&ld);
  free(ld.anchors);
  if (rc != 0) {
    omni_yaml_tree_free(tree);
    return -1;
  }
  finish_kinds(tree);
  return 0;
}

void omni_yaml_tree_free(omni_yaml_tree *tree) {
  for (size_t i = 0; i < tree->count; i++) {
    free(tree->nodes[i].str);
    free(tree->nodes[i].items);
    free(tree->nodes[i].pairs);
  }
  free(tree->nodes);
  free(tree->roots);
  memset(tree, 0, sizeof *tree);
}
