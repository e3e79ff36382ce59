/* tests/fuzz/targets.c - fuzz targets for every parser of outside input.
 *
 * Each fuzz_NAME takes arbitrary bytes and must never crash, hang or leak.
 * They are built two ways: with libFuzzer (`make fuzz`, one binary per
 * target via libfuzzer_main.c) and into the test binary, where
 * tests/fuzz/replay_test.c feeds them the committed corpora. */
#include "targets.h"

#include "../../lib/config.h"
#include "../../lib/mapping.h"
#include "../../lib/yaml.h"

int fuzz_yaml(const uint8_t *data, size_t size)
{
	struct fc_ydoc doc;
	struct fc_err err;
	if (fc_yaml_load("fuzz.yaml", (const char *)data, size, &doc, &err) == 0)
		fc_ydoc_release(&doc);
	return 0;
}

int fuzz_config(const uint8_t *data, size_t size)
{
	struct fc_config cfg;
	struct fc_err err;
	if (fc_config_parse("fuzz.yaml", (const char *)data, size, &cfg, &err) == 0)
		fc_config_release(&cfg);
	return 0;
}

int fuzz_mapping(const uint8_t *data, size_t size)
{
	struct map_file *f;
	struct fc_err err;
	if (map_file_parse("fuzz.yaml", (const char *)data, size, &f, &err) == 0)
		map_file_free(f);
	return 0;
}
