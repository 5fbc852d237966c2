/*
 * A driver for rpm's own NDB package store (lib/backend/ndb/rpmpkg.c, compiled beside it), used
 * only to make and check testdata:
 *   ndbtool put Packages.db blob...   each file (one rpm header blob) stored under the next package index
 *   ndbtool del Packages.db pkgidx    removes one package (leaves a free slot and a hole)
 *   ndbtool dump Packages.db outdir   verifies the database, writes each blob to outdir/<pkgidx>
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rpmpkg.h"

static unsigned char *slurp(const char *path, unsigned int *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  unsigned char *b = malloc(n ? n : 1);
  if (fread(b, 1, n, f) != (size_t)n) { perror(path); exit(1); }
  fclose(f);
  *len = (unsigned int)n;
  return b;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: ndbtool put|del|dump Packages.db ...\n"); return 2; }
  rpmpkgdb db;
  int write = strcmp(argv[1], "dump") != 0;
  if (rpmpkgOpen(&db, argv[2], write ? O_RDWR | O_CREAT : O_RDONLY, 0644)) { fprintf(stderr, "cannot open %s\n", argv[2]); return 1; }
  rpmpkgSetFsync(db, 0);
  if (rpmpkgLock(db, write)) { fprintf(stderr, "cannot lock\n"); return 1; }
  if (!strcmp(argv[1], "put")) {
    for (int i = 3; i < argc; i++) {
      unsigned int idx, len;
      unsigned char *blob = slurp(argv[i], &len);
      if (rpmpkgNextPkgIdx(db, &idx) || rpmpkgPut(db, idx, blob, len)) { fprintf(stderr, "put %s failed\n", argv[i]); return 1; }
      printf("%u\t%s\n", idx, argv[i]);
      free(blob);
    }
  } else if (!strcmp(argv[1], "del") && argc == 4) {
    if (rpmpkgDel(db, (unsigned int)strtoul(argv[3], 0, 10))) { fprintf(stderr, "del failed\n"); return 1; }
  } else if (!strcmp(argv[1], "dump") && argc == 4) {
    unsigned int *list, n;
    if (rpmpkgVerify(db)) { fprintf(stderr, "verify failed\n"); return 1; }
    if (rpmpkgList(db, &list, &n)) { fprintf(stderr, "list failed\n"); return 1; }
    for (unsigned int i = 0; i < n; i++) {
      unsigned char *blob; unsigned int len;
      char out[4096];
      if (rpmpkgGet(db, list[i], &blob, &len)) { fprintf(stderr, "get %u failed\n", list[i]); return 1; }
      snprintf(out, sizeof out, "%s/%u", argv[3], list[i]);
      FILE *f = fopen(out, "wb");
      if (!f || fwrite(blob, 1, len, f) != len || fclose(f)) { perror(out); return 1; }
      printf("%u\t%u\n", list[i], len);
      free(blob);
    }
  } else { fprintf(stderr, "bad arguments\n"); return 2; }
  rpmpkgUnlock(db, write);
  rpmpkgClose(db);
  return 0;
}
