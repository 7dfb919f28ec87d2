/* zv-conference.h: a three-way conference mixed here: two answered calls merged, each far end
 * hearing us and the other. */
#pragma once

#include <gio/gio.h>

#include "zv-call.h"

G_BEGIN_DECLS

#define ZV_TYPE_CONFERENCE (zv_conference_get_type ())

G_DECLARE_FINAL_TYPE (ZvConference, zv_conference, ZV, CONFERENCE, GObject)

ZvConference *zv_conference_new         (ZvCall        *first,
                                         ZvCall        *second);
gboolean      zv_conference_merge       (ZvConference  *self,
                                         GError       **error);
void          zv_conference_split       (ZvConference  *self);
gboolean      zv_conference_is_merged   (ZvConference  *self);
ZvCall       *zv_conference_get_call    (ZvConference  *self,
                                         guint          index);
gboolean      zv_conference_hold        (ZvConference  *self,
                                         GError       **error);
gboolean      zv_conference_resume      (ZvConference  *self,
                                         GError       **error);
gboolean      zv_conference_is_on_hold  (ZvConference  *self);
void          zv_conference_hangup      (ZvConference  *self);

G_END_DECLS
