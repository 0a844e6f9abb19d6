#ifndef OMNILUA_FS_H
#define OMNILUA_FS_H
#include <stddef.h>
#include <stdint.h>

typedef struct fs_stat {
  char type; /* 'f' file, 'd' directory, 'l' other */
  int64_t size;
  int64_t mtime_ns;
} fs_stat;

/* 0 on success, else an errno value. */
int fs_stat_path(const char *path, fs_stat *out);
/* Calls fn for every entry of dir but "." and "..", sorted by name.
 * Returns 0 or an errno value. */
int fs_list(const char *dir, void (*fn)(const char *name, void *ud), void *ud);
/* mkdir -p; 0 or an errno value. */
int fs_mkdir_p(const char *path);

#endif
