/* tests/fuzz/targets.c - fuzz targets for every parser of outside input.
 *
 * Each fuzz_NAME takes arbitrary bytes and must never crash, hang or leak.
 * They are built two ways: with libFuzzer (`make fuzz`, one binary per
 * target via libfuzzer_main.c) and into the test binary, where
 * tests/fuzz/replay_test.c feeds them the committed corpora. */
#include "targets.h"

#include <stdio.h>
#include <string.h>

#include "../../cdc/decoder.h"
#include "../../cdc/print.h"
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

/* A binlog: the magic (optional) then events framed by their headers, fed
 * to the decoder with the --all-tables printer writing to nowhere. */
int fuzz_binlog(const uint8_t *data, size_t size)
{
	struct cdc_printer printer;
	struct cdc_handler h;
	struct cdc_decoder d;
	struct fc_err err;
	FILE *null = fopen("/dev/null", "w");
	size_t off = 0;

	if (!null)
		return 0;
	cdc_printer_init(&printer, null, &h);
	cdc_decoder_init(&d, &h);
	cdc_decoder_set_file(&d, "fuzz.000001", 4);
	if (size >= 4 && memcmp(data, CDC_BINLOG_MAGIC, 4) == 0)
		off = 4;
	while (size - off >= CDC_HEADER_LEN) {
		uint32_t n = (uint32_t)data[off + 9] | (uint32_t)data[off + 10] << 8 |
		             (uint32_t)data[off + 11] << 16 | (uint32_t)data[off + 12] << 24;
		if (n < CDC_HEADER_LEN || n > size - off)
			break;
		if (cdc_decoder_feed(&d, data + off, n, off, &err))
			break;
		off += n;
	}
	cdc_decoder_release(&d);
	cdc_printer_release(&printer);
	fclose(null);
	return 0;
}
