/* test-error.c: the UC API error table round-trips and maps to the documented HTTP statuses. */
#include "config.h"

#include <gio/gio.h>

#include "zv-error.h"

static void
test_round_trip (void)
{
  for (int e = ZV_API_ERROR_BAD_REQUEST; e <= ZV_API_ERROR_UNKNOWN; e++)
    {
      const char *code = zv_api_error_to_code (e);

      g_assert_nonnull (code);
      g_assert_cmpint (zv_api_error_from_code (code), ==, e);
    }
}

static void
test_documented_codes (void)
{
  /* These codes and statuses are fixed by docs/api.md; clients in the field depend on them. */
  g_assert_cmpstr (zv_api_error_to_code (ZV_API_ERROR_INVALID_CREDENTIALS), ==, "invalid_credentials");
  g_assert_cmpuint (zv_api_error_http_status (ZV_API_ERROR_INVALID_CREDENTIALS), ==, 401);
  g_assert_cmpstr (zv_api_error_to_code (ZV_API_ERROR_ACCOUNT_DISABLED), ==, "account_disabled");
  g_assert_cmpstr (zv_api_error_to_code (ZV_API_ERROR_DEVICE_REVOKED), ==, "device_revoked");
  g_assert_cmpuint (zv_api_error_http_status (ZV_API_ERROR_DEVICE_REVOKED), ==, 401);
  g_assert_cmpuint (zv_api_error_http_status (ZV_API_ERROR_FORBIDDEN), ==, 403);
  g_assert_cmpuint (zv_api_error_http_status (ZV_API_ERROR_NOT_FOUND), ==, 404);
  g_assert_cmpuint (zv_api_error_http_status (ZV_API_ERROR_METHOD_NOT_ALLOWED), ==, 405);
  g_assert_cmpuint (zv_api_error_http_status (ZV_API_ERROR_TOO_LARGE), ==, 413);
  g_assert_cmpuint (zv_api_error_http_status (ZV_API_ERROR_RATE_LIMITED), ==, 429);
  g_assert_cmpint (zv_api_error_from_code ("no_such_code"), ==, ZV_API_ERROR_UNKNOWN);
  g_assert_cmpint (zv_api_error_from_code (NULL), ==, ZV_API_ERROR_UNKNOWN);
}

static void
test_deactivation (void)
{
  g_autoptr(GError) disabled = g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_ACCOUNT_DISABLED, "x");
  g_autoptr(GError) revoked = g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_DEVICE_REVOKED, "x");
  g_autoptr(GError) creds = g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_INVALID_CREDENTIALS, "x");
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, ZV_API_ERROR_ACCOUNT_DISABLED, "x");

  g_assert_true (zv_api_error_is_deactivation (disabled));
  g_assert_true (zv_api_error_is_deactivation (revoked));
  g_assert_false (zv_api_error_is_deactivation (creds));
  g_assert_false (zv_api_error_is_deactivation (other));
  g_assert_false (zv_api_error_is_deactivation (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/round-trip", test_round_trip);
  g_test_add_func ("/error/documented-codes", test_documented_codes);
  g_test_add_func ("/error/deactivation", test_deactivation);
  return g_test_run ();
}
