/* Keeps the support library non-empty before any helper exists. */
typedef int llmobs_test_support_empty;
