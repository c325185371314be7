/* Spool files read back from disk (llmobs__spool_decode), and the encoder's round trip. */
#include "export/spool.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    llmobs__spool_header h;
    const char *payload = NULL;
    if (llmobs__spool_decode(data, size, &h, &payload)) {
        FUZZ_CHECK(payload == (const char *)data + LLMOBS__SPOOL_HEADER_LEN);
        FUZZ_CHECK(h.payload_len == size - LLMOBS__SPOOL_HEADER_LEN && h.items > 0);
    }
    /* Any bytes as a payload: encode, then decode gives them back. */
    unsigned char *file = malloc(LLMOBS__SPOOL_HEADER_LEN + size);
    FUZZ_CHECK(file != NULL);
    uint8_t dests = (uint8_t)(size >> 1 & 3); /* version 2 files carry a destination mask */
    llmobs__spool_header in = {dests ? LLMOBS__SPOOL_VERSION_DESTS : LLMOBS__SPOOL_VERSION,
                               (uint16_t)(size & 1),
                               (uint32_t)size + 1,
                               size,
                               (int64_t)size * 1000,
                               dests};
    llmobs__spool_encode_header(&in, (const char *)data, file);
    if (size) memcpy(file + LLMOBS__SPOOL_HEADER_LEN, data, size);
    llmobs__spool_header out;
    FUZZ_CHECK(llmobs__spool_decode(file, LLMOBS__SPOOL_HEADER_LEN + size, &out, &payload));
    FUZZ_CHECK(out.items == in.items && out.kind == in.kind && out.dests == in.dests &&
               out.payload_len == size && out.created_unix_ns == in.created_unix_ns);
    /* One flipped bit anywhere is detected. */
    if (size) {
        file[LLMOBS__SPOOL_HEADER_LEN + data[0] % size] ^= 1;
        FUZZ_CHECK(!llmobs__spool_decode(file, LLMOBS__SPOOL_HEADER_LEN + size, &out, &payload));
    }
    free(file);
    return 0;
}
