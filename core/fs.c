#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int fs_stat_path(const char *path, fs_stat *out) {
  struct stat st;
  if (stat(path, &st) != 0)
    return errno;
  out->type = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : 'l';
  out->size = (int64_t)st.st_size;
  out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_list(const char *dir, void (*fn)(const char *name, void *ud), void *ud) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return errno;
  size_t n = 0, cap = 16;
  char **names = malloc(cap * sizeof *names);
  struct dirent *e;
  int err = names ? 0 : ENOMEM;
  while (err == 0 && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (n == cap) {
      char **grown = realloc(names, 2 * cap * sizeof *names);
      if (grown == NULL) {
        err = ENOMEM;
        break;
      }
      names = grown;
      cap *= 2;
    }
    if ((names[n] = strdup(e->d_name)) == NULL)
      err = ENOMEM;
    else
      n++;
  }
  closedir(d);
  /* sorted so that collection order is the same on every file system */
  if (err == 0)
    qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    if (err == 0)
      fn(names[i], ud);
    free(names[i]);
  }
  free(names);
  return err;
}

int fs_mkdir_p(const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return ENAMETOOLONG;
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return errno;
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return errno;
  return 0;
}
