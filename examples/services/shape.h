/* examples/services/shape.h - the JSON both sample services answer with for
 * a shop, so that the router's shadow mode can compare them field by field.
 * Each service renders its own store's row into the same 15 texts (already
 * in the new model's words: trimmed, mapped, UTC), and this one writer turns
 * them into JSON with the same types, order and number formats. */
#ifndef SVC_SHAPE_H
#define SVC_SHAPE_H

#include "../../lib/buf.h"

enum {
	SHOP_ID, SHOP_NAME, SHOP_OWNER, SHOP_PHONE, SHOP_ADDRESS, SHOP_ADDRESS_DETAIL,
	SHOP_CATEGORY, SHOP_KIND, SHOP_RATING, SHOP_REVIEW_COUNT, SHOP_MIN_ORDER,
	SHOP_DELIVERY_TIP, SHOP_OPENED_AT, SHOP_IS_OPEN, SHOP_MEMO, SHOP_NFIELDS
};

/* Appends {"id":..,...,"served_at":".."}: v[i] is field i's text or NULL.
 * Integers and booleans ("true"/"false") are written bare, the rest as
 * strings (the rating too, "4.50", as cdc writes DECIMAL). */
void shape_shop(struct fc_buf *b, char *const v[SHOP_NFIELDS]);

/* A shop list page: {"shops":[...],"next":ID|null}. */
void shape_list_open(struct fc_buf *b);
void shape_list_close(struct fc_buf *b, int count, int limit, const char *last_id);

#endif
