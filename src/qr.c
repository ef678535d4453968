/*
 * qr.c
 *		QR code rendering: temp_id.qr_svg, temp_id.qr_png, temp_id.qr_text
 *		and temp_id.qr_version.
 *
 * This file owns turning a token (normally the text temp_id.qr_code
 * returns) into a picture.  It knows nothing about tokens, sessions or
 * secrets: any non-empty text that fits in a QR code is accepted.
 *
 * Encoding: libqrencode, QRcode_encodeString(token, 0, QR_ECLEVEL_M,
 * QR_MODE_8, 1): the smallest version that holds the token at error
 * correction level M, case-sensitive, so tokens in the QR alphanumeric
 * set (0-9 A-Z space $%*+-./:) are encoded in alphanumeric mode, and
 * anything else byte for byte (8-bit mode).  The module matrix is copied
 * out of libqrencode's malloc'd QRcode and that is freed at once, before
 * anything that could throw, so an error never leaks it.
 *
 * Every rendering has the standard quiet zone of 4 light modules on each
 * side, so an image of a version-v symbol is 17 + 4v + 8 modules square.
 *
 *	qr_svg	an SVG document: a white background rectangle and a single
 *			black <path> made of one rectangle per horizontal run of dark
 *			modules; the viewBox is in modules, width and height in pixels
 *			(module_px per module).  shape-rendering="crispEdges".
 *	qr_png	a PNG file, 1-bit grayscale, module_px pixels per module,
 *			written by libpng to memory.  libpng reports errors by
 *			longjmp to our setjmp: its callbacks never ereport (memory
 *			comes from the current memory context with MCXT_ALLOC_NO_OOM,
 *			failures go back through png_error), and the structs are
 *			destroyed before we ereport, so nothing leaks or unwinds
 *			through libpng.
 *	qr_text for a terminal: Unicode half blocks, two module rows per line.
 *			Convention: DARK TEXT ON A LIGHT BACKGROUND -- a drawn glyph
 *			part is a dark module, a space is a light one: upper row dark
 *			only = U+2580 '▀', lower only = U+2584 '▄', both = U+2588 '█',
 *			neither = ' '.  Lines are separated by '\n' (none after the
 *			last) and all have the same width, quiet zone included, so a
 *			version-v symbol gives (17 + 4v + 9) / 2 lines.  On a terminal
 *			with light text on a dark background the code comes out
 *			inverted, which many scanners will not read.  The result is
 *			converted to the database encoding (an error if that cannot
 *			represent the block characters).
 *	qr_version	the version (1-40) libqrencode chooses for the token.
 *
 * Arguments: all four functions are CALLED ON NULL INPUT and refuse a
 * NULL argument with 22004, an empty or too long token and a module size
 * outside 1..QR_MAX_MODULE_PX with 22023.
 */
#include "temp_id.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(qr_svg);
PG_FUNCTION_INFO_V1(qr_png);
PG_FUNCTION_INFO_V1(qr_text);
PG_FUNCTION_INFO_V1(qr_version);

#define QR_QUIET_ZONE		4	/* light modules on each side */
#define QR_MIN_MODULE_PX	1
#define QR_MAX_MODULE_PX	64

/*
 * No QR code at level M holds more than 5596 characters (numeric mode,
 * version 40): longer input is refused without asking libqrencode, which
 * would first copy and analyse all of it.
 */
#define QR_MAX_INPUT_LEN	5596

/* A decoded symbol: width x width modules, row-major, 1 = dark. */
typedef struct QrMatrix
{
	int			version;
	int			width;
	uint8	   *dark;
} QrMatrix;

/* ------------------------------------------------------------------------
 * Arguments and encoding
 * ------------------------------------------------------------------------
 */

/* The token argument as a NUL-terminated string, checked. */
static char *
qr_token_arg(FunctionCallInfo fcinfo, int argno)
{
	text	   *t;
	char	   *token;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("QR token must not be null")));
	t = PG_GETARG_TEXT_PP(argno);
	if (VARSIZE_ANY_EXHDR(t) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("QR token must not be empty")));
	if (VARSIZE_ANY_EXHDR(t) > QR_MAX_INPUT_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("token is too long for a QR code"),
				 errdetail("The token has %d bytes; no QR code at error correction level M holds more than %d characters.",
						   (int) VARSIZE_ANY_EXHDR(t), QR_MAX_INPUT_LEN)));
	token = text_to_cstring(t);
	return token;
}

/* The module size argument, checked. */
static int
qr_module_px_arg(FunctionCallInfo fcinfo, int argno)
{
	int32		px;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("QR module size must not be null")));
	px = PG_GETARG_INT32(argno);
	if (px < QR_MIN_MODULE_PX || px > QR_MAX_MODULE_PX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("QR module size %d is out of range", px),
				 errhint("module_px must be between %d and %d pixels.",
						 QR_MIN_MODULE_PX, QR_MAX_MODULE_PX)));
	return px;
}

/*
 * Encode token at level M into *qr (matrix palloc'd in the current
 * context).  libqrencode's own result is freed before we can throw.
 */
static void
qr_encode(const char *token, QrMatrix *qr)
{
	QRcode	   *code;
	int			saved_errno;
	size_t		n;
	uint8	   *dark;

	errno = 0;
	code = QRcode_encodeString(token, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (code == NULL)
	{
		saved_errno = errno;
		if (saved_errno == ERANGE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("token is too long for a QR code"),
					 errdetail("The token has %d bytes, more than a version 40 QR code holds at error correction level M.",
							   (int) strlen(token))));
		if (saved_errno == ENOMEM)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("libqrencode could not allocate memory.")));
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not encode QR code: %s",
						saved_errno ? strerror(saved_errno) : "unknown error")));
	}

	/* Nothing between here and QRcode_free may throw. */
	n = (size_t) code->width * code->width;
	dark = MemoryContextAllocExtended(CurrentMemoryContext, n,
									  MCXT_ALLOC_NO_OOM);
	if (dark != NULL)
	{
		for (size_t i = 0; i < n; i++)
			dark[i] = code->data[i] & 1;
		qr->version = code->version;
		qr->width = code->width;
		qr->dark = dark;
	}
	QRcode_free(code);

	if (dark == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

/* Module (x, y) of the image including the quiet zone: 1 if dark. */
static inline int
qr_module(const QrMatrix *qr, int x, int y)
{
	x -= QR_QUIET_ZONE;
	y -= QR_QUIET_ZONE;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->dark[y * qr->width + x];
}

/* ------------------------------------------------------------------------
 * SVG
 * ------------------------------------------------------------------------
 */

static void
append_int(StringInfo buf, int32 v)
{
	char		digits[12];
	int			len = pg_ltoa(v, digits);

	appendBinaryStringInfo(buf, digits, len);
}

static text *
qr_render_svg(const QrMatrix *qr, int module_px)
{
	StringInfoData buf;
	int			size = qr->width + 2 * QR_QUIET_ZONE;
	int			px = size * module_px;

	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
					 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""
					 " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
					 " shape-rendering=\"crispEdges\">\n"
					 "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
					 "<path fill=\"#000\" d=\"",
					 px, px, size, size, size, size);

	/* One "M x y h n v1 h -n z" per horizontal run of dark modules. */
	for (int y = 0; y < qr->width; y++)
	{
		const uint8 *row = qr->dark + y * qr->width;
		int			x = 0;

		while (x < qr->width)
		{
			int			start;

			if (!row[x])
			{
				x++;
				continue;
			}
			start = x;
			while (x < qr->width && row[x])
				x++;
			appendStringInfoChar(&buf, 'M');
			append_int(&buf, start + QR_QUIET_ZONE);
			appendStringInfoChar(&buf, ' ');
			append_int(&buf, y + QR_QUIET_ZONE);
			appendStringInfoChar(&buf, 'h');
			append_int(&buf, x - start);
			appendStringInfoString(&buf, "v1h-");
			append_int(&buf, x - start);
			appendStringInfoChar(&buf, 'z');
		}
	}
	appendStringInfoString(&buf, "\"/>\n</svg>\n");

	return cstring_to_text_with_len(buf.data, buf.len);
}

/* ------------------------------------------------------------------------
 * PNG
 *
 * The callbacks below run inside libpng: they must never ereport.  They
 * report failure through png_error, which comes back to the setjmp in
 * qr_render_png.
 * ------------------------------------------------------------------------
 */

typedef struct PngSink
{
	MemoryContext cxt;
	char	   *buf;			/* a bytea under construction */
	size_t		len;			/* bytes used, VARHDRSZ included */
	size_t		cap;
	char		errmsg[256];	/* libpng's last error message */
} PngSink;

static png_voidp
png_palloc(png_structp png, png_alloc_size_t size)
{
	MemoryContext cxt = (MemoryContext) png_get_mem_ptr(png);

	if (size > MaxAllocSize)
		return NULL;
	return MemoryContextAllocExtended(cxt, size, MCXT_ALLOC_NO_OOM);
}

static void
png_pfree(png_structp png, png_voidp ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

static void
png_sink_error(png_structp png, png_const_charp msg)
{
	PngSink    *sink = (PngSink *) png_get_error_ptr(png);

	strlcpy(sink->errmsg, msg, sizeof(sink->errmsg));
	png_longjmp(png, 1);
}

static void
png_sink_warning(png_structp png, png_const_charp msg)
{
	/* libpng warnings are of no interest to the caller */
}

static void
png_sink_write(png_structp png, png_bytep data, size_t length)
{
	PngSink    *sink = (PngSink *) png_get_io_ptr(png);

	if (length > sink->cap - sink->len)
	{
		size_t		newcap = sink->cap * 2;
		char	   *newbuf;

		if (newcap < sink->len + length)
			newcap = sink->len + length;
		if (newcap > MaxAllocSize)
			png_error(png, "image too large");
		newbuf = MemoryContextAllocExtended(sink->cxt, newcap,
											MCXT_ALLOC_NO_OOM);
		if (newbuf == NULL)
			png_error(png, "out of memory");
		memcpy(newbuf, sink->buf, sink->len);
		pfree(sink->buf);
		sink->buf = newbuf;
		sink->cap = newcap;
	}
	memcpy(sink->buf + sink->len, data, length);
	sink->len += length;
}

static void
png_sink_flush(png_structp png)
{
}

static bytea *
qr_render_png(const QrMatrix *qr, int module_px)
{
	int			size = qr->width + 2 * QR_QUIET_ZONE;
	int			px = size * module_px;
	size_t		rowbytes = (px + 7) / 8;
	PngSink    *sink;
	png_bytep  *rows;
	png_structp png;
	png_infop	info;

	/*
	 * Everything that may throw happens before libpng is set up: the sink,
	 * and the image itself (one packed 1-bit row per module row, 0 = black,
	 * shared by the module_px pixel rows it covers).
	 */
	sink = palloc(sizeof(PngSink));
	sink->cxt = CurrentMemoryContext;
	sink->cap = VARHDRSZ + 256 + rowbytes * 8;
	sink->buf = palloc(sink->cap);
	sink->len = VARHDRSZ;
	sink->errmsg[0] = '\0';

	rows = palloc(sizeof(png_bytep) * px);
	for (int y = 0; y < size; y++)
	{
		png_bytep	row = palloc(rowbytes);

		memset(row, 0xFF, rowbytes);
		for (int x = QR_QUIET_ZONE; x < size - QR_QUIET_ZONE; x++)
		{
			if (!qr_module(qr, x, y))
				continue;
			for (int p = x * module_px; p < (x + 1) * module_px; p++)
				row[p >> 3] &= ~(0x80 >> (p & 7));
		}
		for (int k = 0; k < module_px; k++)
			rows[y * module_px + k] = row;
	}

	png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING,
									sink, png_sink_error, png_sink_warning,
									CurrentMemoryContext,
									png_palloc, png_pfree);
	if (png == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not create the PNG writer.")));
	info = png_create_info_struct(png);
	if (info == NULL)
	{
		png_destroy_write_struct(&png, NULL);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not create the PNG writer.")));
	}

	/*
	 * png, info, sink and rows are not changed after setjmp, so they are
	 * still valid when libpng longjmps back here.
	 */
	if (setjmp(png_jmpbuf(png)))
	{
		png_destroy_write_struct(&png, &info);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write PNG image: %s", sink->errmsg)));
	}

	png_set_write_fn(png, sink, png_sink_write, png_sink_flush);
	png_set_IHDR(png, info, px, px, 1, PNG_COLOR_TYPE_GRAY,
				 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
				 PNG_FILTER_TYPE_DEFAULT);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);

	SET_VARSIZE(sink->buf, sink->len);
	return (bytea *) sink->buf;
}

/* ------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------
 */

static text *
qr_render_text(const QrMatrix *qr)
{
	static const char *const cells[4] = {
		" ",					/* neither row dark */
		"\xe2\x96\x80",			/* U+2580 upper half block: upper dark */
		"\xe2\x96\x84",			/* U+2584 lower half block: lower dark */
		"\xe2\x96\x88",			/* U+2588 full block: both dark */
	};
	StringInfoData buf;
	int			size = qr->width + 2 * QR_QUIET_ZONE;
	char	   *converted;

	initStringInfo(&buf);
	for (int y = 0; y < size; y += 2)
	{
		if (y > 0)
			appendStringInfoChar(&buf, '\n');
		for (int x = 0; x < size; x++)
		{
			int			upper = qr_module(qr, x, y);
			int			lower = (y + 1 < size) ? qr_module(qr, x, y + 1) : 0;

			appendStringInfoString(&buf, cells[upper | (lower << 1)]);
		}
	}

	converted = pg_any_to_server(buf.data, buf.len, PG_UTF8);
	return cstring_to_text(converted);
}

/* ------------------------------------------------------------------------
 * SQL-callable functions
 * ------------------------------------------------------------------------
 */

/* temp_id.qr_svg(token text, module_px int DEFAULT 4) RETURNS text */
Datum
qr_svg(PG_FUNCTION_ARGS)
{
	char	   *token = qr_token_arg(fcinfo, 0);
	int			module_px = qr_module_px_arg(fcinfo, 1);
	QrMatrix	qr;

	qr_encode(token, &qr);
	PG_RETURN_TEXT_P(qr_render_svg(&qr, module_px));
}

/* temp_id.qr_png(token text, module_px int DEFAULT 4) RETURNS bytea */
Datum
qr_png(PG_FUNCTION_ARGS)
{
	char	   *token = qr_token_arg(fcinfo, 0);
	int			module_px = qr_module_px_arg(fcinfo, 1);
	QrMatrix	qr;

	qr_encode(token, &qr);
	PG_RETURN_BYTEA_P(qr_render_png(&qr, module_px));
}

/* temp_id.qr_text(token text) RETURNS text */
Datum
qr_text(PG_FUNCTION_ARGS)
{
	char	   *token = qr_token_arg(fcinfo, 0);
	QrMatrix	qr;

	qr_encode(token, &qr);
	PG_RETURN_TEXT_P(qr_render_text(&qr));
}

/* temp_id.qr_version(token text) RETURNS int */
Datum
qr_version(PG_FUNCTION_ARGS)
{
	char	   *token = qr_token_arg(fcinfo, 0);
	QrMatrix	qr;

	qr_encode(token, &qr);
	PG_RETURN_INT32(qr.version);
}
