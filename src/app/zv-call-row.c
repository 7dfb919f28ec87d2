/* zv-call-row.c: ZvCallRow: direction (in, out, missed), who (name, else the number), when, and
 * how long; a missed call in the error colour. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-call-row.h"
#include "zv-format.h"

struct _ZvCallRow
{
  GtkBox     parent_instance;

  /* borrowed: template children */
  GtkImage  *direction_icon;
  GtkLabel  *title_label;
  GtkLabel  *subtitle_label;
  GtkLabel  *time_label;
};

G_DEFINE_FINAL_TYPE (ZvCallRow, zv_call_row, GTK_TYPE_BOX)

/* "14:05" today, "Yesterday", else the date: what call lists on phones show. */
static char *
format_when (gint64 ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (ms / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int days;

  if (when == NULL)
    return g_strdup ("");
  days = g_date_time_get_day_of_year (now) - g_date_time_get_day_of_year (when) +
         (g_date_time_get_year (now) - g_date_time_get_year (when)) * 365;
  if (days <= 0)
    return g_date_time_format (when, "%H:%M");
  if (days == 1)
    return g_strdup (_("Yesterday"));
  if (g_date_time_get_year (now) == g_date_time_get_year (when))
    /* Translators: a day of this year in the call history, see strftime(3). */
    return zv_format_date (when, _("%e %b"));
  /* Translators: a day of another year in the call history, see strftime(3). */
  return zv_format_date (when, _("%e %b %Y"));
}

static char *
format_duration (gint64 seconds)
{
  if (seconds >= 3600)
    /* Translators: a call's length in hours and minutes. */
    return g_strdup_printf (_("%d h %d min"), (int) (seconds / 3600), (int) (seconds / 60 % 60));
  if (seconds >= 60)
    /* Translators: a call's length in minutes and seconds. */
    return g_strdup_printf (_("%d min %d s"), (int) (seconds / 60), (int) (seconds % 60));
  /* Translators: a call's length in seconds. */
  return g_strdup_printf (_("%d s"), (int) seconds);
}

static const char *
status_text (ZvCallRecord *record)
{
  gboolean incoming = zv_call_record_is_incoming (record);

  switch (zv_call_record_get_status (record))
    {
    case ZV_CALL_STATUS_ANSWERED:
      return incoming ? _("Incoming") : _("Outgoing");
    case ZV_CALL_STATUS_MISSED:
      return incoming ? _("Missed") : _("No answer");
    case ZV_CALL_STATUS_REJECTED:
      return incoming ? _("Declined") : _("Declined by the other side");
    case ZV_CALL_STATUS_BUSY:
      return _("Busy");
    case ZV_CALL_STATUS_FAILED:
    default:
      return _("Failed");
    }
}

static const char *
title_text (ZvCallRecord *record)
{
  const char *name = zv_call_record_get_peer_name (record);

  return name != NULL && *name != '\0' ? name : zv_call_record_get_peer_number (record);
}

/* "+7 999 … · Outgoing · 2 min 5 s": the line under the name. */
static char *
subtitle_text (ZvCallRecord *record)
{
  const char *name = zv_call_record_get_peer_name (record);
  const char *number = zv_call_record_get_peer_number (record);
  g_autofree char *subtitle = NULL;

  if (zv_call_record_get_duration (record) > 0)
    {
      g_autofree char *duration = format_duration (zv_call_record_get_duration (record));

      /* Translators: under a name in the call history: "Outgoing · 2 min 5 s". */
      subtitle = g_strdup_printf (_("%s · %s"), status_text (record), duration);
    }
  else
    subtitle = g_strdup (status_text (record));
  if (name != NULL && *name != '\0' && number != NULL && *number != '\0')
    {
      g_autofree char *with_number = g_strdup_printf (_("%s · %s"), number, subtitle);

      g_free (subtitle);
      subtitle = g_steal_pointer (&with_number);
    }
  return g_steal_pointer (&subtitle);
}

/**
 * zv_call_row_describe:
 *
 * Returns: what a row says about @record in one line ("Name, number · Outgoing · 5 s, 14:05"): the
 * row's accessible label, and what the Calls page tells about its newest call.
 */
char *
zv_call_row_describe (ZvCallRecord *record)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *when = NULL;

  g_return_val_if_fail (ZV_IS_CALL_RECORD (record), NULL);

  subtitle = subtitle_text (record);
  when = format_when (zv_call_record_get_started_at (record));
  return g_strdup_printf ("%s, %s, %s", title_text (record), subtitle, when);
}

void
zv_call_row_set_record (ZvCallRow    *self,
                        ZvCallRecord *record)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *when = NULL;
  g_autofree char *accessible = NULL;
  gboolean missed;

  g_return_if_fail (ZV_IS_CALL_ROW (self));

  if (record == NULL)
    return;
  missed = zv_call_record_is_missed (record);
  subtitle = subtitle_text (record);
  when = format_when (zv_call_record_get_started_at (record));

  gtk_label_set_label (self->title_label, title_text (record));
  gtk_label_set_label (self->subtitle_label, subtitle);
  gtk_label_set_label (self->time_label, when);
  gtk_image_set_from_icon_name (self->direction_icon,
                                missed ? "call-missed-symbolic"
                                : zv_call_record_is_incoming (record) ? "call-incoming-symbolic"
                                : "call-outgoing-symbolic");
  if (missed)
    gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "zv-missed-call");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->title_label), "zv-missed-call");

  accessible = zv_call_row_describe (record);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
zv_call_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), ZV_TYPE_CALL_ROW);
  G_OBJECT_CLASS (zv_call_row_parent_class)->dispose (object);
}

static void
zv_call_row_class_init (ZvCallRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_call_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-call-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvCallRow, direction_icon);
  gtk_widget_class_bind_template_child (widget_class, ZvCallRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallRow, time_label);
}

static void
zv_call_row_init (ZvCallRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
