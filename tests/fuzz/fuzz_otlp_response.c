/* The bodies an OTLP receiver answers with: partialSuccess of a 2xx, the error explanation
 * of a 4xx/5xx. */
#include "export/http_util.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_string(data, size);
    uint32_t rejected = 7;
    char msg[64];
    memset(msg, 'x', sizeof msg);
    llmobs__otlp_partial_success(NULL, body, &rejected, msg, sizeof msg);
    FUZZ_CHECK(memchr(msg, '\0', sizeof msg) != NULL);
    for (const char *p = msg; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20); /* control characters never reach the log */
    char text[200];
    llmobs__server_message(NULL, body, text, sizeof text);
    FUZZ_CHECK(memchr(text, '\0', sizeof text) != NULL);
    char tiny[1];
    llmobs__server_message(NULL, body, tiny, sizeof tiny);
    FUZZ_CHECK(tiny[0] == '\0');
    free(body);
    return 0;
}
