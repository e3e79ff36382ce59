/* tests/lib/mapcheck_test.c - recording findings of `ficus mappings check`
 * (the checks themselves run against real servers in
 * tests/integration/mappings_check_test.c). */
#include "../test.h"

#include "../../lib/mapcheck.h"

#include <stdint.h>
#include <stdio.h>

/* A path longer than a finding's text (a deep folder) only shortens it. */
TEST(long_path_is_cut_not_overflowed)
{
	struct map_check res = { 0 };
	char path[700];
	memset(path, 'p', 610);
	path[0] = '/';
	path[610] = '\0';
	map_check_add(&res, MAP_PROBLEM, path, 12, 7, "rating <- rating: %s", "too long");
	map_check_add(&res, MAP_WARNING, "m.yaml", 3, 5, "%s", "short");
	ASSERT_EQ(res.n, 2);
	ASSERT_EQ(res.problems, 1);
	ASSERT_EQ(res.warnings, 1);
	ASSERT_EQ(strlen(res.items[0].text), sizeof res.items[0].text - 1);
	ASSERT_EQ(strncmp(res.items[0].text, path, 100), 0);
	ASSERT_STR_EQ(res.items[0].text + sizeof res.items[0].text - 4, "...");
	ASSERT_STR_EQ(res.items[1].text, "m.yaml:3:5: short");
	/* a message longer than the text, after a short path */
	memset(path, 'x', 699);
	path[699] = '\0';
	map_check_add(&res, MAP_PROBLEM, "m.yaml", 1, 1, "%s", path);
	ASSERT_EQ(strlen(res.items[2].text), sizeof res.items[2].text - 1);
	ASSERT_EQ(res.problems, 2);
	map_check_release(&res);
}

/* When the list cannot grow, the finding is still counted, so the check
 * cannot end "0 problems" (exit 0) after losing one. */
TEST(finding_counted_when_the_list_cannot_grow)
{
	struct map_check res = { 0 };
	size_t huge = SIZE_MAX / 2 / sizeof(struct map_finding) + 1;
	res.n = res.cap = huge;   /* growing would overflow: no memory to be had */
	map_check_add(&res, MAP_PROBLEM, "m.yaml", 1, 1, "lost %d", 1);
	map_check_add(&res, MAP_WARNING, "m.yaml", 1, 1, "lost %d", 2);
	ASSERT_EQ(res.problems, 1);
	ASSERT_EQ(res.warnings, 1);
	ASSERT_EQ(res.n, huge);
	ASSERT(res.items == NULL);
	map_check_release(&res);
}
