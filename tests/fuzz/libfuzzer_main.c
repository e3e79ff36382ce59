/* tests/fuzz/libfuzzer_main.c - libFuzzer entry; FUZZ_TARGET names the
 * target (the Makefile's fuzz rule sets it). Run e.g.
 *   make fuzz && build/fuzz/mapping_fuzz tests/fuzz/corpus/mapping */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FUZZ_TARGET(data, size);
}
