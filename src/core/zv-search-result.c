/* zv-search-result.c: one item of ZvSearchResults, and the one safe way to show a snippet: the
 * message text is escaped for Pango and only the match markers become <b>…</b>. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <string.h>

#include "zv-search-result.h"
#include "zv-store-search.h"

struct _ZvSearchResult
{
  GObject  parent_instance;

  /* owned */
  gint64   message_id;
  gint64   chat_id;
  char    *chat_title;
  gint64   sender_id;
  char    *sender_name;
  gint64   created_at;
  char    *snippet;
  char    *snippet_markup;
  gboolean from_server;     /* found by the server's search, not in the cache */
};

G_DEFINE_FINAL_TYPE (ZvSearchResult, zv_search_result, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MESSAGE_ID,
  PROP_CHAT_ID,
  PROP_CHAT_TITLE,
  PROP_SENDER_ID,
  PROP_SENDER_NAME,
  PROP_CREATED_AT,
  PROP_SNIPPET,
  PROP_SNIPPET_MARKUP,
  PROP_FROM_SERVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * zv_search_snippet_to_markup:
 * @snippet: text with each match between ZV_SEARCH_MARK_START and ZV_SEARCH_MARK_END
 *
 * Returns: (transfer full): Pango markup: the text escaped (<, >, &, quotes), the matches in <b>.
 * Stray or unbalanced markers never produce broken markup.
 */
char *
zv_search_snippet_to_markup (const char *snippet)
{
  g_autofree char *valid = NULL;
  GString *out;
  gboolean bold = FALSE;
  const char *p;

  g_return_val_if_fail (snippet != NULL, NULL);

  valid = g_utf8_make_valid (snippet, -1);
  out = g_string_sized_new (strlen (valid) + 16);
  p = valid;
  while (*p != '\0')
    {
      gsize run = strcspn (p, ZV_SEARCH_MARK_START ZV_SEARCH_MARK_END);

      if (run > 0)
        {
          g_autofree char *escaped = g_markup_escape_text (p, (gssize) run);

          g_string_append (out, escaped);
          p += run;
          continue;
        }
      if (*p == ZV_SEARCH_MARK_START[0] && !bold)
        {
          g_string_append (out, "<b>");
          bold = TRUE;
        }
      else if (*p == ZV_SEARCH_MARK_END[0] && bold)
        {
          g_string_append (out, "</b>");
          bold = FALSE;
        }
      p++;
    }
  if (bold)
    g_string_append (out, "</b>");

  return g_string_free (out, FALSE);
}

static void
zv_search_result_finalize (GObject *object)
{
  ZvSearchResult *self = ZV_SEARCH_RESULT (object);

  g_free (self->chat_title);
  g_free (self->sender_name);
  g_free (self->snippet);
  g_free (self->snippet_markup);

  G_OBJECT_CLASS (zv_search_result_parent_class)->finalize (object);
}

static void
zv_search_result_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ZvSearchResult *self = ZV_SEARCH_RESULT (object);

  switch (prop_id)
    {
    case PROP_MESSAGE_ID:     g_value_set_int64 (value, self->message_id); break;
    case PROP_CHAT_ID:        g_value_set_int64 (value, self->chat_id); break;
    case PROP_CHAT_TITLE:     g_value_set_string (value, self->chat_title); break;
    case PROP_SENDER_ID:      g_value_set_int64 (value, self->sender_id); break;
    case PROP_SENDER_NAME:    g_value_set_string (value, self->sender_name); break;
    case PROP_CREATED_AT:     g_value_set_int64 (value, self->created_at); break;
    case PROP_SNIPPET:        g_value_set_string (value, self->snippet); break;
    case PROP_SNIPPET_MARKUP: g_value_set_string (value, self->snippet_markup); break;
    case PROP_FROM_SERVER:    g_value_set_boolean (value, self->from_server); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_search_result_class_init (ZvSearchResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = zv_search_result_finalize;
  object_class->get_property = zv_search_result_get_property;

  properties[PROP_MESSAGE_ID] = g_param_spec_int64 ("message-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_CHAT_ID] = g_param_spec_int64 ("chat-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_CHAT_TITLE] = g_param_spec_string ("chat-title", NULL, NULL, NULL, flags);
  properties[PROP_SENDER_ID] = g_param_spec_int64 ("sender-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SENDER_NAME] = g_param_spec_string ("sender-name", NULL, NULL, NULL, flags);
  /* Milliseconds since the epoch, UTC. */
  properties[PROP_CREATED_AT] = g_param_spec_int64 ("created-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  /* With ZV_SEARCH_MARK_START / _END around the matches. */
  properties[PROP_SNIPPET] = g_param_spec_string ("snippet", NULL, NULL, NULL, flags);
  /* Ready for a GtkLabel with use-markup. */
  properties[PROP_SNIPPET_MARKUP] = g_param_spec_string ("snippet-markup", NULL, NULL, NULL, flags);
  /* TRUE: older history the cache does not hold, found by the server (ZvSearchResults with an
   * account); opening it needs the server too. */
  properties[PROP_FROM_SERVER] = g_param_spec_boolean ("from-server", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_search_result_init (ZvSearchResult *self)
{
}

ZvSearchResult *
zv_search_result_new (gint64      message_id,
                      gint64      chat_id,
                      const char *chat_title,
                      gint64      sender_id,
                      const char *sender_name,
                      gint64      created_at,
                      const char *snippet)
{
  ZvSearchResult *self = g_object_new (ZV_TYPE_SEARCH_RESULT, NULL);

  self->message_id = message_id;
  self->chat_id = chat_id;
  self->chat_title = g_strdup (chat_title != NULL ? chat_title : "");
  self->sender_id = sender_id;
  self->sender_name = g_strdup (sender_name != NULL ? sender_name : "");
  self->created_at = created_at;
  self->snippet = g_strdup (snippet != NULL ? snippet : "");
  self->snippet_markup = zv_search_snippet_to_markup (self->snippet);
  return self;
}

static gboolean
set_string (ZvSearchResult  *self,
            char           **field,
            const char      *value,
            guint            prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

/* The same message found by a longer query: its snippet marks other words now. */
gboolean
zv_search_result_update_from (ZvSearchResult *self,
                              ZvSearchResult *other)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self) && ZV_IS_SEARCH_RESULT (other), FALSE);

  if (self == other)
    return FALSE;
  g_object_freeze_notify (G_OBJECT (self));
  changed |= set_string (self, &self->chat_title, other->chat_title, PROP_CHAT_TITLE);
  changed |= set_string (self, &self->sender_name, other->sender_name, PROP_SENDER_NAME);
  changed |= set_string (self, &self->snippet, other->snippet, PROP_SNIPPET);
  changed |= set_string (self, &self->snippet_markup, other->snippet_markup, PROP_SNIPPET_MARKUP);
  if (self->from_server != other->from_server)
    {
      zv_search_result_set_from_server (self, other->from_server);
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));
  return changed;
}

gint64      zv_search_result_get_message_id     (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), 0); return self->message_id; }
gint64      zv_search_result_get_chat_id        (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), 0); return self->chat_id; }
const char *zv_search_result_get_chat_title     (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), NULL); return self->chat_title; }
gint64      zv_search_result_get_sender_id      (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), 0); return self->sender_id; }
const char *zv_search_result_get_sender_name    (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), NULL); return self->sender_name; }
gint64      zv_search_result_get_created_at     (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), 0); return self->created_at; }
const char *zv_search_result_get_snippet        (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), NULL); return self->snippet; }
const char *zv_search_result_get_snippet_markup (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), NULL); return self->snippet_markup; }
gboolean    zv_search_result_get_from_server    (ZvSearchResult *self) { g_return_val_if_fail (ZV_IS_SEARCH_RESULT (self), FALSE); return self->from_server; }

/* Set by the model that found the hit, before the item is shown. */
void
zv_search_result_set_from_server (ZvSearchResult *self,
                                  gboolean        from_server)
{
  g_return_if_fail (ZV_IS_SEARCH_RESULT (self));

  from_server = !!from_server;
  if (self->from_server == from_server)
    return;
  self->from_server = from_server;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_SERVER]);
}
