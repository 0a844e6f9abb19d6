/* libFuzzer target: the YAML loader behind omni.yaml and stage configs. */
#include <stddef.h>
#include <stdint.h>

#include "yaml_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  omni_yaml_tree tree = {0};
  omni_yaml_error err;
  if (omni_yaml_load((const char *)data, size, "<fuzz>", &tree, &err) == 0)
    omni_yaml_tree_free(&tree);
  return 0;
}
