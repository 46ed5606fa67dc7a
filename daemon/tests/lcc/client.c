/* A libcollectdclient program run against collied by daemon/tests/peers.rs.
 *
 * Usage: client <socket path>
 *
 * Stores a gauge and a two-source counter (twice, so it has a rate), reads
 * them back, lists every identifier, flushes and asks for a missing value,
 * printing one line per step. Exits non-zero if a call that must succeed
 * fails. */

#include <collectd/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lcc_connection_t *con;

static void fail(const char *what) {
  printf("%s failed: %s\n", what, lcc_strerror(con));
  exit(1);
}

static lcc_identifier_t ident(const char *plugin_instance, const char *type,
                              const char *type_instance) {
  lcc_identifier_t id = LCC_IDENTIFIER_INIT;
  strcpy(id.host, "lcc-host");
  strcpy(id.plugin, "lcc");
  strcpy(id.plugin_instance, plugin_instance);
  strcpy(id.type, type);
  strcpy(id.type_instance, type_instance);
  return id;
}

static void getval(lcc_identifier_t *id, const char *label) {
  size_t n = 0;
  gauge_t *values = NULL;
  char **names = NULL;
  if (lcc_getval(con, id, &n, &values, &names) != 0) {
    printf("getval %s: error: %s\n", label, lcc_strerror(con));
    return;
  }
  printf("getval %s:", label);
  for (size_t i = 0; i < n; i++) {
    printf(" %s=%g", names[i], values[i]);
    free(names[i]);
  }
  printf("\n");
  free(names);
  free(values);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <socket>\n", argv[0]);
    return 2;
  }
  if (lcc_connect(argv[1], &con) != 0) {
    printf("lcc_connect failed\n");
    return 1;
  }

  value_t gauge = {.gauge = 21.5};
  int gauge_type = LCC_TYPE_GAUGE;
  lcc_value_list_t vl = LCC_VALUE_LIST_INIT;
  vl.values = &gauge;
  vl.values_types = &gauge_type;
  vl.values_len = 1;
  vl.time = 1700000000.0;
  vl.interval = 10.0;
  vl.identifier = ident("0", "gauge", "temp");
  if (lcc_putval(con, &vl) != 0)
    fail("putval gauge");
  printf("putval gauge: ok\n");

  value_t octets[2];
  int octet_types[2] = {LCC_TYPE_DERIVE, LCC_TYPE_DERIVE};
  lcc_value_list_t ol = LCC_VALUE_LIST_INIT;
  ol.values = octets;
  ol.values_types = octet_types;
  ol.values_len = 2;
  ol.interval = 10.0;
  ol.identifier = ident("eth0", "if_octets", "");
  for (int i = 0; i < 2; i++) {
    octets[0].derive = 1000 + 1000 * i;
    octets[1].derive = 2000 + 2000 * i;
    ol.time = 1700000000.0 + 10.0 * i;
    if (lcc_putval(con, &ol) != 0)
      fail("putval if_octets");
  }
  printf("putval if_octets: ok\n");

  getval(&vl.identifier, "gauge");
  getval(&ol.identifier, "if_octets");

  lcc_identifier_t *list = NULL;
  size_t list_len = 0;
  if (lcc_listval(con, &list, &list_len) != 0)
    fail("listval");
  lcc_sort_identifiers(con, list, list_len);
  printf("listval: %zu\n", list_len);
  for (size_t i = 0; i < list_len; i++) {
    char name[512];
    lcc_identifier_to_string(con, name, sizeof(name), &list[i]);
    printf("  %s\n", name);
  }
  free(list);

  if (lcc_flush(con, NULL, NULL, -1) != 0)
    fail("flush");
  printf("flush: ok\n");

  lcc_identifier_t missing = ident("0", "gauge", "missing");
  getval(&missing, "missing");

  LCC_DESTROY(con);
  return 0;
}
