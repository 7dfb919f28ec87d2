/* zv-conference.c: ZvConference, two answered calls merged into a three-way conference mixed
 * locally (no conference server: Debian has no PBX to be one).
 *
 * Each call keeps its own SIP dialog, codec and media session; merging links their audio both ways
 * (zv_call_mix_into(), an audiomixer in front of each call's encoder). We hear both far ends because
 * each call still plays its own. Splitting undoes the links and leaves two ordinary calls; when one
 * far end hangs up the conference splits by itself and the other call goes on as a normal call. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-conference.h"
#include "zv-sip-account.h"

struct _ZvConference
{
  GObject  parent_instance;

  /* owned */
  ZvCall  *calls[2];

  gboolean merged;
  gboolean on_hold;
};

G_DEFINE_FINAL_TYPE (ZvConference, zv_conference, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MERGED,
  PROP_ON_HOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_merged (ZvConference *self,
            gboolean      merged)
{
  if (self->merged == merged)
    return;
  self->merged = merged;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MERGED]);
}

static void
on_call_state (ZvCall       *call,
               GParamSpec   *pspec,
               ZvConference *self)
{
  /* One far end gone: the other stays, as an ordinary call. */
  if (zv_call_get_state (call) == ZV_CALL_STATE_ENDED)
    zv_conference_split (self);
}

static void
zv_conference_dispose (GObject *object)
{
  ZvConference *self = ZV_CONFERENCE (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->calls); i++)
    if (self->calls[i] != NULL)
      {
        g_signal_handlers_disconnect_by_data (self->calls[i], self);
        if (self->merged)
          zv_call_unmix (self->calls[i]);
        g_clear_object (&self->calls[i]);
      }
  self->merged = FALSE;
  G_OBJECT_CLASS (zv_conference_parent_class)->dispose (object);
}

static void
zv_conference_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ZvConference *self = ZV_CONFERENCE (object);

  switch (prop_id)
    {
    case PROP_MERGED:
      g_value_set_boolean (value, self->merged);
      break;
    case PROP_ON_HOLD:
      g_value_set_boolean (value, self->on_hold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_conference_class_init (ZvConferenceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_conference_dispose;
  object_class->get_property = zv_conference_get_property;

  /* Whether the two calls hear each other now. */
  properties[PROP_MERGED] =
    g_param_spec_boolean ("merged", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Whether we hold the conference (both calls). */
  properties[PROP_ON_HOLD] =
    g_param_spec_boolean ("on-hold", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_conference_init (ZvConference *self)
{
}

/**
 * zv_conference_new:
 * @first: a call
 * @second: another call
 *
 * A conference of the two calls, not merged yet (zv_conference_merge()).
 */
ZvConference *
zv_conference_new (ZvCall *first,
                   ZvCall *second)
{
  ZvConference *self;

  g_return_val_if_fail (ZV_IS_CALL (first), NULL);
  g_return_val_if_fail (ZV_IS_CALL (second), NULL);
  g_return_val_if_fail (first != second, NULL);

  self = g_object_new (ZV_TYPE_CONFERENCE, NULL);
  self->calls[0] = g_object_ref (first);
  self->calls[1] = g_object_ref (second);
  for (guint i = 0; i < G_N_ELEMENTS (self->calls); i++)
    g_signal_connect (self->calls[i], "notify::state", G_CALLBACK (on_call_state), self);
  return self;
}

/**
 * zv_conference_merge:
 *
 * Each far end hears us and the other from now on. A call we hold is resumed first (the usual
 * case: the first call waited on hold while we placed the second). Both calls must be answered.
 */
gboolean
zv_conference_merge (ZvConference  *self,
                     GError       **error)
{
  g_return_val_if_fail (ZV_IS_CONFERENCE (self), FALSE);

  if (self->merged)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (self->calls); i++)
    if (zv_call_get_state (self->calls[i]) != ZV_CALL_STATE_ACTIVE)
      {
        g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID, _("Only two answered calls can be merged."));
        return FALSE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (self->calls); i++)
    if (zv_call_is_on_hold (self->calls[i]) && !zv_call_resume (self->calls[i], error))
      return FALSE;
  if (!zv_call_mix_into (self->calls[0], self->calls[1], error)
      || !zv_call_mix_into (self->calls[1], self->calls[0], error))
    {
      zv_call_unmix (self->calls[0]);
      zv_call_unmix (self->calls[1]);
      return FALSE;
    }
  if (self->on_hold)
    {
      self->on_hold = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ON_HOLD]);
    }
  set_merged (self, TRUE);
  return TRUE;
}

/**
 * zv_conference_split:
 *
 * Back to two separate calls: neither far end hears the other any more. Both calls go on as they
 * are (hold the one you are not talking to).
 */
void
zv_conference_split (ZvConference *self)
{
  g_return_if_fail (ZV_IS_CONFERENCE (self));

  if (!self->merged)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->calls); i++)
    zv_call_unmix (self->calls[i]);
  set_merged (self, FALSE);
}

gboolean
zv_conference_is_merged (ZvConference *self)
{
  g_return_val_if_fail (ZV_IS_CONFERENCE (self), FALSE);
  return self->merged;
}

/* (transfer none): the first (0) or second (1) call. */
ZvCall *
zv_conference_get_call (ZvConference *self,
                        guint         index)
{
  g_return_val_if_fail (ZV_IS_CONFERENCE (self), NULL);
  g_return_val_if_fail (index < G_N_ELEMENTS (self->calls), NULL);
  return self->calls[index];
}

static gboolean
hold_all (ZvConference  *self,
          gboolean       hold,
          GError       **error)
{
  g_return_val_if_fail (ZV_IS_CONFERENCE (self), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (self->calls); i++)
    {
      ZvCall *call = self->calls[i];

      if (zv_call_get_state (call) != ZV_CALL_STATE_ACTIVE)
        continue;
      if (!(hold ? zv_call_hold (call, error) : zv_call_resume (call, error)))
        return FALSE;
    }
  if (self->on_hold != hold)
    {
      self->on_hold = hold;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ON_HOLD]);
    }
  return TRUE;
}

/**
 * zv_conference_hold:
 *
 * Holds both calls (each a re-INVITE with a=sendonly); the conference stays merged, and
 * zv_conference_resume() takes both back.
 */
gboolean
zv_conference_hold (ZvConference  *self,
                    GError       **error)
{
  return hold_all (self, TRUE, error);
}

gboolean
zv_conference_resume (ZvConference  *self,
                      GError       **error)
{
  return hold_all (self, FALSE, error);
}

gboolean
zv_conference_is_on_hold (ZvConference *self)
{
  g_return_val_if_fail (ZV_IS_CONFERENCE (self), FALSE);
  return self->on_hold;
}

/* Ends both calls. */
void
zv_conference_hangup (ZvConference *self)
{
  g_autoptr(ZvConference) hold = NULL;

  g_return_if_fail (ZV_IS_CONFERENCE (self));

  /* A call's end may drop the caller's last reference to us through a notify handler. */
  hold = g_object_ref (self);
  zv_conference_split (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->calls); i++)
    if (self->calls[i] != NULL && zv_call_get_state (self->calls[i]) != ZV_CALL_STATE_ENDED)
      zv_call_hangup (self->calls[i]);
}
