#include "files.h"

#include <stdio.h>
#include <stdlib.h>

const char *test_write_file(const char *dir, const char *name, const char *text)
{
    static _Thread_local char path[512];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) abort();
    FILE *fp = fopen(path, "w");
    if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0) {
        fprintf(stderr, "test_write_file: cannot write %s\n", path);
        abort();
    }
    return path;
}
