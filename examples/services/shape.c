/* examples/services/shape.c - see shape.h. */
#include "shape.h"

#include "httpd.h"

#include "../../cdc/value.h"

static const char *const names[SHOP_NFIELDS] = {
	"id", "name", "owner", "phone", "address", "address_detail", "category", "kind",
	"rating", "review_count", "min_order", "delivery_tip", "opened_at", "is_open", "memo",
};

static int bare(int i)
{
	return i == SHOP_ID || i == SHOP_REVIEW_COUNT || i == SHOP_MIN_ORDER ||
	       i == SHOP_DELIVERY_TIP || i == SHOP_IS_OPEN;
}

void shape_shop(struct fc_buf *b, char *const v[SHOP_NFIELDS])
{
	char now[32];

	fc_buf_putc(b, '{');
	for (int i = 0; i < SHOP_NFIELDS; i++) {
		fc_buf_printf(b, "%s\"%s\":", i ? "," : "", names[i]);
		if (v[i] && bare(i))
			fc_buf_puts(b, v[i]);
		else
			cdc_json_cstr(b, v[i]);
	}
	fc_buf_printf(b, ",\"served_at\":\"%s\"}", svc_now(now));
}

void shape_list_open(struct fc_buf *b)
{
	fc_buf_puts(b, "{\"shops\":[");
}

void shape_list_close(struct fc_buf *b, int count, int limit, const char *last_id)
{
	if (count == limit && last_id)
		fc_buf_printf(b, "],\"next\":%s}", last_id);
	else
		fc_buf_puts(b, "],\"next\":null}");
}
