/* Stand-in for rpm's rpmlog.h: messages go to stderr (testdata builds only). */
#include <stdio.h>
enum { RPMLOG_ERR = 3, RPMLOG_WARNING = 4 };
#define rpmlog(level, ...) fprintf(stderr, __VA_ARGS__)
