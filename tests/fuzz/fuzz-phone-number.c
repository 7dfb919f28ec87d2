/* fuzz-phone-number.c: what a person types into the dial pad or pastes from a CRM card
 * (zv_phone_number_normalize, zv_phone_number_to_sip_uri). Input: "COUNTRY|DOMAIN|NUMBER"; a
 * missing field is NULL (no country code) or the default domain.
 * Invariants: a normalized number normalizes to itself; a SIP URI we made starts with "sip:". */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include "fuzz-common.h"
#include "zv-phone-number.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) fields = g_strsplit (text, "|", 3);
  const char *country = NULL, *domain = "pbx.example.com", *number = text;
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;

  zv_fuzz_init ();
  if (g_strv_length (fields) == 3)
    {
      country = *fields[0] != '\0' ? fields[0] : NULL;
      domain = *fields[1] != '\0' ? fields[1] : domain;
      number = fields[2];
    }
  /* The country code comes from the profile, which accepts digits only (telephony.country-code);
   * normalize() documents that and does not check it again. */
  for (const char *c = country; c != NULL && *c != '\0'; c++)
    if (!g_ascii_isdigit (*c))
      return 0;

  normalized = zv_phone_number_normalize (number, country, &error);
  if (normalized != NULL)
    {
      g_autoptr(GError) again_error = NULL;
      g_autofree char *again = zv_phone_number_normalize (normalized, country, &again_error);
      g_autofree char *formatted = zv_phone_number_format (normalized);

      if (g_strcmp0 (again, normalized) != 0)
        zv_fuzz_fail ("\"%s\" normalizes to \"%s\", which normalizes to \"%s\"", number, normalized,
                      again != NULL ? again : again_error->message);
      (void) zv_phone_number_is_extension (normalized);
      if (formatted == NULL)
        zv_fuzz_fail ("\"%s\" cannot be formatted", normalized);
    }
  else if (error == NULL || error->domain != ZV_PHONE_ERROR)
    zv_fuzz_fail ("normalize failed without a phone error");

  {
    g_autoptr(GError) uri_error = NULL;
    g_autofree char *uri = zv_phone_number_to_sip_uri (number, country, domain, &uri_error);

    if (uri != NULL && !g_str_has_prefix (uri, "sip:") && !g_str_has_prefix (uri, "sips:"))
      zv_fuzz_fail ("\"%s\" became \"%s\", not a SIP URI", number, uri);
    if (uri == NULL && (uri_error == NULL || uri_error->domain != ZV_PHONE_ERROR))
      zv_fuzz_fail ("to_sip_uri failed without a phone error");
  }
  return 0;
}
