/* test-phone-number.c: dialled input becomes E.164, an extension or a SIP URI, or a clear error. */
#include "config.h"

#include "zv-phone-number.h"

static void
test_normalize (void)
{
  static const struct { const char *in, *country, *out; } cases[] = {
    { "+7 (495) 123-45-67", "7", "+74951234567" },
    { "8 800 555 35 35", "7", "+78005553535" },
    { "8-916-000-11-22", "7", "+79160001122" },
    { "9160001122", "7", "+79160001122" },
    { "00 49 30 1234567", "7", "+49301234567" },
    { "810 49 30 1234567", "7", "+49301234567" },
    { "+44 20 7946 0958", "7", "+442079460958" },
    { "030 1234567", "49", "+49301234567" },
    { "1042", "7", "1042" },
    { " 12 ", NULL, "12" },
    { "+1\u00a0212\u2011555\u20110100", NULL, "+12125550100" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = zv_phone_number_normalize (cases[i].in, cases[i].country, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_errors (void)
{
  static const struct { const char *in; ZvPhoneError code; } cases[] = {
    { "", ZV_PHONE_ERROR_EMPTY },
    { "  - ( ) ", ZV_PHONE_ERROR_EMPTY },
    { "+", ZV_PHONE_ERROR_EMPTY },
    { "5", ZV_PHONE_ERROR_TOO_SHORT },
    { "+12345", ZV_PHONE_ERROR_TOO_SHORT },
    { "+1234567890123456", ZV_PHONE_ERROR_TOO_LONG },
    { "call me", ZV_PHONE_ERROR_INVALID_CHARACTER },
    { "12+34", ZV_PHONE_ERROR_INVALID_CHARACTER },
    { "\xff\xfe", ZV_PHONE_ERROR_INVALID_CHARACTER },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = zv_phone_number_normalize (cases[i].in, "7", &error);

      g_assert_null (out);
      g_assert_error (error, ZV_PHONE_ERROR, (int) cases[i].code);
      g_assert_nonnull (error->message);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_extension_and_format (void)
{
  g_autofree char *ru = zv_phone_number_format ("+74951234567");
  g_autofree char *de = zv_phone_number_format ("+49301234567");
  g_autofree char *ext = zv_phone_number_format ("1042");

  g_assert_true (zv_phone_number_is_extension ("1042"));
  g_assert_true (zv_phone_number_is_extension ("12"));
  g_assert_false (zv_phone_number_is_extension ("+74951234567"));
  g_assert_false (zv_phone_number_is_extension ("1234567"));
  g_assert_false (zv_phone_number_is_extension ("1"));
  g_assert_cmpstr (ru, ==, "+7 495 123-45-67");
  g_assert_cmpstr (de, ==, "+49 301 234 567");
  g_assert_cmpstr (ext, ==, "1042");
}

static void
test_sip_uri (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "1042", "sip:1042@pbx.example.com" },
    { "+7 495 123 45 67", "sip:+74951234567@pbx.example.com" },
    { "sip:anna@pbx.example.com", "sip:anna@pbx.example.com" },
    { "anna@other.example.org", "sip:anna@other.example.org" },
    { "sips:anna@pbx.example.com", "sips:anna@pbx.example.com" },
    { "sip:1042", "sip:1042@pbx.example.com" },
  };
  static const char *bad[] = { "sip:@host", "sip:anna@", "anna@ho st", "sip:an na@host" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = zv_phone_number_to_sip_uri (cases[i].in, "7", "pbx.example.com", &error);

      g_assert_no_error (error);
      g_assert_cmpstr (uri, ==, cases[i].out);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = zv_phone_number_to_sip_uri (bad[i], "7", "pbx.example.com", &error);

      g_assert_null (uri);
      g_assert_error (error, ZV_PHONE_ERROR, ZV_PHONE_ERROR_INVALID_URI);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/phone-number/normalize", test_normalize);
  g_test_add_func ("/phone-number/errors", test_errors);
  g_test_add_func ("/phone-number/extension-and-format", test_extension_and_format);
  g_test_add_func ("/phone-number/sip-uri", test_sip_uri);
  return g_test_run ();
}
