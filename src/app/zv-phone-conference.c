/* zv-phone-conference.c: ZvPhone's three-way conference: the call in the foreground and the held
 * one merged (ZvConference, mixed here), and what becomes of them when one far end leaves.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-phone-private.h"

/**
 * zv_phone_merge:
 *
 * The call in the foreground and the held one become a three-way conference (ZvPhone:conference):
 * the held call is resumed and each far end hears us and the other. Both must be answered.
 */
gboolean
zv_phone_merge (ZvPhone  *self,
                GError  **error)
{
  g_autoptr(ZvConference) conference = NULL;

  g_return_val_if_fail (ZV_IS_PHONE (self), FALSE);

  if (self->conference != NULL)
    return TRUE;
  if (self->call == NULL || self->held == NULL)
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_NOT_READY,
                           _("A conference needs two calls: one in progress and one on hold."));
      return FALSE;
    }
  conference = zv_conference_new (self->call, self->held);
  if (!zv_conference_merge (conference, error))
    return FALSE;
  self->conference = g_steal_pointer (&conference);
  g_object_notify (G_OBJECT (self), "conference");
  return TRUE;
}

/* (nullable) (transfer none): the two calls merged, while they are. */
ZvConference *
zv_phone_get_conference (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->conference;
}

/* Called for every call that ends, before ZvPhone forgets it: a call of the conference ends the
 * conference (ZvConference splits itself), and the call left talks in the foreground, as it did
 * merged, instead of looking held. */
void
zv_phone_conference_call_ended (ZvPhone *self,
                                ZvCall  *call)
{
  if (self->conference == NULL
      || (call != zv_conference_get_call (self->conference, 0) && call != zv_conference_get_call (self->conference, 1)))
    return;
  g_clear_object (&self->conference);
  if (call == self->call && self->held != NULL && !zv_call_is_on_hold (self->held))
    {
      g_object_unref (self->call);
      self->call = g_steal_pointer (&self->held);
      g_object_notify (G_OBJECT (self), "held-call");
      g_object_notify (G_OBJECT (self), "call");
    }
  else if (call == self->held)
    {
      g_clear_object (&self->held);
      g_object_notify (G_OBJECT (self), "held-call");
    }
  g_object_notify (G_OBJECT (self), "conference");
}
