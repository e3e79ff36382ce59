/* lib/mapping.h - mapping files (mappings/NAME.yaml): which legacy table and
 * columns become which entity, event and target table. One file per
 * bounded context; the format is in docs/mappings.md:
 *
 *   source: legacy            # connection names (default: sync.source/target)
 *   target: newdb
 *   entities:
 *     shop:
 *       from: { table: baemin.shop, key: [shop_id], watch: [...] }
 *       to:   { table: shop.shops,  key: [id] }
 *       columns:              # target column: source column, or a spec
 *         id: shop_id
 *         phone: { from: tel_no, trim: true }
 *       event: { topic: shop.changed, payload: zero }
 *
 * The same structs drive cdc (which rows raise which events), sync (how to
 * fetch and upsert), verify (what to compare) and `ficus mappings check`. */
#ifndef MAP_MAPPING_H
#define MAP_MAPPING_H

#include "config.h"
#include "err.h"
#include "ident.h"
#include "yaml.h"

#include <stdbool.h>
#include <stddef.h>

struct map_table {
	char schema[FC_IDENT_MAX + 1];  /* "" when not qualified */
	char name[FC_IDENT_MAX + 1];
	const char *text;               /* as written: "baemin.shop" */
};

/* One entry of a value map: legacy value -> target value (NULL: SQL NULL). */
struct map_value {
	const char *from;
	const char *to;
};

/* What an event carries besides entity and key: nothing (zero, the
 * default: consumers fetch the current state), the key again, the listed
 * target columns, or every mapped column (values as in the legacy row). */
enum map_payload { MAP_PAYLOAD_ZERO, MAP_PAYLOAD_FULL, MAP_PAYLOAD_KEY, MAP_PAYLOAD_COLUMNS };

struct map_column {
	const char *target;       /* target column */
	const char *source;       /* legacy column */
	bool trim;                /* strip leading/trailing spaces */
	struct map_value *values; /* value map, applied after trim */
	size_t nvalues;
	bool has_default;         /* values not in the map become default_value */
	const char *default_value;/* NULL with has_default: SQL NULL */
	const char **null_if;     /* legacy values read as NULL ("", "0000-00-00") */
	size_t nnull_if;
	const char *timezone;     /* zone of a legacy DATETIME's wall clock */
	const char *type;         /* cast to this PostgreSQL type */
	const char *charset;      /* legacy bytes' charset (binary columns) */
	int line, col;
};

struct map_file;

struct map_entity {
	const char *name;
	const struct map_file *file;
	int line, col;
	struct map_table from, to;
	const char **from_key;    /* nkey legacy key columns */
	const char **to_key;      /* nkey target key columns, same order */
	size_t nkey;
	const char *changed;      /* legacy column of the last change time (for
	                           * sync's polling when the bus is down), or NULL */
	const char **watch;       /* legacy columns whose change raises the event; */
	size_t nwatch;            /* none: any column */
	struct map_column *columns;
	size_t ncolumns;
	const char *topic;        /* default "<entity>.changed" */
	enum map_payload payload;
	const char **payload_cols;/* MAP_PAYLOAD_COLUMNS: target columns */
	size_t npayload_cols;
};

struct map_file {
	const char *path;
	const char *source;       /* connection names */
	const char *target;
	int source_line, source_col, target_line, target_col;
	struct map_entity *entities;
	size_t nentities;
	struct fc_ydoc doc;       /* owns the strings */
};

struct map_set {
	struct map_file **files;
	size_t nfiles;
};

/* Parses one mapping file from a loaded YAML document; takes over doc
 * (released with the file, also on failure). */
int map_file_from_doc(struct fc_ydoc *doc, struct map_file **out, struct fc_err *err);
/* Loads one file from disk / from memory. Caller frees with map_file_free. */
int map_file_load(const char *path, struct map_file **out, struct fc_err *err);
int map_file_parse(const char *path, const char *text, size_t len,
                   struct map_file **out, struct fc_err *err);
void map_file_free(struct map_file *f);

/* Loads the mapping files the config names (files, or folders whose *.yaml
 * and *.yml files are read in name order), fills in each file's default
 * source/target from cfg->sync, and checks that source is a mysql and
 * target a postgres connection and that entity names are unique. */
int map_set_load(const struct fc_config *cfg, struct map_set *set, struct fc_err *err);
void map_set_release(struct map_set *set);

/* An entity by name, or NULL. */
const struct map_entity *map_set_entity(const struct map_set *set, const char *name);

/* The column that maps to target column name, or NULL. */
const struct map_column *map_entity_column(const struct map_entity *e, const char *target);

#endif
