/*
 * YAML text -> a tree of typed nodes (no Lua). Scalars are resolved as
 * PyYAML's SafeLoader does (yaml_scalar.h); anchors and aliases are resolved
 * (an alias points at the anchored node, so the tree is a graph that may
 * share nodes); merge keys (`<<: *base`) are applied; every node keeps its
 * 1-based line and column for error messages.
 */
#ifndef OMNILUA_YAML_LOAD_H
#define OMNILUA_YAML_LOAD_H
#include <stddef.h>
#include <stdint.h>

#include "yaml_scalar.h"

/* Deeper nesting is rejected, so that walking a tree never exhausts the C stack. */
#define OMNI_YAML_MAX_DEPTH 512

typedef struct omni_yaml_pair {
  int key, value; /* node indexes */
} omni_yaml_pair;

typedef struct omni_yaml_node {
  omni_yaml_kind kind; /* NULL, BOOL, INT, FLOAT, STR, SEQ or MAP */
  int line, column;
  int boolean;
  int64_t integer;
  double number;
  char *str; /* OMNI_YAML_STR: NUL-terminated, may contain NULs (see len) */
  size_t len;
  int *items;            /* OMNI_YAML_SEQ */
  omni_yaml_pair *pairs; /* OMNI_YAML_MAP; in order, a later duplicate key wins */
  size_t count;          /* items or pairs */
  size_t cap;
} omni_yaml_node;

typedef struct omni_yaml_tree {
  omni_yaml_node *nodes;
  size_t count, cap;
  int *roots; /* one root node per document */
  size_t ndocs;
} omni_yaml_tree;

typedef struct omni_yaml_error {
  int line, column;  /* 1-based; 0 when unknown */
  char message[512]; /* "NAME:LINE:COL: problem (context)" */
} omni_yaml_error;

/* Loads every document of text. name (a file name, or "<string>") prefixes
 * error messages. Returns 0, or -1 with err filled and tree emptied. */
int omni_yaml_load(const char *text, size_t len, const char *name, omni_yaml_tree *tree,
                   omni_yaml_error *err);

void omni_yaml_tree_free(omni_yaml_tree *tree);

#endif
