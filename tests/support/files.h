/* Test support: fixture files on disk. */
#ifndef LLMOBS_TEST_FILES_H
#define LLMOBS_TEST_FILES_H

/* Writes `text` to the file `name` in `dir`, replacing it, and returns its path (the calling
 * thread's static buffer: valid until its next call). Aborts when the file cannot be written:
 * a test whose fixture is missing would fail for the wrong reason. */
const char *test_write_file(const char *dir, const char *name, const char *text);

#endif
