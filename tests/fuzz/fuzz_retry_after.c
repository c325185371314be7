/* Retry-After: delay-seconds or an HTTP-date. */
#include "export/http.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = fuzz_string(data, size);
    int64_t ms = llmobs__http_parse_retry_after(value, (time_t)1764250000);
    FUZZ_CHECK(ms == -1 || ms >= 0);
    free(value);
    return 0;
}
