/* zv-contact.c: one item of ZvContactList, plus what filtering needs: a folded copy of the fields
 * a person may type (name, title, department, e-mail, phone numbers) and the digits of the numbers,
 * so "иванов", "ИВАНОВ" and "+7 912" all find the right people. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <string.h>

#include "zv-contact.h"
#include "zv-search.h"

enum {
  F_LOGIN,
  F_NAME,
  F_TITLE,
  F_DEPARTMENT,
  F_EMAIL,
  F_EXTENSION,
  F_MOBILE,
  F_COMPANY_PHONE,
  F_PRESENCE,
  F_SORT_NAME,
  N_FIELDS
};

struct _ZvContact
{
  GObject   parent_instance;

  /* owned */
  gint64    id;
  char     *fields[N_FIELDS];
  gboolean  external;
  char     *haystack;       /* folded fields, one per line */
  char     *digits;         /* digits of the phone numbers, one number per line */
};

G_DEFINE_FINAL_TYPE (ZvContact, zv_contact, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_EXTERNAL,
  PROP_LOGIN,      /* PROP_LOGIN + F_x is the property of field x */
  PROP_LAST = PROP_LOGIN + N_FIELDS - 1,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *field_names[N_FIELDS] = {
  "login", "name", "title", "department", "email", "extension", "mobile", "company-phone",
  "presence", "sort-name",
};

/* Columns of ZV_CONTACT_SELECT for each field. */
static const int field_columns[N_FIELDS] = { 1, 2, 3, 4, 5, 6, 7, 8, 10, 11 };

static void
zv_contact_finalize (GObject *object)
{
  ZvContact *self = ZV_CONTACT (object);

  for (guint i = 0; i < N_FIELDS; i++)
    g_free (self->fields[i]);
  g_free (self->haystack);
  g_free (self->digits);

  G_OBJECT_CLASS (zv_contact_parent_class)->finalize (object);
}

static void
zv_contact_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ZvContact *self = ZV_CONTACT (object);

  if (prop_id == PROP_ID)
    g_value_set_int64 (value, self->id);
  else if (prop_id == PROP_EXTERNAL)
    g_value_set_boolean (value, self->external);
  else if (prop_id >= PROP_LOGIN && prop_id <= PROP_LAST)
    g_value_set_string (value, self->fields[prop_id - PROP_LOGIN]);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
zv_contact_class_init (ZvContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = zv_contact_finalize;
  object_class->get_property = zv_contact_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* A guest from another company. */
  properties[PROP_EXTERNAL] = g_param_spec_boolean ("external", NULL, NULL, FALSE, flags);
  for (guint i = 0; i < N_FIELDS; i++)
    properties[PROP_LOGIN + i] = g_param_spec_string (field_names[i], NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_contact_init (ZvContact *self)
{
}

static void
append_digits (GString    *out,
               const char *number)
{
  for (const char *p = number; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (out, *p);
  g_string_append_c (out, '\n');
}

static void
rebuild_haystack (ZvContact *self)
{
  static const guint searchable[] = { F_NAME, F_TITLE, F_DEPARTMENT, F_EMAIL, F_EXTENSION, F_MOBILE, F_COMPANY_PHONE, F_LOGIN };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) digits = g_string_new ("\n");

  for (guint i = 0; i < G_N_ELEMENTS (searchable); i++)
    {
      g_string_append (text, self->fields[searchable[i]]);
      g_string_append_c (text, '\n');
    }
  append_digits (digits, self->fields[F_EXTENSION]);
  append_digits (digits, self->fields[F_MOBILE]);
  append_digits (digits, self->fields[F_COMPANY_PHONE]);

  g_free (self->haystack);
  self->haystack = zv_search_fold (text->str);
  g_free (self->digits);
  self->digits = g_string_free (g_steal_pointer (&digits), FALSE);
}

ZvContact *
zv_contact_new_from_row (sqlite3_stmt *stmt)
{
  ZvContact *self = g_object_new (ZV_TYPE_CONTACT, NULL);

  self->id = sqlite3_column_int64 (stmt, 0);
  self->external = sqlite3_column_int (stmt, 9) != 0;
  for (guint i = 0; i < N_FIELDS; i++)
    {
      const char *value = (const char *) sqlite3_column_text (stmt, field_columns[i]);

      self->fields[i] = g_strdup (value != NULL ? value : "");
    }
  rebuild_haystack (self);
  return self;
}

gboolean
zv_contact_update_from (ZvContact *self,
                        ZvContact *other)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (ZV_IS_CONTACT (self) && ZV_IS_CONTACT (other), FALSE);

  if (self == other)
    return FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < N_FIELDS; i++)
    if (g_strcmp0 (self->fields[i], other->fields[i]) != 0)
      {
        g_free (self->fields[i]);
        self->fields[i] = g_strdup (other->fields[i]);
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGIN + i]);
        changed = TRUE;
      }
  if (self->external != other->external)
    {
      self->external = other->external;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXTERNAL]);
      changed = TRUE;
    }
  if (changed)
    rebuild_haystack (self);
  g_object_thaw_notify (G_OBJECT (self));

  return changed;
}

/* A word of digits (and phone punctuation) also matches the digits of a number: "+7 (912)" finds
 * "+79121234567". */
static gboolean
matches_number (ZvContact  *self,
                const char *word)
{
  char digits[64];
  gsize n = 0;

  for (const char *p = word; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          if (n + 1 >= sizeof digits)
            return FALSE;
          digits[n++] = *p;
        }
      else if (strchr ("+-()./", *p) == NULL)
        return FALSE;
    }
  digits[n] = '\0';
  return n > 0 && strstr (self->digits, digits) != NULL;
}

/**
 * zv_contact_matches:
 * @folded_words: the words of the filter, each passed through zv_search_fold()
 *
 * Returns: whether every word occurs in one of the searchable fields.
 */
gboolean
zv_contact_matches (ZvContact          *self,
                    const char * const *folded_words)
{
  g_return_val_if_fail (ZV_IS_CONTACT (self), FALSE);

  for (guint i = 0; folded_words != NULL && folded_words[i] != NULL; i++)
    if (strstr (self->haystack, folded_words[i]) == NULL && !matches_number (self, folded_words[i]))
      return FALSE;
  return TRUE;
}

gint64      zv_contact_get_id            (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), 0); return self->id; }
gboolean    zv_contact_get_external      (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), FALSE); return self->external; }
const char *zv_contact_get_login         (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_LOGIN]; }
const char *zv_contact_get_name          (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_NAME]; }
const char *zv_contact_get_title         (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_TITLE]; }
const char *zv_contact_get_department    (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_DEPARTMENT]; }
const char *zv_contact_get_email         (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_EMAIL]; }
const char *zv_contact_get_extension     (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_EXTENSION]; }
const char *zv_contact_get_mobile        (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_MOBILE]; }
const char *zv_contact_get_company_phone (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_COMPANY_PHONE]; }
const char *zv_contact_get_presence      (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_PRESENCE]; }
const char *zv_contact_get_sort_name     (ZvContact *self) { g_return_val_if_fail (ZV_IS_CONTACT (self), NULL); return self->fields[F_SORT_NAME]; }
