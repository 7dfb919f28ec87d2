/* zv-phone-number.c: normalising dialled numbers (E.164 or internal extension) and SIP URIs.
 *
 * People paste numbers from e-mails and CRM cards: "+7 (495) 123-45-67", "8 800 555 35 35",
 * "00 49 30 1234567", "ext. 1042". We keep the digits, turn national and 00-prefixed forms into
 * E.164 for the company's country, keep short numbers as extensions, and refuse anything else with
 * a message the user can act on.
 */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-phone-number.h"

#define MAX_EXTENSION_DIGITS 6
#define MAX_E164_DIGITS 15
#define MIN_EXTENSION_DIGITS 2

G_DEFINE_QUARK (zv-phone-error-quark, zv_phone_error)

static gboolean
is_separator (gunichar c)
{
  return g_unichar_isspace (c) || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' ||
         c == 0x2010 || c == 0x2011 || c == 0x2012 || c == 0x2013 || c == 0x2014 || c == 0x00A0;
}

/* Returns the digits of @input with an optional leading '+', or NULL with @error set. */
static char *
collect_digits (const char  *input,
                GError     **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  const char *p = input;

  if (!g_utf8_validate (input, -1, NULL))
    {
      g_set_error_literal (error, ZV_PHONE_ERROR, ZV_PHONE_ERROR_INVALID_CHARACTER,
                           _("The number contains characters that are not valid text"));
      return NULL;
    }

  for (; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= '0' && c <= '9')
        g_string_append_c (digits, (char) c);
      else if (c == '+' && digits->len == 0)
        g_string_append_c (digits, '+');
      else if (is_separator (c))
        continue;
      else
        {
          char buf[8] = { 0 };

          g_unichar_to_utf8 (c, buf);
          g_set_error (error, ZV_PHONE_ERROR, ZV_PHONE_ERROR_INVALID_CHARACTER,
                       _("“%s” cannot be dialled: a phone number has only digits, spaces, "
                         "dashes, brackets and a leading +"), buf);
          return NULL;
        }
    }

  return g_string_free (g_steal_pointer (&digits), FALSE);
}

/**
 * zv_phone_number_normalize:
 * @input: what the user typed or pasted
 * @country_code: (nullable): the company's country calling code without '+', e.g. "7"
 * @error: return location for a #ZV_PHONE_ERROR
 *
 * Returns: (transfer full): "+<digits>" for a public number, or the bare digits of an internal
 * extension (2 to 6 digits).
 */
char *
zv_phone_number_normalize (const char  *input,
                           const char  *country_code,
                           GError     **error)
{
  g_autofree char *digits = NULL;
  gsize len;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  digits = collect_digits (input, error);
  if (digits == NULL)
    return NULL;

  len = strlen (digits);
  if (len == 0 || (len == 1 && digits[0] == '+'))
    {
      g_set_error_literal (error, ZV_PHONE_ERROR, ZV_PHONE_ERROR_EMPTY,
                           _("Enter a phone number or an extension"));
      return NULL;
    }

  if (digits[0] == '+')
    {
      if (len - 1 < 7)
        goto too_short;
      if (len - 1 > MAX_E164_DIGITS)
        goto too_long;
      return g_steal_pointer (&digits);
    }

  /* International access prefix "00" (most of the world) or "810" (Russia's old one). */
  if (g_str_has_prefix (digits, "00") && len > 2 + 6)
    {
      if (len - 2 > MAX_E164_DIGITS)
        goto too_long;
      return g_strconcat ("+", digits + 2, NULL);
    }
  if (g_strcmp0 (country_code, "7") == 0 && g_str_has_prefix (digits, "810") && len > 3 + 6)
    {
      if (len - 3 > MAX_E164_DIGITS)
        goto too_long;
      return g_strconcat ("+", digits + 3, NULL);
    }

  if (len >= MIN_EXTENSION_DIGITS && len <= MAX_EXTENSION_DIGITS)
    return g_steal_pointer (&digits);

  if (len < MIN_EXTENSION_DIGITS)
    goto too_short;

  /* National forms. Russia and Kazakhstan: 8 + 10 digits, or the bare 10 digits. */
  if (g_strcmp0 (country_code, "7") == 0)
    {
      if (len == 11 && (digits[0] == '8' || digits[0] == '7'))
        return g_strconcat ("+7", digits + 1, NULL);
      if (len == 10)
        return g_strconcat ("+7", digits, NULL);
    }
  else if (country_code != NULL && *country_code != '\0')
    {
      /* Most numbering plans write a trunk prefix 0 before the national number. */
      const char *national = digits[0] == '0' ? digits + 1 : digits;

      if (strlen (country_code) + strlen (national) > MAX_E164_DIGITS)
        goto too_long;
      return g_strconcat ("+", country_code, national, NULL);
    }

  if (len > MAX_E164_DIGITS)
    goto too_long;

  return g_strconcat ("+", digits, NULL);

too_short:
  g_set_error (error, ZV_PHONE_ERROR, ZV_PHONE_ERROR_TOO_SHORT,
               _("“%s” is too short for a phone number"), input);
  return NULL;

too_long:
  g_set_error (error, ZV_PHONE_ERROR, ZV_PHONE_ERROR_TOO_LONG,
               _("“%s” is too long for a phone number"), input);
  return NULL;
}

gboolean
zv_phone_number_is_extension (const char *normalized)
{
  gsize len;

  g_return_val_if_fail (normalized != NULL, FALSE);

  len = strlen (normalized);
  if (len < MIN_EXTENSION_DIGITS || len > MAX_EXTENSION_DIGITS)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (normalized[i]))
      return FALSE;
  return TRUE;
}

/**
 * zv_phone_number_format:
 * @normalized: a result of zv_phone_number_normalize()
 *
 * Returns: (transfer full): the number grouped for reading, "+7 495 123-45-67" for Russian
 * numbers and groups of three otherwise; extensions unchanged.
 */
char *
zv_phone_number_format (const char *normalized)
{
  GString *out;
  const char *d;
  gsize len;

  g_return_val_if_fail (normalized != NULL, NULL);

  if (normalized[0] != '+')
    return g_strdup (normalized);

  d = normalized + 1;
  len = strlen (d);
  out = g_string_new ("+");

  if (d[0] == '7' && len == 11)
    {
      g_string_append_printf (out, "7 %.3s %.3s-%.2s-%.2s", d + 1, d + 4, d + 7, d + 9);
      return g_string_free (out, FALSE);
    }

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, d[i]);
    }
  return g_string_free (out, FALSE);
}

static gboolean
is_valid_user_part (const char *user)
{
  if (*user == '\0')
    return FALSE;
  for (const char *p = user; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.!~*'()&=+$,;?/%", *p) == NULL)
      return FALSE;
  return TRUE;
}

/**
 * zv_phone_number_to_sip_uri:
 * @input: a number, an extension, "user@host" or a sip:/sips: URI
 * @country_code: (nullable): as for zv_phone_number_normalize()
 * @domain: the SIP domain of the user's account
 * @error: return location for a #ZV_PHONE_ERROR
 *
 * Returns: (transfer full): the request URI to put in an INVITE.
 */
char *
zv_phone_number_to_sip_uri (const char  *input,
                            const char  *country_code,
                            const char  *domain,
                            GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *number = NULL;
  const char *at;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (domain != NULL, NULL);

  trimmed = g_strstrip (g_strdup (input));

  if (g_str_has_prefix (trimmed, "sip:") || g_str_has_prefix (trimmed, "sips:") ||
      strchr (trimmed, '@') != NULL)
    {
      const char *rest = trimmed;
      g_autofree char *user = NULL;

      if (g_str_has_prefix (rest, "sip:"))
        rest += 4;
      else if (g_str_has_prefix (rest, "sips:"))
        rest += 5;

      at = strchr (rest, '@');
      if (at == NULL)
        {
          user = g_strdup (rest);
          if (!is_valid_user_part (user))
            goto invalid_uri;
          return g_strdup_printf ("sip:%s@%s", user, domain);
        }

      user = g_strndup (rest, at - rest);
      if (!is_valid_user_part (user) || at[1] == '\0' || strpbrk (at + 1, " <>\"@") != NULL)
        goto invalid_uri;
      return g_str_has_prefix (trimmed, "sips:") ? g_strdup (trimmed)
                                                 : g_strconcat ("sip:", rest, NULL);
    }

  number = zv_phone_number_normalize (trimmed, country_code, error);
  if (number == NULL)
    return NULL;

  return g_strdup_printf ("sip:%s@%s", number, domain);

invalid_uri:
  g_set_error (error, ZV_PHONE_ERROR, ZV_PHONE_ERROR_INVALID_URI,
               _("“%s” is not a valid SIP address"), input);
  return NULL;
}
