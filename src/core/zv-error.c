/* zv-error.c: one table that maps UC API error codes to enum values and HTTP statuses. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-error.h"

G_DEFINE_QUARK (zv-api-error-quark, zv_api_error)

static const struct {
  ZvApiError  error;
  const char *code;
  guint       status;
} api_errors[] = {
  { ZV_API_ERROR_BAD_REQUEST, "bad_request", 400 },
  { ZV_API_ERROR_INVALID_CREDENTIALS, "invalid_credentials", 401 },
  { ZV_API_ERROR_UNAUTHORIZED, "unauthorized", 401 },
  { ZV_API_ERROR_TOKEN_EXPIRED, "token_expired", 401 },
  { ZV_API_ERROR_ACCOUNT_DISABLED, "account_disabled", 401 },
  { ZV_API_ERROR_DEVICE_REVOKED, "device_revoked", 401 },
  { ZV_API_ERROR_FORBIDDEN, "forbidden", 403 },
  { ZV_API_ERROR_NOT_FOUND, "not_found", 404 },
  { ZV_API_ERROR_METHOD_NOT_ALLOWED, "method_not_allowed", 405 },
  { ZV_API_ERROR_CONFLICT, "conflict", 409 },
  { ZV_API_ERROR_TOO_LARGE, "too_large", 413 },
  { ZV_API_ERROR_UNSUPPORTED_MEDIA, "unsupported_media_type", 415 },
  { ZV_API_ERROR_POLICY_VIOLATION, "policy_violation", 403 },
  { ZV_API_ERROR_RANGE_NOT_SATISFIABLE, "range_not_satisfiable", 416 },
  { ZV_API_ERROR_RATE_LIMITED, "rate_limited", 429 },
  { ZV_API_ERROR_RESYNC_REQUIRED, "resync_required", 410 },
  { ZV_API_ERROR_INTERNAL, "internal", 500 },
  { ZV_API_ERROR_UNAVAILABLE, "unavailable", 503 },
  /* Never on the wire: the client's names for what went wrong on the way. */
  { ZV_API_ERROR_NETWORK, "network", 0 },
  { ZV_API_ERROR_INVALID_RESPONSE, "invalid_response", 0 },
  { ZV_API_ERROR_UNKNOWN, "unknown", 500 },
};

const char *
zv_api_error_to_code (ZvApiError error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (api_errors); i++)
    if (api_errors[i].error == error)
      return api_errors[i].code;
  return "unknown";
}

ZvApiError
zv_api_error_from_code (const char *code)
{
  if (code == NULL)
    return ZV_API_ERROR_UNKNOWN;
  for (gsize i = 0; i < G_N_ELEMENTS (api_errors); i++)
    if (g_str_equal (api_errors[i].code, code))
      return api_errors[i].error;
  return ZV_API_ERROR_UNKNOWN;
}

guint
zv_api_error_http_status (ZvApiError error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (api_errors); i++)
    if (api_errors[i].error == error)
      return api_errors[i].status;
  return 500;
}

/* account_disabled and device_revoked oblige the client to wipe itself. */
gboolean
zv_api_error_is_deactivation (const GError *error)
{
  return g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_ACCOUNT_DISABLED) ||
         g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_DEVICE_REVOKED);
}

/* Whether trying the same request later may succeed: the network, an overloaded or failing
 * server, a garbled answer. Authentication and validation errors are never transient. */
gboolean
zv_api_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != ZV_API_ERROR)
    return FALSE;

  switch ((ZvApiError) error->code)
    {
    case ZV_API_ERROR_NETWORK:
    case ZV_API_ERROR_INVALID_RESPONSE:
    case ZV_API_ERROR_INTERNAL:
    case ZV_API_ERROR_UNAVAILABLE:
    case ZV_API_ERROR_RATE_LIMITED:
      return TRUE;
    case ZV_API_ERROR_BAD_REQUEST:
    case ZV_API_ERROR_INVALID_CREDENTIALS:
    case ZV_API_ERROR_UNAUTHORIZED:
    case ZV_API_ERROR_TOKEN_EXPIRED:
    case ZV_API_ERROR_ACCOUNT_DISABLED:
    case ZV_API_ERROR_DEVICE_REVOKED:
    case ZV_API_ERROR_FORBIDDEN:
    case ZV_API_ERROR_NOT_FOUND:
    case ZV_API_ERROR_METHOD_NOT_ALLOWED:
    case ZV_API_ERROR_CONFLICT:
    case ZV_API_ERROR_TOO_LARGE:
    case ZV_API_ERROR_UNSUPPORTED_MEDIA:
    case ZV_API_ERROR_POLICY_VIOLATION:
    case ZV_API_ERROR_RANGE_NOT_SATISFIABLE:
    case ZV_API_ERROR_RESYNC_REQUIRED:
    case ZV_API_ERROR_UNKNOWN:
    default:
      return FALSE;
    }
}
