/* A small FreeTDS db-lib client for the conformance checks (freetds_conformance.py drives it).
 *
 * Usage (the server is entry "sim" of the freetds.conf named by FREETDSCONF):
 *   freetds_probe USER PASSWORD DATABASE batch SQL         every result set, row, count, message
 *   freetds_probe USER PASSWORD DATABASE param DECL TEXT   SELECT @p through sp_executesql (RPC),
 *                                                          @p converted by db-lib from TEXT
 *   freetds_probe USER PASSWORD DATABASE cancel SQL        read one row, dbcancel(), SELECT 7
 *
 * Output, one line each:  COLS n | ROW v1<TAB>v2... | COUNT n | MSG number state severity line
 * [procedure] text | ERR text | END.  Values are canonical text: dates and times as ISO 8601
 * with 7 fraction digits (from dbanydatecrack), binary as lower-case hex, the rest as db-lib
 * converts them to char.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sybfront.h>
#include <sybdb.h>

/* uniqueidentifier (0x24): FreeTDS knows it but sybdb.h does not name it. */
#ifndef SYBUNIQUE
#define SYBUNIQUE 36
#endif

static int on_err(DBPROCESS *p, int sev, int dberr, int oserr, char *text, char *ostext) {
	(void) p; (void) sev; (void) dberr; (void) oserr; (void) ostext;
	printf("ERR %s\n", text ? text : "");
	return INT_CANCEL;
}

static int on_msg(DBPROCESS *p, DBINT no, int state, int sev, char *text, char *srv, char *proc, int line) {
	(void) p; (void) srv;
	printf("MSG %d %d %d %d [%s] %s\n", (int) no, state, sev, line, proc ? proc : "", text ? text : "");
	return 0;
}

static int is_temporal(int type) {
	return type == SYBDATETIME || type == SYBDATETIME4 || type == SYBDATETIMN || type == SYBMSDATE
	       || type == SYBMSTIME || type == SYBMSDATETIME2 || type == SYBMSDATETIMEOFFSET;
}

static void print_value(DBPROCESS *p, int col) {
	int type = dbcoltype(p, col);
	BYTE *data = dbdata(p, col);
	DBINT len = dbdatlen(p, col);
	static char buf[200000];
	if (data == NULL && len == 0) {
		fputs("NULL", stdout);
		return;
	}
	if (type == SYBBINARY || type == SYBVARBINARY || type == SYBIMAGE) {
		for (DBINT i = 0; i < len; i++)
			printf("%02x", data[i]);
		return;
	}
	if (is_temporal(type)) {
		DBDATEREC2 d;
		memset(&d, 0, sizeof(d));
		if (dbanydatecrack(p, &d, type, data) != SUCCEED) {
			fputs("?date", stdout);
			return;
		}
		if (type != SYBMSTIME)
			printf("%04d-%02d-%02d", d.dateyear, d.datemonth + 1, d.datedmonth);
		if (type != SYBMSDATE) {
			if (type != SYBMSTIME)
				putchar('T');
			printf("%02d:%02d:%02d.%07d", d.datehour, d.dateminute, d.datesecond, d.datensecond / 100);
		}
		if (type == SYBMSDATETIMEOFFSET) {
			int tz = d.datetzone, sign = tz < 0 ? '-' : '+';
			tz = tz < 0 ? -tz : tz;
			printf("%c%02d:%02d", sign, tz / 60, tz % 60);
		}
		return;
	}
	DBINT n = dbconvert(p, type, data, len, SYBCHAR, (BYTE *) buf, sizeof(buf) - 1);
	if (n < 0) {
		fputs("?convert", stdout);
		return;
	}
	buf[n] = '\0';
	fputs(buf, stdout);
}

/* Prints every result of the current command. */
static void print_results(DBPROCESS *p, int stop_after_one_row) {
	RETCODE rc;
	while ((rc = dbresults(p)) != NO_MORE_RESULTS) {
		if (rc != SUCCEED)
			continue;
		int cols = dbnumcols(p);
		if (cols > 0)
			printf("COLS %d\n", cols);
		while (dbnextrow(p) != NO_MORE_ROWS) {
			fputs("ROW ", stdout);
			for (int c = 1; c <= cols; c++) {
				if (c > 1)
					putchar('\t');
				print_value(p, c);
			}
			putchar('\n');
			if (stop_after_one_row) {
				fflush(stdout);
				dbcancel(p);
				puts("CANCELLED");
				return;
			}
		}
		if (DBCOUNT(p) >= 0)
			printf("COUNT %d\n", (int) DBCOUNT(p));
	}
}

/* The db-lib type for a declaration's base name, or -1. */
static int type_of(const char *decl) {
	static const struct { const char *name; int type; } table[] = {
		{"tinyint", SYBINT1}, {"smallint", SYBINT2}, {"int", SYBINT4}, {"bigint", SYBINT8},
		{"bit", SYBBIT}, {"real", SYBREAL}, {"float", SYBFLT8}, {"decimal", SYBDECIMAL},
		{"numeric", SYBNUMERIC}, {"money", SYBMONEY}, {"smallmoney", SYBMONEY4},
		{"char", SYBCHAR}, {"varchar", SYBVARCHAR}, {"nchar", SYBCHAR}, {"nvarchar", SYBVARCHAR},
		{"binary", SYBBINARY}, {"varbinary", SYBVARBINARY}, {"date", SYBMSDATE},
		{"time", SYBMSTIME}, {"datetime", SYBDATETIME}, {"smalldatetime", SYBDATETIME4},
		{"datetime2", SYBMSDATETIME2}, {"datetimeoffset", SYBMSDATETIMEOFFSET},
		{"uniqueidentifier", SYBUNIQUE},
	};
	char base[64];
	size_t n = strcspn(decl, "(");
	if (n >= sizeof(base))
		return -1;
	memcpy(base, decl, n);
	base[n] = '\0';
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, base) == 0)
			return table[i].type;
	return -1;
}

static int run_param(DBPROCESS *p, const char *decl, const char *text) {
	int type = type_of(decl);
	static BYTE value[100000];
	DBINT len;
	if (type < 0) {
		printf("ERR no db-lib type for %s\n", decl);
		return 1;
	}
	if (type == SYBCHAR || type == SYBVARCHAR) {
		len = (DBINT) strlen(text);
		memcpy(value, text, (size_t) len);
	} else {
		DBTYPEINFO info = {0, 0};
		int precision = 0, scale = 0;
		if (sscanf(decl, "%*[a-z](%d,%d)", &precision, &scale) == 2) {
			info.precision = precision;
			info.scale = scale;
		}
		len = dbconvert_ps(p, SYBCHAR, (BYTE *) text, (DBINT) strlen(text), type, value, sizeof(value),
				   (type == SYBDECIMAL || type == SYBNUMERIC) ? &info : NULL);
		if (len < 0) {
			printf("ERR db-lib cannot convert '%s' to %s\n", text, decl);
			return 1;
		}
	}
	char declaration[128];
	snprintf(declaration, sizeof(declaration), "@p %s", decl);
	const char *stmt = "SELECT @p";
	if (dbrpcinit(p, "sp_executesql", 0) != SUCCEED
	    || dbrpcparam(p, "@stmt", 0, SYBVARCHAR, -1, (DBINT) strlen(stmt), (BYTE *) stmt) != SUCCEED
	    || dbrpcparam(p, "@params", 0, SYBVARCHAR, -1, (DBINT) strlen(declaration), (BYTE *) declaration) != SUCCEED
	    || dbrpcparam(p, "@p", 0, type, type == SYBUNIQUE ? len : -1, len, value) != SUCCEED || dbrpcsend(p) != SUCCEED
	    || dbsqlok(p) != SUCCEED) {
		puts("ERR the RPC failed");
		return 1;
	}
	print_results(p, 0);
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 6) {
		fputs("usage: freetds_probe USER PASSWORD DATABASE batch|param|cancel ARGS\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (dbinit() == FAIL)
		return 2;
	dberrhandle(on_err);
	dbmsghandle(on_msg);
	LOGINREC *login = dblogin();
	DBSETLUSER(login, argv[1]);
	DBSETLPWD(login, argv[2]);
	DBSETLAPP(login, "cutover-conformance");
	DBSETLCHARSET(login, "UTF-8");
	DBPROCESS *p = dbopen(login, "sim");
	if (p == NULL) {
		puts("ERR login failed");
		return 1;
	}
	if (dbuse(p, argv[3]) != SUCCEED) {
		puts("ERR USE failed");
		return 1;
	}
	const char *mode = argv[4];
	int status = 0;
	if (strcmp(mode, "batch") == 0 || strcmp(mode, "cancel") == 0) {
		dbcmd(p, argv[5]);
		if (dbsqlexec(p) == SUCCEED)
			print_results(p, strcmp(mode, "cancel") == 0);
		if (strcmp(mode, "cancel") == 0) {
			dbcmd(p, "SELECT 7");
			if (dbsqlexec(p) == SUCCEED)
				print_results(p, 0);
		}
	} else if (strcmp(mode, "param") == 0 && argc >= 7) {
		status = run_param(p, argv[5], argv[6]);
	} else {
		fputs("unknown mode\n", stderr);
		status = 2;
	}
	puts("END");
	dbclose(p);
	dbexit();
	return status;
}
