/* zv-sign-in-page.h: the page that signs a company account in and shows the first sync. */
#pragma once

#include <adwaita.h>

#include "zv-session.h"

G_BEGIN_DECLS

#define ZV_TYPE_SIGN_IN_PAGE (zv_sign_in_page_get_type ())

G_DECLARE_FINAL_TYPE (ZvSignInPage, zv_sign_in_page, ZV, SIGN_IN_PAGE, AdwBin)

void   zv_sign_in_page_set_session   (ZvSignInPage  *self,
                                      ZvSession     *session);
char  *zv_sign_in_page_describe_error (const GError *error);

G_END_DECLS
