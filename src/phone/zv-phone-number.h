/* zv-phone-number.h: what a person types into the dial pad, made into something SIP can dial. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZV_PHONE_ERROR (zv_phone_error_quark ())

typedef enum {
  ZV_PHONE_ERROR_EMPTY,
  ZV_PHONE_ERROR_INVALID_CHARACTER,
  ZV_PHONE_ERROR_TOO_SHORT,
  ZV_PHONE_ERROR_TOO_LONG,
  ZV_PHONE_ERROR_INVALID_URI,
} ZvPhoneError;

GQuark    zv_phone_error_quark            (void);
char     *zv_phone_number_normalize       (const char  *input,
                                           const char  *country_code,
                                           GError     **error);
gboolean  zv_phone_number_is_extension    (const char  *normalized);
char     *zv_phone_number_format          (const char  *normalized);
char     *zv_phone_number_to_sip_uri      (const char  *input,
                                           const char  *country_code,
                                           const char  *domain,
                                           GError     **error);

G_END_DECLS
