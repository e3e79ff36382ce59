-- examples/baemin/legacy.sql - the legacy monolith's schema (MariaDB 10.11).
--
-- A food-delivery monolith as it looks after ten years of growth: one
-- database, abbreviated column names, code columns (_cd), 'Y'/'N' flags
-- (_yn), wall-clock DATETIMEs in Asia/Seoul (_dt), a WIDE `shop` table that
-- also carries the ad team's columns, and one column still in EUC-KR from
-- the days before the move to utf8mb4.
--
-- `ficus sample init` runs this file inside the database named by the legacy
-- DSN (`baemin` in the sandbox) after dropping and re-creating it, and
-- `ficus sample load` fills the tables. The file is compiled into the
-- binary (cli/sample_sql.h), and split into statements at lines that end
-- with a semicolon: keep one statement per such line ending, no DELIMITER.
--
-- TIMESTAMP columns (reg_dt, upd_dt) are stored in UTC by the server and
-- read in the session's time zone (ficus sets UTC). DATETIME columns are
-- naked wall clocks: the business always meant Korean time (Asia/Seoul).

-- Shops. Mixed table: shop data (the shop service's) and ad data (ad_*,
-- the ad service's) in one row, because in 2012 that was one screen of the
-- back office. `upd_dt` moves on every change to either half.
CREATE TABLE shop (
  shop_id       INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '가게 번호',
  shop_name     VARCHAR(100) NOT NULL COMMENT '가게명',
  owner_nm      VARCHAR(50) NOT NULL DEFAULT '' COMMENT '대표자명',
  tel_no        VARCHAR(20) NOT NULL DEFAULT '' COMMENT '전화번호 (앞뒤 공백 있음)',
  addr          VARCHAR(255) NOT NULL COMMENT '주소',
  addr_dtl      VARCHAR(100) NULL COMMENT '상세주소',
  cat_cd        CHAR(2) NOT NULL COMMENT '업종코드 01 치킨 02 피자 03 한식 04 중식 05 일식 06 버거 07 카페 08 야식',
  shop_type     ENUM('delivery','takeout','both') NOT NULL DEFAULT 'delivery' COMMENT '영업형태',
  rating        DECIMAL(3,2) NOT NULL DEFAULT 0.00 COMMENT '평점',
  review_cnt    INT UNSIGNED NOT NULL DEFAULT 0 COMMENT '리뷰수 (배치 집계)',
  min_order_amt INT NOT NULL DEFAULT 0 COMMENT '최소주문금액',
  delivery_tip  INT NOT NULL DEFAULT 0 COMMENT '배달팁',
  open_dt       DATETIME NOT NULL COMMENT '개업일시 (한국시간)',
  open_yn       CHAR(1) NOT NULL DEFAULT 'Y' COMMENT '영업여부 Y/N',
  legacy_memo   VARCHAR(200) CHARACTER SET euckr NULL COMMENT '구 운영메모 (EUC-KR)',
  ad_grade      ENUM('none','basic','premium','ultra') NOT NULL DEFAULT 'none' COMMENT '광고등급',
  ad_until      DATETIME NULL COMMENT '광고종료일시 (한국시간)',
  ad_budget     DECIMAL(12,0) NOT NULL DEFAULT 0 COMMENT '광고예산 (원)',
  reg_dt        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '등록일시',
  upd_dt        TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT '수정일시',
  PRIMARY KEY (shop_id),
  KEY idx_shop_upd_dt (upd_dt),
  KEY idx_shop_cat_cd (cat_cd)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='가게 (광고 정보 포함)';

-- Menus: a few per shop. No foreign keys anywhere: the monolith never had
-- them (they were "too slow" for the 2015 lunch peak).
CREATE TABLE menu (
  menu_id     BIGINT UNSIGNED NOT NULL COMMENT '메뉴 번호',
  shop_id     INT UNSIGNED NOT NULL COMMENT '가게 번호',
  menu_nm     VARCHAR(100) NOT NULL COMMENT '메뉴명',
  price       INT NOT NULL COMMENT '가격 (원)',
  sold_out_yn CHAR(1) NOT NULL DEFAULT 'N' COMMENT '품절여부 Y/N',
  sort_no     SMALLINT NOT NULL DEFAULT 0 COMMENT '정렬순서',
  menu_desc   TEXT NULL COMMENT '메뉴설명',
  upd_dt      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT '수정일시',
  PRIMARY KEY (menu_id),
  KEY idx_menu_shop_id (shop_id),
  KEY idx_menu_upd_dt (upd_dt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='메뉴';

-- Orders. `order` is a reserved word, hence `orders`. order_dt has
-- milliseconds (it was the ordering system's clock).
CREATE TABLE orders (
  order_id   BIGINT UNSIGNED NOT NULL COMMENT '주문 번호',
  shop_id    INT UNSIGNED NOT NULL COMMENT '가게 번호',
  member_no  INT UNSIGNED NOT NULL COMMENT '회원 번호',
  order_stat ENUM('placed','accepted','delivering','delivered','cancelled') NOT NULL DEFAULT 'placed' COMMENT '주문상태',
  total_amt  DECIMAL(10,0) NOT NULL COMMENT '결제금액 (원, 배달팁 포함)',
  order_dt   DATETIME(3) NOT NULL COMMENT '주문일시 (한국시간)',
  dlvr_addr  VARCHAR(255) NOT NULL COMMENT '배달주소',
  req_memo   TEXT NULL COMMENT '요청사항 (이모지 포함)',
  upd_dt     TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT '수정일시',
  PRIMARY KEY (order_id),
  KEY idx_orders_shop_id (shop_id),
  KEY idx_orders_member_no (member_no),
  KEY idx_orders_upd_dt (upd_dt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='주문';

-- Order lines: composite key (order_id, line_no). unit_price is the price
-- at order time (menu price plus options), not the menu's current price.
CREATE TABLE order_item (
  order_id   BIGINT UNSIGNED NOT NULL COMMENT '주문 번호',
  line_no    TINYINT UNSIGNED NOT NULL COMMENT '줄 번호',
  menu_id    BIGINT UNSIGNED NOT NULL COMMENT '메뉴 번호',
  qty        SMALLINT UNSIGNED NOT NULL DEFAULT 1 COMMENT '수량',
  unit_price INT NOT NULL COMMENT '단가 (옵션 포함)',
  opt_txt    VARCHAR(200) NULL COMMENT '옵션',
  upd_dt     TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT '수정일시',
  PRIMARY KEY (order_id, line_no),
  KEY idx_order_item_upd_dt (upd_dt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='주문 상세';

-- Reviews: one per delivered order at most. The shop's rating/review_cnt
-- are a nightly batch's numbers and do not match this table exactly.
CREATE TABLE review (
  review_id BIGINT UNSIGNED NOT NULL COMMENT '리뷰 번호',
  order_id  BIGINT UNSIGNED NOT NULL COMMENT '주문 번호',
  shop_id   INT UNSIGNED NOT NULL COMMENT '가게 번호',
  member_no INT UNSIGNED NOT NULL COMMENT '회원 번호',
  star      TINYINT UNSIGNED NOT NULL COMMENT '별점 1-5',
  content   TEXT NOT NULL COMMENT '리뷰 내용',
  photo_yn  CHAR(1) NOT NULL DEFAULT 'N' COMMENT '사진여부 Y/N',
  reg_dt    DATETIME NOT NULL COMMENT '작성일시 (한국시간)',
  upd_dt    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT '수정일시',
  PRIMARY KEY (review_id),
  UNIQUE KEY uk_review_order_id (order_id),
  KEY idx_review_shop_id (shop_id),
  KEY idx_review_upd_dt (upd_dt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='리뷰';
