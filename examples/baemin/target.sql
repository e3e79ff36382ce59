-- examples/baemin/target.sql - the new services' read models (PostgreSQL 15).
--
-- Three bounded contexts, one schema each, in one database (`services` in
-- the sandbox); in production each would be its own database. The tables
-- are read models fed by `ficus sync` through the mappings in mappings/:
-- flat, English names, real types (boolean, timestamptz), no legacy codes.
--
--   shop      shop.shops, shop.menus, shop.reviews      mappings/shop.yaml
--   ad        ad.shop_ads                               mappings/ad.yaml
--   ordering  ordering.orders, ordering.order_items     mappings/order.yaml
--
-- `ficus sample init` runs this file in one transaction; it is idempotent
-- (drops the three schemas first). Statements are split at lines that end
-- with a semicolon, like legacy.sql. Timestamps are timestamptz: the
-- legacy Asia/Seoul wall clocks become real instants on the way in.
-- updated_at keeps the legacy upd_dt (milliseconds), so verify and sync can
-- tell which side is newer.

DROP SCHEMA IF EXISTS shop CASCADE;
DROP SCHEMA IF EXISTS ad CASCADE;
DROP SCHEMA IF EXISTS ordering CASCADE;

CREATE SCHEMA shop;
CREATE SCHEMA ad;
CREATE SCHEMA ordering;

-- The shop service: shop profile without the ad columns.
CREATE TABLE shop.shops (
  id             bigint PRIMARY KEY,
  name           text NOT NULL,
  owner          text,
  phone          text,            -- trimmed; NULL where legacy had ''
  address        text,
  address_detail text,
  category       text,            -- chicken, pizza, ... (legacy cat_cd)
  kind           text,            -- delivery | takeout | both
  rating         numeric(3,2),
  review_count   integer,
  min_order      integer,
  delivery_tip   integer,
  opened_at      timestamptz,
  is_open        boolean,
  memo           text,            -- legacy_memo, from EUC-KR
  updated_at     timestamptz(3)
);

CREATE TABLE shop.menus (
  id          bigint PRIMARY KEY,
  shop_id     bigint NOT NULL,
  name        text,
  price       integer,
  sold_out    boolean,
  sort_no     smallint,
  description text,
  updated_at  timestamptz(3)
);
CREATE INDEX menus_shop_id ON shop.menus (shop_id);

CREATE TABLE shop.reviews (
  id         bigint PRIMARY KEY,
  shop_id    bigint,
  order_id   bigint,
  member_no  bigint,
  stars      smallint,
  content    text,
  has_photo  boolean,
  created_at timestamptz,
  updated_at timestamptz(3)
);
CREATE INDEX reviews_shop_id ON shop.reviews (shop_id);

-- The ad service: the ad_* half of the legacy shop row.
CREATE TABLE ad.shop_ads (
  shop_id    bigint PRIMARY KEY,
  grade      text,                -- none | basic | premium | ultra
  until      timestamptz,
  budget     numeric(12,0),
  updated_at timestamptz(3)
);

-- The ordering service (`order` is reserved in SQL, hence `ordering`).
CREATE TABLE ordering.orders (
  id         bigint PRIMARY KEY,
  shop_id    bigint,
  member_no  bigint,
  status     text,                -- placed | accepted | delivering | delivered | cancelled
  total      numeric(10,0),
  ordered_at timestamptz(3),
  address    text,
  memo       text,
  updated_at timestamptz(3)
);
CREATE INDEX orders_shop_id ON ordering.orders (shop_id);

CREATE TABLE ordering.order_items (
  order_id   bigint,
  line_no    smallint,
  menu_id    bigint,
  qty        integer,
  unit_price integer,
  options    text,
  updated_at timestamptz(3),
  PRIMARY KEY (order_id, line_no)
);
