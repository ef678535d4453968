# temp_id — PGXS build.  `make && make install`, then `make installcheck`
# against a running server (test/check does all of it on throwaway clusters).

EXTENSION = temp_id
MODULE_big = temp_id
DATA = temp_id--1.0.sql
OBJS = \
	src/temp_id.o \
	src/settings.o \
	src/resident_id_core.o \
	src/resident_id.o \
	src/qr.o \
	src/mask.o \
	src/db.o \
	src/lifecycle.o \
	src/audit.o \
	src/token_text.o \
	src/token.o \
	src/scan.o \
	src/purge.o

PG_CPPFLAGS = -I$(srcdir)/src
SHLIB_LINK = -lqrencode -lpng

REGRESS = resident_id qr_render lifecycle history privileges tokens
REGRESS_OPTS = --load-extension=temp_id

ISOLATION = quota_race quota_race_rr quota_race_serializable renewal_race double_confirm
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=temp_id

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when a header
# changes, so a struct layout never differs between two objects.
$(OBJS): $(wildcard $(srcdir)/src/*.h)
