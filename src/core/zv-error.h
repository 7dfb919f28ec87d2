/* zv-error.h: the error domain of the UC API, shared by the client core and zveno-server.
 *
 * The wire carries stable string codes ({"error": "invalid_credentials", ...}); both sides map them
 * to one enum here so that a code is spelled in exactly one place.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZV_API_ERROR (zv_api_error_quark ())

typedef enum {
  ZV_API_ERROR_BAD_REQUEST,          /* malformed JSON or a field of the wrong type */
  ZV_API_ERROR_INVALID_CREDENTIALS,
  ZV_API_ERROR_UNAUTHORIZED,         /* no token, or an unknown or expired one */
  ZV_API_ERROR_TOKEN_EXPIRED,
  ZV_API_ERROR_ACCOUNT_DISABLED,
  ZV_API_ERROR_DEVICE_REVOKED,
  ZV_API_ERROR_FORBIDDEN,            /* authenticated but not allowed (e.g. not a chat member) */
  ZV_API_ERROR_NOT_FOUND,
  ZV_API_ERROR_METHOD_NOT_ALLOWED,
  ZV_API_ERROR_CONFLICT,
  ZV_API_ERROR_TOO_LARGE,
  ZV_API_ERROR_UNSUPPORTED_MEDIA,
  ZV_API_ERROR_POLICY_VIOLATION,     /* blocked file type, files to externals, ... */
  ZV_API_ERROR_RANGE_NOT_SATISFIABLE,
  ZV_API_ERROR_RATE_LIMITED,
  ZV_API_ERROR_RESYNC_REQUIRED,
  ZV_API_ERROR_INTERNAL,
  ZV_API_ERROR_UNAVAILABLE,
  ZV_API_ERROR_NETWORK,              /* client side: the server could not be reached */
  ZV_API_ERROR_INVALID_RESPONSE,     /* client side: an answer that breaks the contract */
  ZV_API_ERROR_UNKNOWN,              /* a code this build does not know yet */
} ZvApiError;

GQuark       zv_api_error_quark            (void);
const char  *zv_api_error_to_code          (ZvApiError  error);
ZvApiError   zv_api_error_from_code        (const char *code);
guint        zv_api_error_http_status      (ZvApiError  error);
gboolean     zv_api_error_is_deactivation  (const GError *error);
gboolean     zv_api_error_is_transient     (const GError *error);

G_END_DECLS
